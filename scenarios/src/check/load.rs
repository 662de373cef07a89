//! The entry points: check files (paths or in-memory texts) in, one validated `CheckPlan`
//! out (or one per target config, for `check --testbed`), with the run-wide overrides (`-T`,
//! `--profile`, `--timeout`) applied.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tfw_engine::check::CheckPlan;

use super::error::CheckFileError;
use super::file::add_file;
use super::options::LoadOptions;
use super::target::TargetGroup;

/// Loads check files and directories (a directory: its `*.toml` files, sorted by name) into
/// one plan: `parallel` 32, not pinned, the default I/O mode (the caller may change them).
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<CheckPlan, CheckFileError> {
    load_sources(&read_paths(paths)?, opts)
}

/// `load_paths` split by the files' target configs (`[target]`): a plan per config, in the
/// order the configs first come; files without one share one group (config None).
pub fn load_path_groups(
    paths: &[PathBuf],
    opts: &LoadOptions,
) -> Result<Vec<TargetGroup>, CheckFileError> {
    load_groups(&read_paths(paths)?, opts, true)
}

/// The (name, text) of every file of `paths`.
fn read_paths(paths: &[PathBuf]) -> Result<Vec<(String, String)>, CheckFileError> {
    let mut sources = Vec::new();
    for path in paths {
        for file in files_of(path)? {
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CheckFileError::new(&name, 0, "file", format!("cannot read: {e}")))?;
            sources.push((name, text));
        }
    }
    Ok(sources)
}

/// `path` itself, or a directory's `*.toml` files sorted.
fn files_of(path: &Path) -> Result<Vec<PathBuf>, CheckFileError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| CheckFileError::new(&name, 0, "file", format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| {
        CheckFileError::new(&name, 0, "file", format!("cannot read the directory: {e}"))
    })?;
    let mut files = Vec::new();
    for entry in entries {
        let p = entry
            .map_err(|e| {
                CheckFileError::new(&name, 0, "file", format!("cannot read the directory: {e}"))
            })?
            .path();
        if p.extension().is_some_and(|x| x == "toml") && !p.is_dir() {
            files.push(p);
        }
    }
    if files.is_empty() {
        return Err(CheckFileError::new(
            &name,
            0,
            "file",
            "the directory has no *.toml check files",
        ));
    }
    files.sort();
    Ok(files)
}

/// Loads check files given as (file name, text) pairs (the embedded smoke pack, tests). The
/// name's stem (without directories and `.toml`) starts its cases' names.
pub fn load_sources(
    sources: &[(String, String)],
    opts: &LoadOptions,
) -> Result<CheckPlan, CheckFileError> {
    let mut groups = load_groups(sources, opts, false)?;
    Ok(match groups.pop() {
        Some(g) => g.plan,
        None => TargetGroup::new(None).plan,
    })
}

fn load_groups(
    sources: &[(String, String)],
    opts: &LoadOptions,
    split: bool,
) -> Result<Vec<TargetGroup>, CheckFileError> {
    let mut groups = Vec::new();
    let mut names = HashMap::new();
    for (name, text) in sources {
        add_file(name, text, opts, &mut groups, split, &mut names)?;
    }
    Ok(groups)
}

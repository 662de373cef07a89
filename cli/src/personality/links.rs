//! `tfw-bench links DIR`: symbolic links named wrk, ab, h2load and tls-perf to this binary in
//! DIR, so that a test-bed's configured tool path (`wrk = /opt/tfw/wrk`) runs tfw-bench's
//! personality. A link already there that points at this binary is left; anything else of
//! that name is refused unless `--force` replaces it.

use super::Tool;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Makes the links in `dir` to `exe`; the paths made (or found already right).
pub fn make(dir: &Path, exe: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(dir).with_context(|| format!("cannot use {}", dir.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut made = Vec::new();
    for tool in Tool::ALL {
        let link = dir.join(tool.name());
        match std::fs::symlink_metadata(&link) {
            Ok(m) => {
                let same = m.file_type().is_symlink()
                    && std::fs::canonicalize(&link).ok().as_deref()
                        == std::fs::canonicalize(exe).ok().as_deref();
                if same {
                    made.push(link);
                    continue;
                }
                if !force {
                    bail!(
                        "{} exists and is not a link to {}: remove it or pass --force",
                        link.display(),
                        exe.display()
                    );
                }
                if m.is_dir() {
                    bail!("{} is a directory: not replaced", link.display());
                }
                std::fs::remove_file(&link)
                    .with_context(|| format!("cannot replace {}", link.display()))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot use {}", link.display())),
        }
        std::os::unix::fs::symlink(exe, &link)
            .with_context(|| format!("cannot create {}", link.display()))?;
        made.push(link);
    }
    Ok(made)
}

/// The `links` subcommand: prints each link made.
pub fn run(dir: &Path, force: bool) -> Result<i32> {
    let exe = std::env::current_exe().context("cannot find this program's own path")?;
    for link in make(dir, &exe, force)? {
        println!("{} -> {}", link.display(), exe.display());
    }
    Ok(0)
}

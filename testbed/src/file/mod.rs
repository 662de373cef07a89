//! The test-bed file (TOML): where the client, the target (`[tempesta]`) and the servers are,
//! how to reach them, and how to control the target. Section and key names are those of
//! tempesta-test's `tests_config.ini` (`[general]`, `[client]`, `[tempesta]`, `[server]`;
//! `ip`, `hostname`, `port`, `user`, `ssh_key`, `srcdir`, `workdir`, `config`), so a Tempesta
//! developer reads it at once; `kind` says whether the target is Tempesta or a `command`
//! target. Every key of every section is also a `${section_key}` template value.
//!
//! Defaults follow tempesta-test's `framework/helpers/tf_cfg.py` (repository
//! tempesta-tech/tempesta-test) except where [`defaults`] says why not.
//!
//! - [`model`]: the types (this module re-exports them).
//! - [`parse`]: the TOML text to a validated [`Testbed`], errors as `FILE:LINE: key: what`.
//! - [`value`]: durations (`10s`), paths (`~`, relative to the file).
//! - [`defaults`]: the default values and the commented default file.
//! - [`vars`]: `${section_key}` values.
//! - [`import`]: a tempesta-test `tests_config.ini` to a test-bed file.
//! - [`deps`]: the programs each role needs, and finding the missing ones on a host.

pub mod defaults;
pub mod deps;
pub mod import;
pub mod model;
mod parse;
pub mod value;
mod vars;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use model::{FileError, General, HostRole, HostSpec, TargetKind, TargetRole, Testbed};

impl Testbed {
    /// Reads and validates `path`; relative paths in it are resolved against its directory.
    pub fn load(path: &Path) -> Result<Testbed, FileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| FileError::new(&name, 0, "file", format_args!("cannot read: {e}")))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Testbed::parse(&name, &text, &dir)
    }

    /// Parses and validates `text`; `name` names the file in errors, `dir` resolves relative
    /// paths.
    pub fn parse(name: &str, text: &str, dir: &Path) -> Result<Testbed, FileError> {
        parse::parse(name, text, dir)
    }

    /// `${section_key}` template values: every key of every section (`tempesta_ip`, ...),
    /// with the defaults applied; a key outside any section is its own name.
    pub fn vars(&self) -> BTreeMap<String, String> {
        vars::vars(self)
    }

    /// The roles with the host each runs on, in the order `client`, `tempesta`, `server`.
    pub fn roles(&self) -> [(&'static str, &HostSpec); 3] {
        [
            ("client", &self.client.host),
            ("tempesta", &self.tempesta.host),
            ("server", &self.server.host),
        ]
    }
}

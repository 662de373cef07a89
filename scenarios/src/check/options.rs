//! What a run sets over every check file: template values and the command line's overrides
//! (`-T`, `--profile`, `--timeout`).

use std::time::Duration;

use tfw_engine::check::{Profile, Segmenting};

use super::vars::Vars;

/// How many cases run at once unless the caller says otherwise.
pub const DEFAULT_PARALLEL: usize = 32;

/// What the run sets over every file. `Default`: `Vars::defaults()`, no overrides.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Template values (`Vars::defaults()` or a test-bed file, plus what the caller sets).
    pub vars: Vars,
    /// `-T/--segment-size` (and `--segment-gap`): replaces every client's and backend's.
    pub segmenting: Option<Segmenting>,
    /// `--profile`: replaces every case's.
    pub profile: Option<Profile>,
    /// `--timeout`: replaces every case's.
    pub timeout: Option<Duration>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            vars: Vars::defaults(),
            segmenting: None,
            profile: None,
            timeout: None,
        }
    }
}

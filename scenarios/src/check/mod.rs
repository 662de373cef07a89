//! Check files (`tfw-bench check`, format in docs/check.md): TOML read into the engine's
//! validated `CheckPlan` — templates resolved, matrices expanded into stably named cases,
//! every step, frame and expectation typed, every error one line naming file, line and key.
//!
//! The TOML is walked as the parser's spanned tree (`toml::de::DeTable`), not derived with
//! serde, so that every key's line is known and a template can fill a number or a boolean
//! (`body_size = "${size}"`) before it is typed.

mod case;
mod error;
mod expectation;
mod file;
mod frame;
mod load;
mod matrix;
mod message;
mod node;
mod options;
mod peers;
mod source;
mod step;
mod target;
mod units;
mod vars;

pub use error::CheckFileError;
pub use file::DEFAULT_TIMEOUT;
pub use load::{load_path_groups, load_paths, load_sources};
pub use options::{LoadOptions, DEFAULT_PARALLEL};
pub use target::TargetGroup;
pub use units::{error_code, setting_id, ERROR_CODES, SETTINGS};
pub use vars::Vars;

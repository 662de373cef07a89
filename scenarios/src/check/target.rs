//! A check file's own target config (`[target]`, docs/check.md): the config the test-bed's
//! target is restarted with before the file's cases run, as each tempesta-test test carries
//! the Tempesta config it needs. `tfw-bench check --testbed` groups the cases by it.

use std::path::Path;

use tfw_engine::check::CheckPlan;

use super::node::{Res, Tab};
use super::options::DEFAULT_PARALLEL;

/// Cases that run with one target config: the files that name it (or name none).
#[derive(Debug)]
pub struct TargetGroup {
    /// The config (templates expanded); None: the run's default (`--target-config`, else the
    /// test-bed's config_file).
    pub config: Option<Vec<u8>>,
    /// The files of the group, as named.
    pub files: Vec<String>,
    pub plan: CheckPlan,
}

impl TargetGroup {
    pub fn new(config: Option<Vec<u8>>) -> TargetGroup {
        TargetGroup {
            config,
            files: Vec::new(),
            plan: CheckPlan {
                backends: Vec::new(),
                clients: Vec::new(),
                cases: Vec::new(),
                parallel: DEFAULT_PARALLEL,
                cpu: None,
                io: Default::default(),
            },
        }
    }
}

/// `[target]`: `config = """..."""` or `config_file = "PATH"` (relative to the check file's
/// directory), templates expanded in either.
pub(crate) fn target_config(top: &Tab, dir: &Path) -> Res<Option<Vec<u8>>> {
    let Some(v) = top.get("target") else {
        return Ok(None);
    };
    let t = v.table()?;
    let inline = t.get("config");
    let file = t.get("config_file");
    t.finish()?;
    let text = match (inline, file) {
        (Some(c), None) => c.string()?,
        (None, Some(f)) => {
            let rel = f.string()?;
            let path = dir.join(&rel);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| f.err(format!("cannot read {}: {e}", path.display())))?;
            f.cx.scope.expand(&text).map_err(|m| f.err(m))?
        }
        (Some(c), Some(_)) => return Err(c.err("give config or config_file, not both")),
        (None, None) => return Err(t.err("", "give config = \"\"\"...\"\"\" or config_file")),
    };
    Ok(Some(text.into_bytes()))
}

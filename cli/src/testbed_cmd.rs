//! `tfw-bench testbed defaults|import|check`.
//!
//! OWNER: helper "file" (H1).

use crate::cli::testbed_cmd::TestbedOpts;
use anyhow::Result;

pub fn run(o: TestbedOpts) -> Result<i32> {
    let _ = o;
    anyhow::bail!("testbed: not built yet")
}

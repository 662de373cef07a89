//! `tfw-bench remote`: drive the target of a test-bed by hand.
//!
//! OWNER: helper "remote-cli" (H4).

use crate::cli::remote::RemoteOpts;
use anyhow::Result;

pub fn run(o: RemoteOpts) -> Result<i32> {
    let _ = o;
    anyhow::bail!("remote: not built yet")
}

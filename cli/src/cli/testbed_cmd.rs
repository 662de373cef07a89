//! `tfw-bench testbed defaults|import|check` options.
//!
//! OWNER: helper "file" (H1).

use clap::Args;

#[derive(Args, Debug)]
pub struct TestbedOpts {}

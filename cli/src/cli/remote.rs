//! `tfw-bench remote` options.
//!
//! OWNER: helper "remote-cli" (H4).

use clap::Args;

#[derive(Args, Debug)]
pub struct RemoteOpts {}

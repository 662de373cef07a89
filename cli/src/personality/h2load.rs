//! Placeholder until the personality lands: refuses to run, by name.

use std::ffi::OsString;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub fn run(_args: Vec<OsString>, _stop: Arc<AtomicBool>) -> i32 {
    eprintln!("tfw-bench: the h2load personality is not available in this build");
    1
}

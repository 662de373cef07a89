//! `/proc/tempesta/perfstat`, typed: Tempesta's procfs format (fw/procfs.c), lines of
//! `Name\t\t: value`. Lines not understood are kept, not dropped.
//!
//! OWNER: helper "target" (H3).

use crate::counters::Counters;

/// A parsed perfstat. (H3 adds the typed fields.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Perfstat {
    /// Lines not understood, as they were.
    pub unknown: Vec<String>,
}

/// Parses the text of `/proc/tempesta/perfstat`.
pub fn parse(text: &str) -> Perfstat {
    let _ = text;
    todo!("H3")
}

impl Perfstat {
    /// Every value as a flat counter list (source "perfstat").
    pub fn counters(&self) -> Counters {
        todo!("H3")
    }
}

//! Drop-in personalities: `tfw-bench wrk|ab|h2load|tls-perf ARGS...`, or the binary invoked
//! under one of those names (a link `wrk -> tfw-bench`), take that tool's command line and
//! print that tool's output, so the scripts that call those tools keep working with only the
//! binary swapped. Each tool's own module parses its options (its words, its exit codes),
//! builds an engine plan, runs it and prints through its printer in `tfw_reports::drop_in`.
//! `tfw-bench links DIR` makes the links.

pub mod ab;
pub mod h2load;
pub mod links;
pub mod tls_perf;
pub mod wrk;

use std::ffi::OsString;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// A tool tfw-bench stands in for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Wrk,
    Ab,
    H2load,
    TlsPerf,
}

impl Tool {
    pub const ALL: [Tool; 4] = [Tool::Wrk, Tool::Ab, Tool::H2load, Tool::TlsPerf];

    /// The tool's program name.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Wrk => "wrk",
            Tool::Ab => "ab",
            Tool::H2load => "h2load",
            Tool::TlsPerf => "tls-perf",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The tool the program was invoked as, with the arguments after the tool's name: argv[0]'s
/// file name is a tool's name (a link), or argv[1] is (`tfw-bench wrk ...`).
pub fn invoked_as(args: &[OsString]) -> Option<(Tool, Vec<OsString>)> {
    let name = |a: &OsString| a.to_str().and_then(Tool::from_name);
    let argv0 = args.first()?;
    let base = Path::new(argv0).file_name().map(OsString::from)?;
    if let Some(t) = name(&base) {
        return Some((t, args[1..].to_vec()));
    }
    let t = name(args.get(1)?)?;
    Some((t, args[2..].to_vec()))
}

/// Runs `tool` with its command line `args` (without the program name); the exit status.
pub fn run(tool: Tool, args: Vec<OsString>, stop: Arc<AtomicBool>) -> i32 {
    match tool {
        Tool::Wrk => wrk::run(args, stop),
        Tool::Ab => ab::run(args, stop),
        Tool::H2load => h2load::run(args, stop),
        Tool::TlsPerf => tls_perf::run(args, stop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_tool_comes_from_the_link_name_or_the_first_argument() {
        let (t, a) = invoked_as(&os(&["/usr/local/bin/wrk", "-c", "10", "http://x/"])).unwrap();
        assert_eq!((t, a), (Tool::Wrk, os(&["-c", "10", "http://x/"])));
        let (t, a) = invoked_as(&os(&["tfw-bench", "tls-perf", "-l", "5"])).unwrap();
        assert_eq!((t, a), (Tool::TlsPerf, os(&["-l", "5"])));
        assert!(invoked_as(&os(&["tfw-bench", "stress"])).is_none());
        assert!(invoked_as(&os(&["/bin/wrk2", "-c", "1"])).is_none());
    }
}

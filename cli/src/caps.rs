//! What this tfw-bench binary can do, found by asking it: `regress` runs scenarios by starting
//! the same executable, and a scenario whose feature (HTTP/2, TLS, fixed rate, handshakes) the
//! binary does not have yet is reported as skipped, with why, instead of failing the job.
//!
//! Each subcommand's `--help` is read once and its long options collected; a subcommand whose
//! `--help` fails does not exist.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use tfw_reports::history::matrix::Requirement;

/// The long options each subcommand accepts (`None`: no such subcommand).
pub struct Capabilities {
    commands: HashMap<&'static str, Option<HashSet<String>>>,
}

impl Capabilities {
    /// Asks `exe` about `commands`.
    pub fn detect(exe: &Path, commands: &[&'static str]) -> Capabilities {
        let mut map = HashMap::new();
        for &c in commands {
            map.insert(c, help_flags(exe, c));
        }
        Capabilities { commands: map }
    }

    /// Why `reqs` cannot be met, or `None` when they can.
    pub fn missing(&self, reqs: &[Requirement]) -> Option<String> {
        let mut why = Vec::new();
        for r in reqs {
            let line = match self.commands.get(r.command) {
                Some(Some(flags)) if flags.contains(r.flag) => continue,
                Some(Some(_)) => {
                    format!("`tfw-bench {}` has no {} ({})", r.command, r.flag, r.what)
                }
                _ => format!("this tfw-bench has no `{}` command", r.command),
            };
            if !why.contains(&line) {
                why.push(line);
            }
        }
        (!why.is_empty()).then(|| why.join("; "))
    }

    /// Whether `command` accepts `flag`.
    pub fn has(&self, command: &str, flag: &str) -> bool {
        matches!(self.commands.get(command), Some(Some(f)) if f.contains(flag))
    }
}

fn help_flags(exe: &Path, command: &str) -> Option<HashSet<String>> {
    let out = Command::new(exe)
        .args([command, "--help"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(long_options(&String::from_utf8_lossy(&out.stdout)))
}

/// Every `--name` token of a help text.
fn long_options(help: &str) -> HashSet<String> {
    let mut set = HashSet::new();
    for (i, _) in help.match_indices("--") {
        let before = help[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-') {
            continue;
        }
        let name: String = help[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !name.is_empty() {
            set.insert(format!("--{name}"));
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_of_a_clap_help() {
        let help = "Usage: tfw-bench stress [OPTIONS] [URL]\n\n  -c, --conns <CONNS>  Connections\n      \
                    --json <JSON>  Write\n  -q, --quiet\n      --batch-wait <BATCH_WAIT>  e.g. x--y\n";
        let f = long_options(help);
        for o in ["--conns", "--json", "--quiet", "--batch-wait"] {
            assert!(f.contains(o), "{o} in {f:?}");
        }
        assert!(!f.contains("--y"));
        assert!(!f.contains("--rate"));
    }

    #[test]
    fn missing_requirements_are_explained_once() {
        let caps = Capabilities {
            commands: HashMap::from([
                ("stress", Some(HashSet::from(["--json".to_string()]))),
                ("handshake", None),
            ]),
        };
        let r = |command, flag, what| Requirement {
            command,
            flag,
            what,
        };
        assert_eq!(caps.missing(&[r("stress", "--json", "JSON")]), None);
        let why = caps
            .missing(&[
                r("stress", "--rate", "fixed-rate load"),
                r("stress", "--rate", "fixed-rate load"),
                r("handshake", "--json", "JSON results"),
            ])
            .unwrap();
        assert_eq!(
            why,
            "`tfw-bench stress` has no --rate (fixed-rate load); \
             this tfw-bench has no `handshake` command"
        );
    }
}

//! What each role of a test-bed needs on its host (`tfw-bench testbed check`), after
//! tempesta-test's `tools/check_deps/` (check_cmds_nodes.py, check_files_nodes.py in
//! tempesta-tech/tempesta-test), cut to what tfw-bench itself runs there:
//!
//! - `client`: nothing: tfw-bench is the client (it replaces wrk, ab, h2load, tls-perf).
//! - `tempesta`, `kind = "tempesta"`: the programs `scripts/tempesta.sh` and its
//!   `tfw_lib.sh` call (bash, insmod, rmmod, lsmod, sysctl, ip, grep, sed, awk, ethtool,
//!   perl, bc; read in tempesta-tech/tempesta), those tfw-bench calls itself (dmesg for the
//!   kernel log, uname and git for the kernel and the revision), and the file
//!   `srcdir/scripts/tempesta.sh`.
//! - `tempesta`, `kind = "command"`: `sh` (the commands run under `sh -c`); no kind: nothing.
//! - `server`: the program of the `nginx` key, when the file has one (tempesta-test's).
//!
//! [`needs`] is the pure part; [`missing_on`] asks a host with `command -v` and `test -e`,
//! the names passed as arguments of a fixed script (never pasted into it).

use std::time::Duration;

use super::model::{HostSpec, TargetKind, Testbed};
use crate::host::{Cmd, Host, HostError};

/// Programs `kind = "tempesta"` needs on the target's host.
pub const TEMPESTA_PROGRAMS: [&str; 15] = [
    "bash", "git", "dmesg", "uname", "insmod", "rmmod", "lsmod", "sysctl", "ip", "grep", "sed",
    "awk", "ethtool", "perl", "bc",
];

/// What one role needs on its host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needs {
    /// "client", "tempesta" or "server".
    pub role: &'static str,
    pub host: HostSpec,
    /// Program names or paths, looked up with `command -v`.
    pub programs: Vec<String>,
    /// Files that must exist.
    pub files: Vec<String>,
    /// Why the lists are empty, when they are.
    pub note: Option<&'static str>,
}

/// What is missing of a role's [`Needs`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Missing {
    pub programs: Vec<String>,
    pub files: Vec<String>,
}

impl Missing {
    pub fn is_empty(&self) -> bool {
        self.programs.is_empty() && self.files.is_empty()
    }
}

/// The needs of the three roles, in the order client, tempesta, server.
pub fn needs(tb: &Testbed) -> Vec<Needs> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let client = Needs {
        role: "client",
        host: tb.client.host.clone(),
        programs: Vec::new(),
        files: Vec::new(),
        note: Some("tfw-bench needs nothing else there"),
    };
    let (programs, files, note) = match &tb.tempesta.kind {
        Some(TargetKind::Tempesta { srcdir, .. }) => (
            strings(&TEMPESTA_PROGRAMS),
            vec![format!(
                "{}/scripts/tempesta.sh",
                srcdir.trim_end_matches('/')
            )],
            None,
        ),
        Some(TargetKind::Command { .. }) => (strings(&["sh"]), Vec::new(), None),
        None => (
            Vec::new(),
            Vec::new(),
            Some("no kind: no target to control"),
        ),
    };
    let tempesta = Needs {
        role: "tempesta",
        host: tb.tempesta.host.clone(),
        programs,
        files,
        note,
    };
    let nginx = tb
        .extra
        .get("server")
        .and_then(|s| s.get("nginx"))
        .filter(|n| !n.trim().is_empty());
    let server = Needs {
        role: "server",
        host: tb.server.host.clone(),
        programs: nginx.into_iter().cloned().collect(),
        files: Vec::new(),
        note: match nginx {
            None => Some("no nginx key: nothing to look for"),
            Some(_) => None,
        },
    };
    vec![client, tempesta, server]
}

/// Prints each argument that is not a command here (sbin directories searched too: a
/// non-login shell of a non-root user may not have them in PATH).
const PROGRAMS_SCRIPT: &str = "PATH=\"$PATH:/usr/local/sbin:/usr/sbin:/sbin\"; \
     for p in \"$@\"; do command -v \"$p\" >/dev/null 2>&1 || printf '%s\\n' \"$p\"; done";
/// Prints each argument that does not exist.
const FILES_SCRIPT: &str = "for f in \"$@\"; do [ -e \"$f\" ] || printf '%s\\n' \"$f\"; done";

/// The command that prints which of `names` `script` finds missing.
fn probe(script: &str, names: &[String]) -> Cmd {
    let mut cmd = Cmd::shell(script).arg("tfw-bench-check");
    for n in names {
        cmd = cmd.arg(n);
    }
    cmd
}

/// Looks on `host` for what `needs` lists; `timeout` bounds each command. (The error is
/// boxed: a `HostError` is large.)
pub fn missing_on(
    host: &mut dyn Host,
    needs: &Needs,
    timeout: Duration,
) -> Result<Missing, Box<HostError>> {
    let mut run = |script: &str, names: &[String]| -> Result<Vec<String>, Box<HostError>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let out = host.exec(&probe(script, names), timeout)?;
        if out.status != 0 {
            return Err(Box::new(HostError::Other {
                host: host.name().to_string(),
                message: format!(
                    "the dependency check exited with {}: {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
            }));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect())
    };
    Ok(Missing {
        programs: run(PROGRAMS_SCRIPT, &needs.programs)?,
        files: run(FILES_SCRIPT, &needs.files)?,
    })
}

/// "user@host:port", or "localhost".
pub fn host_label(spec: &HostSpec) -> String {
    if spec.is_local() {
        "localhost".to_string()
    } else {
        format!("{}@{}:{}", spec.user, spec.hostname, spec.port)
    }
}

/// The one line `testbed check` prints for a role: `ok`, `missing: ...` or the error.
pub fn report_line(needs: &Needs, result: &Result<Missing, String>) -> String {
    let status = match result {
        Err(e) => format!("error: {e}"),
        Ok(m) if m.is_empty() => match needs.note {
            Some(note) => format!("ok ({note})"),
            None => "ok".to_string(),
        },
        Ok(m) => {
            let all: Vec<&str> = m
                .programs
                .iter()
                .chain(&m.files)
                .map(String::as_str)
                .collect();
            format!("missing: {}", all.join(", "))
        }
    };
    format!("{:<9} {:<24} {status}", needs.role, host_label(&needs.host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn tb(text: &str) -> Testbed {
        Testbed::parse("tb.toml", text, Path::new("/")).unwrap()
    }

    #[test]
    fn each_role_needs_what_its_kind_runs() {
        let n = needs(&tb(
            "[tempesta]\nkind = \"tempesta\"\nsrcdir = \"/src/tfw/\"\n\
                           [server]\nnginx = \"/usr/sbin/nginx\"\n",
        ));
        assert_eq!(
            n.iter().map(|n| n.role).collect::<Vec<_>>(),
            ["client", "tempesta", "server"]
        );
        assert!(n[0].programs.is_empty() && n[0].note.is_some());
        assert!(n[1].programs.iter().any(|p| p == "bash"));
        assert!(n[1].programs.iter().any(|p| p == "dmesg"));
        assert_eq!(n[1].files, ["/src/tfw/scripts/tempesta.sh"]);
        assert_eq!(n[2].programs, ["/usr/sbin/nginx"]);
        let n = needs(&tb(
            "[tempesta]\nkind = \"command\"\nstart = \"a\"\nstop = \"b\"\n",
        ));
        assert_eq!(n[1].programs, ["sh"]);
        assert_eq!(n[2].programs, Vec::<String>::new());
        let n = needs(&tb(""));
        assert!(n[1].programs.is_empty() && n[1].files.is_empty());
        assert_eq!(n[1].note, Some("no kind: no target to control"));
    }

    #[test]
    fn probes_pass_names_as_arguments() {
        let names = vec!["a b".to_string(), "$(reboot)".to_string()];
        let cmd = probe(PROGRAMS_SCRIPT, &names);
        assert_eq!(cmd.argv[..3], ["sh", "-c", PROGRAMS_SCRIPT]);
        assert_eq!(cmd.argv[3..], ["tfw-bench-check", "a b", "$(reboot)"]);
    }

    #[test]
    fn report_lines() {
        let n = needs(&tb(
            "[tempesta]\nkind = \"tempesta\"\nhostname = \"h\"\nuser = \"u\"\nport = 2\n",
        ));
        let missing = Missing {
            programs: vec!["git".into(), "dmesg".into()],
            files: vec!["/root/tempesta/scripts/tempesta.sh".into()],
        };
        assert_eq!(
            report_line(&n[1], &Ok(missing)),
            format!(
                "tempesta  {:<24} missing: git, dmesg, /root/tempesta/scripts/tempesta.sh",
                "u@h:2"
            )
        );
        assert_eq!(
            report_line(&n[1], &Ok(Missing::default()))
                .split_whitespace()
                .last(),
            Some("ok")
        );
        assert!(report_line(&n[0], &Ok(Missing::default()))
            .ends_with("ok (tfw-bench needs nothing else there)"));
        assert!(report_line(&n[2], &Err("h: refused".into())).ends_with("error: h: refused"));
    }
}

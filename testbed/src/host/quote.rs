//! The remote command line of a [`Cmd`]: SSH runs a command as one string through the remote
//! user's shell, so every argument, environment value and directory is POSIX single-quoted
//! here (`'...'`, a quote inside as `'\''`): no value from a config file can inject shell
//! syntax. Environment names are checked, since a name cannot be quoted.

use super::types::Cmd;

/// `s` as one POSIX shell word with no expansion at all.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// True for a portable environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn valid_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why a [`Cmd`] cannot be made into a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuoteError {
    EmptyArgv,
    BadEnvName(String),
}

impl std::fmt::Display for QuoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QuoteError::EmptyArgv => write!(f, "empty command"),
            QuoteError::BadEnvName(n) => write!(
                f,
                "bad environment variable name {:?} (want [A-Za-z_][A-Za-z0-9_]*)",
                n
            ),
        }
    }
}

/// Checks what [`command_line`] checks, for the local host too.
pub fn validate(cmd: &Cmd) -> Result<(), QuoteError> {
    if cmd.argv.is_empty() {
        return Err(QuoteError::EmptyArgv);
    }
    for (k, _) in &cmd.env {
        if !valid_env_name(k) {
            return Err(QuoteError::BadEnvName(k.clone()));
        }
    }
    Ok(())
}

/// `cd 'DIR' && env 'K=V' ... 'PROG' 'ARG' ...` (the parts present), for `sh -c`.
pub fn command_line(cmd: &Cmd) -> Result<String, QuoteError> {
    validate(cmd)?;
    let mut out = String::new();
    if let Some(dir) = &cmd.cwd {
        out.push_str("cd ");
        out.push_str(&quote(dir));
        out.push_str(" && ");
    }
    if !cmd.env.is_empty() {
        // `env` rather than `K=V prog`: the assignment form is shell syntax, `env` takes
        // plain (quoted) words; `--` first keeps a program named like an option a program.
        out.push_str("env --");
        for (k, v) in &cmd.env {
            out.push(' ');
            out.push_str(&quote(&format!("{k}={v}")));
        }
        out.push(' ');
    }
    let words: Vec<String> = cmd.argv.iter().map(|a| quote(a)).collect();
    out.push_str(&words.join(" "));
    Ok(out)
}

/// The program and its arguments for messages: never the environment (it may carry secrets),
/// quoted where needed, cut at `max` characters.
pub fn display_argv(cmd: &Cmd, max: usize) -> String {
    let words: Vec<String> = cmd
        .argv
        .iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                a.clone()
            } else {
                quote(a)
            }
        })
        .collect();
    // One line: control characters (a script's newlines) shown escaped.
    let s: String = words
        .join(" ")
        .chars()
        .flat_map(|c| {
            let esc: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            esc
        })
        .collect();
    if s.chars().count() > max {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const HOSTILE: &[&str] = &[
        "$(touch /tmp/tfw-quote-pwned)",
        "`id`",
        "a; echo injected",
        "it's",
        "'",
        "''\\'",
        "\"double\" $HOME",
        "line1\nline2",
        "* ? [a-z]",
        "",
        "  spaces  ",
        "&& || | > < &",
        "-n",
        "ünïcödé",
    ];

    /// Runs `line` with the real `sh -c` and returns stdout.
    fn sh(line: &str) -> String {
        let out = Command::new("sh").arg("-c").arg(line).output().unwrap();
        assert!(out.status.success(), "sh -c {line:?}: {:?}", out);
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn quote_round_trips_through_sh() {
        for v in HOSTILE {
            let out = sh(&format!("printf '%s' {}", quote(v)));
            assert_eq!(&out, v, "value {v:?}");
        }
        assert!(!std::path::Path::new("/tmp/tfw-quote-pwned").exists());
    }

    #[test]
    fn argv_env_cwd_stay_literal() {
        let dir = std::env::temp_dir().join(format!("tfw-quote-it's $(x) {}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cmd = Cmd::new("sh")
            .arg("-c")
            .arg("pwd; printf '%s\\n' \"$V\"; for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done")
            .arg("sh");
        for v in HOSTILE {
            cmd = cmd.arg(v);
        }
        let env_val = "$(echo no); `id` 'q' \n x";
        cmd = cmd.env("V", env_val).cwd(dir.to_str().unwrap());
        let out = sh(&command_line(&cmd).unwrap());
        let mut want = format!("{}\n{}\n", dir.display(), env_val);
        for v in HOSTILE {
            want.push_str(&format!("[{v}]\n"));
        }
        assert_eq!(out, want);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn env_names_are_checked() {
        assert!(valid_env_name("TFW_CFG_PATH"));
        assert!(valid_env_name("_x1"));
        for bad in ["", "1A", "A-B", "A B", "A=B", "$(x)", "é"] {
            assert!(!valid_env_name(bad), "{bad:?}");
            let cmd = Cmd::new("true").env(bad, "v");
            assert_eq!(
                command_line(&cmd),
                Err(QuoteError::BadEnvName(bad.to_string()))
            );
        }
        assert_eq!(command_line(&Cmd::default()), Err(QuoteError::EmptyArgv));
    }

    #[test]
    fn program_named_like_an_option_with_env() {
        let cmd = Cmd::new("printf").arg("%s").arg("ok").env("A", "1");
        assert_eq!(
            command_line(&cmd).unwrap(),
            "env -- 'A=1' 'printf' '%s' 'ok'"
        );
        assert_eq!(sh(&command_line(&cmd).unwrap()), "ok");
        let cmd = Cmd::new("-n").env("A", "1");
        let out = Command::new("sh")
            .arg("-c")
            .arg(command_line(&cmd).unwrap())
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("-n"),
            "{out:?}"
        );
    }

    #[test]
    fn display_hides_env_and_cuts() {
        let cmd = Cmd::new("sleep").arg("1000").env("SECRET", "hunter2");
        assert_eq!(display_argv(&cmd, 100), "sleep 1000");
        let cmd = Cmd::shell("echo 'x'; true");
        assert_eq!(display_argv(&cmd, 100), "sh -c 'echo '\\''x'\\''; true'");
        assert_eq!(display_argv(&Cmd::new("abcdef"), 3), "abc...");
        let cmd = Cmd::shell("a\nb\tc");
        assert_eq!(display_argv(&cmd, 100), "sh -c 'a\\nb\\tc'");
    }
}

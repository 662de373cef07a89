//! `tfw-bench testbed import`: tempesta-test's `tests_config.ini` to a test-bed file.
//!
//! The INI is read as Python's `configparser` reads it with tempesta-test's settings
//! (`framework/helpers/tf_cfg.py` in tempesta-tech/tempesta-test uses a plain
//! `ConfigParser()`): `[section]` headers, `key = value` or `key: value` (the first `=` or
//! `:` splits), key names lower-cased, whole-line `#` and `;` comments only (a `#` after a
//! value is part of it), indented lines continuing the previous value, a duplicate section
//! or key an error. No interpolation (tempesta-test's files use none).
//!
//! Then: `[General]`, `[Client]`, `[Tempesta]` and `[Server]` (any case) become `[general]`,
//! `[client]`, `[tempesta]`, `[server]`; other sections are kept, lower-cased; empty values
//! (and `""`, tempesta-test's "no key") are dropped; `port` and the keys tempesta-test
//! documents as numbers become TOML numbers, the rest strings; `[tempesta]` gets
//! `kind = "tempesta"`.

use super::model::FileError;

/// Keys tempesta-test documents as whole numbers (`tests_config.ini.sample`, `tf_cfg.py`).
const INTEGERS: [&str; 15] = [
    "verbose",
    "duration",
    "concurrent_connections",
    "stress_threads",
    "stress_large_content_length",
    "stress_requests_count",
    "stress_mtu",
    "long_body_size",
    "memory_leak_threshold",
    "unavailable_timeout",
    "max_workers",
    "keepalive_timeout",
    "keepalive_requests",
    "clickhouse_http_port",
    "clickhouse_tcp_port",
];
/// Keys tempesta-test documents as fractions.
const FLOATS: [&str; 1] = ["asyncio_freq"];

/// One `[section]` of an INI file.
#[derive(Debug, PartialEq, Eq)]
pub struct IniSection {
    /// As written.
    pub name: String,
    pub line: usize,
    /// (key lower-cased, value, line).
    pub entries: Vec<(String, String, usize)>,
}

/// Reads an INI text (the `configparser` subset above); `name` names it in errors.
pub fn read_ini(name: &str, text: &str) -> Result<Vec<IniSection>, FileError> {
    let mut sections: Vec<IniSection> = Vec::new();
    // Whether the previous line was a key (so an indented line continues its value).
    let mut in_value = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() {
            in_value = false;
            continue;
        }
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && in_value {
            let entry = sections
                .last_mut()
                .and_then(|s| s.entries.last_mut())
                .expect("a value to continue");
            if !entry.1.is_empty() {
                entry.1.push('\n');
            }
            entry.1.push_str(trimmed);
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let header = header.trim();
            if header.is_empty() {
                return Err(FileError::new(
                    name,
                    line_no,
                    "[]",
                    "a section needs a name",
                ));
            }
            if let Some(prev) = sections
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(header))
            {
                return Err(FileError::new(
                    name,
                    line_no,
                    &format!("[{header}]"),
                    format_args!("the section again (first at line {})", prev.line),
                ));
            }
            sections.push(IniSection {
                name: header.to_string(),
                line: line_no,
                entries: Vec::new(),
            });
            in_value = false;
            continue;
        }
        let Some(at) = trimmed.find(['=', ':']) else {
            return Err(FileError::new(
                name,
                line_no,
                trimmed,
                "not `key = value`, a [section] or a comment",
            ));
        };
        let key = trimmed[..at].trim().to_lowercase();
        let value = trimmed[at + 1..].trim().to_string();
        let Some(section) = sections.last_mut() else {
            return Err(FileError::new(
                name,
                line_no,
                &key,
                "a key before any [section]",
            ));
        };
        if key.is_empty() {
            return Err(FileError::new(
                name,
                line_no,
                trimmed,
                "a value without a key",
            ));
        }
        if let Some((_, _, first)) = section.entries.iter().find(|(k, _, _)| *k == key) {
            return Err(FileError::new(
                name,
                line_no,
                &format!("{}.{key}", section.name),
                format_args!("the key again in this section (first at line {first})"),
            ));
        }
        section.entries.push((key, value, line_no));
        in_value = true;
    }
    Ok(sections)
}

/// The test-bed file (TOML text) for the `tests_config.ini` text `ini`; `name` names it in
/// errors and in the header comment.
pub fn import(name: &str, ini: &str) -> Result<String, FileError> {
    let sections = read_ini(name, ini)?;
    let mut out = format!(
        "# A tfw-bench test-bed file, imported from {name} by `tfw-bench testbed import`.\n\
         # Keys tfw-bench does not know are kept as ${{section_key}} values. Reference:\n\
         # docs/testbed.md; `tfw-bench testbed defaults` prints every key with its default.\n"
    );
    let mut has_tempesta = false;
    for s in &sections {
        let section = s.name.to_lowercase();
        out.push_str(&format!("\n[{}]\n", toml_key(&section)));
        if section == "tempesta" {
            has_tempesta = true;
            out.push_str("kind = \"tempesta\"\n");
        }
        for (key, value, line) in &s.entries {
            if value.is_empty() || value == "\"\"" || value == "''" {
                continue;
            }
            let v = if key == "port" {
                match value.parse::<u16>() {
                    Ok(p) if p > 0 => p.to_string(),
                    _ => {
                        return Err(FileError::new(
                            name,
                            *line,
                            &format!("{}.port", s.name),
                            format_args!("{value:?} is not a port number"),
                        ))
                    }
                }
            } else if INTEGERS.contains(&key.as_str()) && value.parse::<i64>().is_ok() {
                value.clone()
            } else if FLOATS.contains(&key.as_str())
                && value.parse::<f64>().is_ok_and(f64::is_finite)
            {
                match value.contains(['.', 'e', 'E']) {
                    true => value.clone(),
                    false => format!("{value}.0"),
                }
            } else {
                toml_string(value)
            };
            out.push_str(&format!("{} = {v}\n", toml_key(key)));
        }
    }
    if !has_tempesta {
        out.push_str("\n[tempesta]\nkind = \"tempesta\"\n");
    }
    Ok(out)
}

/// A TOML basic string: JSON's string escapes are all valid TOML ones.
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A bare key when TOML allows one, else a quoted key.
fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml_string(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_configparser_subset() {
        let ini =
            "; top comment\n[General]\nIP = 10.0.0.1\nworkdir: /tmp/host\n  # indented comment\n\
                   note = a # not a comment\nmulti = one\n  two\n\n[Other Section]\nk=v\n";
        let s = read_ini("t.ini", ini).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "General");
        let e: Vec<(&str, &str)> = s[0]
            .entries
            .iter()
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            e,
            [
                ("ip", "10.0.0.1"),
                ("workdir", "/tmp/host"),
                ("note", "a # not a comment"),
                ("multi", "one\ntwo"),
            ]
        );
        assert_eq!(s[1].entries[0], ("k".into(), "v".into(), 11));
    }

    #[test]
    fn ini_errors_name_the_line() {
        let cases = [
            ("ip = 1\n", "t.ini:1: ip: a key before any [section]"),
            (
                "[A]\nx = 1\nX = 2\n",
                "t.ini:3: A.x: the key again in this section (first at line 2)",
            ),
            (
                "[A]\n[a]\n",
                "t.ini:2: [a]: the section again (first at line 1)",
            ),
            (
                "[A]\njust words\n",
                "t.ini:2: just words: not `key = value`, a [section] or a comment",
            ),
            (
                "[Tempesta]\nport = ssh\n",
                "t.ini:2: Tempesta.port: \"ssh\" is not a port number",
            ),
        ];
        for (ini, want) in cases {
            let e = match import("t.ini", ini) {
                Ok(t) => panic!("accepted {ini:?}: {t}"),
                Err(e) => e.to_string(),
            };
            assert_eq!(e, want);
        }
    }

    #[test]
    fn converts_sections_values_and_adds_the_kind() {
        let ini = "[General]\nduration = 10\nasyncio_freq = 1\n[Client]\ntls-perf = tls-perf\nwrk =\n\
                   [Tempesta]\nhostname = tfw.test\nport = 22022\nssh_key = \"\"\nuser = rtest\n\
                   interfaces = lo eth1\n[TFW_Logger]\nclickhouse_tcp_port = 9000\nodd key = \"q\\\"\n";
        let toml = import("t.ini", ini).unwrap();
        let tb = crate::file::model::Testbed::parse("out.toml", &toml, std::path::Path::new("/"))
            .unwrap_or_else(|e| panic!("{e}\n{toml}"));
        assert_eq!(tb.tempesta.host.hostname, "tfw.test");
        assert_eq!(tb.tempesta.host.port, 22022);
        assert_eq!(tb.tempesta.host.user, "rtest");
        assert_eq!(tb.tempesta.host.ssh_key, None);
        assert!(matches!(
            &tb.tempesta.kind,
            Some(crate::file::model::TargetKind::Tempesta { interfaces, .. }) if interfaces == "lo eth1"
        ));
        let v = tb.vars();
        assert_eq!(v["general_duration"], "10");
        assert_eq!(v["general_asyncio_freq"], "1.0");
        assert_eq!(v["client_tls-perf"], "tls-perf");
        assert!(!v.contains_key("client_wrk"));
        assert_eq!(v["tfw_logger_clickhouse_tcp_port"], "9000");
        assert_eq!(v["tfw_logger_odd key"], "\"q\\\"");
        assert!(toml.contains("\nduration = 10\n"), "{toml}");
        assert!(toml.contains("\n\"odd key\" = "), "{toml}");
        // No [Tempesta] at all: the section is made for the kind.
        let toml = import("t.ini", "[Server]\nnginx = nginx\n").unwrap();
        assert!(
            toml.ends_with("\n[tempesta]\nkind = \"tempesta\"\n"),
            "{toml}"
        );
    }
}

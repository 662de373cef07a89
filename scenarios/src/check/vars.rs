//! Template values and `${name}` expansion: the test-bed file's keys, the values a caller
//! sets (smoke mode's `proxy`, `backend`, `tls`, `h2`), a case's matrix values and its marker.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::error::CheckFileError;
use super::source::Source;

/// Template values by name (`${name}` in a check file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vars(BTreeMap<String, String>);

impl Vars {
    /// `server_ip`, `tempesta_ip` and `client_ip`, all `127.0.0.1`.
    pub fn defaults() -> Vars {
        let mut v = Vars::default();
        for name in ["server_ip", "tempesta_ip", "client_ip"] {
            v.set(name, "127.0.0.1");
        }
        v
    }

    /// The defaults, overridden by a test-bed file (TOML): key `ip` of section `[server]` is
    /// `server_ip`, and so on for every key of every section; a key outside any section is
    /// itself. Values are strings, integers, floats or booleans; the test-bed format's own
    /// arrays (`[general] dmesg_ignore`) are skipped.
    pub fn from_testbed(path: &Path) -> Result<Vars, CheckFileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| CheckFileError::new(&name, 0, "file", format!("cannot read: {e}")))?;
        Vars::parse_testbed(&name, &text)
    }

    /// `from_testbed` on a text; `name` names the file in errors.
    pub fn parse_testbed(name: &str, text: &str) -> Result<Vars, CheckFileError> {
        let src = Source::new(name, text);
        let doc = DeTable::parse(text).map_err(|e| src.syntax(&e))?;
        let mut vars = Vars::defaults();
        for (key, value) in doc.get_ref() {
            match value.get_ref() {
                DeValue::Table(section) => {
                    for (k, v) in section {
                        let full = format!("{}_{}", key.get_ref(), k.get_ref());
                        match scalar(v.get_ref()) {
                            Some(s) => vars.set(&full, &s),
                            // The file format's own arrays are no template values.
                            None if NOT_VALUES.contains(&full.as_str()) => {}
                            None => return Err(src.error(&k.span(), &full, NOT_SCALAR)),
                        }
                    }
                }
                v => {
                    let s = scalar(v)
                        .ok_or_else(|| src.error(&key.span(), key.get_ref(), NOT_SCALAR))?;
                    vars.set(key.get_ref(), &s);
                }
            }
        }
        Ok(vars)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.0.insert(name.to_owned(), value.to_owned());
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Every name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// Test-bed keys that are arrays (tfw-testbed's file format), not template values.
const NOT_VALUES: [&str; 1] = ["general_dmesg_ignore"];

const NOT_SCALAR: &str = "a test-bed value must be a string, number or boolean";

fn scalar(v: &DeValue) -> Option<String> {
    match v {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(
            i64::from_str_radix(i.as_str().replace('_', "").as_str(), i.radix())
                .map(|n| n.to_string())
                .unwrap_or_else(|_| i.as_str().to_owned()),
        ),
        DeValue::Float(f) => Some(f.as_str().to_owned()),
        DeValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The values one case (one matrix combination) sees: the run's `Vars`, then its matrix
/// values and `marker` over them. Remembers which names were used, so a matrix axis no value
/// uses (a typo) is an error.
pub(crate) struct Scope<'a> {
    base: &'a Vars,
    over: Vec<(String, String)>,
    used: RefCell<BTreeSet<String>>,
}

impl<'a> Scope<'a> {
    pub fn new(base: &'a Vars) -> Scope<'a> {
        Scope {
            base,
            over: Vec::new(),
            used: RefCell::default(),
        }
    }

    /// `name` is `value` here, over the run's value of the same name.
    pub fn with(mut self, name: &str, value: &str) -> Scope<'a> {
        self.over.push((name.to_owned(), value.to_owned()));
        self
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        self.over
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| self.base.get(name))
    }

    /// Whether `${name}` was expanded since the scope was made.
    pub fn was_used(&self, name: &str) -> bool {
        self.used.borrow().contains(name)
    }

    /// `s` with every `${name}` replaced by its value and `$$` by `$` (another `$` stays).
    pub fn expand(&self, s: &str) -> Result<String, String> {
        if !s.contains('$') {
            return Ok(s.to_owned());
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(r) = after.strip_prefix('$') {
                out.push('$');
                rest = r;
            } else if let Some(r) = after.strip_prefix('{') {
                let end = r.find('}').ok_or_else(|| {
                    format!("unclosed template in {s:?}: write ${{name}}, or $$ for a $")
                })?;
                let name = &r[..end];
                let value = self.lookup(name).ok_or_else(|| self.unknown(name))?;
                self.used.borrow_mut().insert(name.to_owned());
                out.push_str(value);
                rest = &r[end + 1..];
            } else {
                out.push('$');
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn unknown(&self, name: &str) -> String {
        let mut known: BTreeSet<&str> = self.base.names().collect();
        known.extend(self.over.iter().map(|(n, _)| n.as_str()));
        let known: Vec<&str> = known.into_iter().collect();
        format!(
            "unknown template name ${{{name}}} (known: {}; $$ is a literal $)",
            known.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Scope, Vars};

    #[test]
    fn expands_names_dollars_and_reports_unknown() {
        let vars = Vars::defaults();
        let s = Scope::new(&vars).with("size", "10");
        assert_eq!(s.expand("${server_ip}:${size}").unwrap(), "127.0.0.1:10");
        assert_eq!(s.expand("$$x ^a$ $5").unwrap(), "$x ^a$ $5");
        assert!(s.was_used("size"));
        assert!(!s.was_used("client_ip"));
        let e = s.expand("${sise}").unwrap_err();
        assert!(
            e.starts_with(
                "unknown template name ${sise} (known: client_ip, server_ip, size, tempesta_ip"
            ),
            "{e}"
        );
        assert!(s
            .expand("${size")
            .unwrap_err()
            .starts_with("unclosed template"));
    }

    #[test]
    fn testbed_sections_become_names() {
        let v = Vars::parse_testbed(
            "tb.toml",
            "top = 1\n[server]\nip = \"10.0.0.2\"\nport = 8080\n[tempesta]\nip = \"10.0.0.1\"\n",
        )
        .unwrap();
        assert_eq!(v.get("server_ip"), Some("10.0.0.2"));
        assert_eq!(v.get("server_port"), Some("8080"));
        assert_eq!(v.get("tempesta_ip"), Some("10.0.0.1"));
        assert_eq!(v.get("client_ip"), Some("127.0.0.1"));
        assert_eq!(v.get("top"), Some("1"));
        let e = Vars::parse_testbed("tb.toml", "[server]\nip = [1]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tb.toml:2: server_ip: a test-bed value must be a string, number or boolean"
        );
    }

    #[test]
    fn testbed_format_arrays_are_skipped() {
        let v = Vars::parse_testbed(
            "tb.toml",
            "[general]\ndmesg_ignore = [\"x\"]\nknown_hosts = \"kh\"\n[server]\nip = \"10.0.0.3\"\n",
        )
        .unwrap();
        assert_eq!(v.get("general_known_hosts"), Some("kh"));
        assert_eq!(v.get("server_ip"), Some("10.0.0.3"));
        assert_eq!(v.get("general_dmesg_ignore"), None);
        let e = Vars::parse_testbed("tb.toml", "[server]\ndmesg_ignore = [\"x\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "tb.toml:2: server_dmesg_ignore: a test-bed value must be a string, number or boolean"
        );
    }
}

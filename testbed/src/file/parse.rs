//! The test-bed file's TOML to a validated [`Testbed`]: each known key checked for its type
//! and form, the defaults filled in, the unknown keys kept as template values, every error
//! one line `FILE:LINE: section.key: what is wrong` (lines from the TOML parser's spans).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::defaults;
use super::model::{FileError, General, HostRole, HostSpec, TargetKind, TargetRole, Testbed};
use super::value::{home_dir, parse_duration, resolve_path};

/// The sections this program reads; any other is kept as template values.
const KNOWN: [&str; 4] = ["general", "client", "tempesta", "server"];
/// `[tempesta]` keys of `kind = "command"` only.
const COMMAND_ONLY: [&str; 6] = [
    "start",
    "stop",
    "reload",
    "status",
    "ready_url",
    "stats_url",
];

/// The file being read: its name, where its lines start, its directory and the home one.
struct Ctx<'a> {
    name: &'a str,
    line_starts: Vec<usize>,
    dir: &'a Path,
    home: Option<PathBuf>,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn err(&self, span: &Range<usize>, key: &str, what: impl std::fmt::Display) -> FileError {
        FileError::new(self.name, self.line(span.start), key, what)
    }
}

/// One section: its table (None when the file has none) and the keys read from it.
struct Sec<'a, 'i> {
    ctx: &'a Ctx<'a>,
    name: &'static str,
    table: Option<&'a DeTable<'i>>,
    used: BTreeSet<&'static str>,
}

type Value<'a, 'i> = &'a Spanned<DeValue<'i>>;

impl<'a, 'i> Sec<'a, 'i> {
    fn full(&self, key: &str) -> String {
        format!("{}.{key}", self.name)
    }

    fn get(&mut self, key: &'static str) -> Option<Value<'a, 'i>> {
        self.used.insert(key);
        self.table?
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(_, v)| v)
    }

    fn has(&self, key: &str) -> Option<Range<usize>> {
        self.table?
            .iter()
            .find(|(k, _)| k.get_ref() == key)
            .map(|(k, _)| k.span())
    }

    fn err(&self, span: &Range<usize>, key: &str, what: impl std::fmt::Display) -> FileError {
        self.ctx.err(span, &self.full(key), what)
    }

    /// A string value, `None` when absent.
    fn string(&mut self, key: &'static str) -> Result<Option<String>, FileError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.get_ref() {
                DeValue::String(s) => Ok(Some(s.to_string())),
                other => Err(self.err(
                    &v.span(),
                    key,
                    format_args!("must be a string (in quotes), not {}", other.type_str()),
                )),
            },
        }
    }

    /// A string that may not be empty.
    fn text(&mut self, key: &'static str) -> Result<Option<String>, FileError> {
        let s = self.string(key)?;
        if s.as_deref().is_some_and(|s| s.trim().is_empty()) {
            let span = self.has(key).unwrap_or_default();
            return Err(self.err(&span, key, "must not be empty"));
        }
        Ok(s)
    }

    fn text_or(&mut self, key: &'static str, default: &str) -> Result<String, FileError> {
        Ok(self.text(key)?.unwrap_or_else(|| default.to_string()))
    }

    fn path(&mut self, key: &'static str) -> Result<Option<PathBuf>, FileError> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        let span = self.get(key).map(|v| v.span()).unwrap_or_default();
        resolve_path(&s, self.ctx.dir, self.ctx.home.as_deref())
            .map(Some)
            .map_err(|e| self.err(&span, key, e))
    }

    fn duration(&mut self, key: &'static str, default: &str) -> Result<Duration, FileError> {
        let span = self.get(key).map(|v| v.span()).unwrap_or_default();
        let s = self.string(key)?.unwrap_or_else(|| default.to_string());
        parse_duration(&s).map_err(|e| self.err(&span, key, e))
    }

    fn port(&mut self) -> Result<u16, FileError> {
        let Some(v) = self.get("port") else {
            return Ok(defaults::PORT);
        };
        let n = match v.get_ref() {
            DeValue::Integer(i) => {
                i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok()
            }
            DeValue::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        n.and_then(|n| u16::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| self.err(&v.span(), "port", "must be a port number, 1 to 65535"))
    }

    fn host(&mut self) -> Result<HostSpec, FileError> {
        let ssh_key = match self.string("ssh_key")? {
            // tempesta-test's "no key" (`ssh_key =` / `ssh_key = ""`).
            Some(s) if s.is_empty() => None,
            _ => self.path("ssh_key")?,
        };
        Ok(HostSpec {
            ip: self.text_or("ip", defaults::IP)?,
            hostname: self.text_or("hostname", defaults::HOSTNAME)?,
            port: self.port()?,
            user: self.text_or("user", defaults::USER)?,
            ssh_key,
        })
    }

    /// The values of the keys not read, as text (template values: scalars only).
    fn rest(&self) -> Result<BTreeMap<String, String>, FileError> {
        let mut out = BTreeMap::new();
        for (k, v) in self.table.into_iter().flatten() {
            if !self.used.contains(k.get_ref().as_ref()) {
                let value = template_value(self.ctx, &self.full(k.get_ref()), v)?;
                out.insert(k.get_ref().to_string(), value);
            }
        }
        Ok(out)
    }
}

/// An unknown key's value: a template value, so a string, number or boolean.
fn template_value(ctx: &Ctx, key: &str, v: &Spanned<DeValue>) -> Result<String, FileError> {
    scalar(v.get_ref()).ok_or_else(|| {
        ctx.err(
            &v.span(),
            key,
            format_args!(
                "must be a string, number or boolean (a template value), not {}",
                v.get_ref().type_str()
            ),
        )
    })
}

/// A string, number or boolean as text (what a `${name}` expands to).
pub(super) fn scalar(v: &DeValue) -> Option<String> {
    match v {
        DeValue::String(s) => Some(s.to_string()),
        DeValue::Integer(i) => Some(
            i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map(|n| n.to_string())
                .unwrap_or_else(|_| i.as_str().to_owned()),
        ),
        DeValue::Float(f) => Some(f.as_str().to_owned()),
        DeValue::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(super) fn parse(name: &str, text: &str, dir: &Path) -> Result<Testbed, FileError> {
    let mut line_starts = vec![0];
    line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let ctx = Ctx {
        name,
        line_starts,
        dir,
        home: home_dir(),
    };
    let doc = DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| ctx.line(s.start)).unwrap_or(0);
        FileError::new(name, line, "toml", e.message().trim().replace('\n', " "))
    })?;
    let mut tables: BTreeMap<&str, &DeTable> = BTreeMap::new();
    let mut extra: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (k, v) in doc.get_ref() {
        let key = k.get_ref().as_ref();
        match v.get_ref() {
            DeValue::Table(t) => {
                if let Some(known) = KNOWN.iter().find(|s| **s == key) {
                    tables.insert(known, t);
                } else {
                    let mut kept = BTreeMap::new();
                    for (k, v) in t {
                        let full = format!("{key}.{}", k.get_ref());
                        kept.insert(k.get_ref().to_string(), template_value(&ctx, &full, v)?);
                    }
                    extra.insert(key.to_string(), kept);
                }
            }
            other if KNOWN.contains(&key) => {
                return Err(ctx.err(
                    &k.span(),
                    key,
                    format_args!("must be a section [{key}], not {}", other.type_str()),
                ))
            }
            _ => {
                let value = template_value(&ctx, key, v)?;
                extra
                    .entry(String::new())
                    .or_default()
                    .insert(key.to_string(), value);
            }
        }
    }
    let sec = |name: &'static str| Sec {
        ctx: &ctx,
        name,
        table: tables.get(name).copied(),
        used: BTreeSet::new(),
    };

    let mut g = sec("general");
    let general = General {
        known_hosts: match g.path("known_hosts")? {
            Some(p) => p,
            None => resolve_path(defaults::KNOWN_HOSTS, dir, ctx.home.as_deref())
                .map_err(|e| g.err(&(0..0), "known_hosts", e))?,
        },
        connect_timeout: g.duration("connect_timeout", defaults::CONNECT_TIMEOUT)?,
        command_timeout: g.duration("command_timeout", defaults::COMMAND_TIMEOUT)?,
        ready_timeout: g.duration("ready_timeout", defaults::READY_TIMEOUT)?,
        dmesg_ignore: dmesg_ignore(&mut g)?,
    };

    let mut roles = Vec::new();
    for name in ["client", "server"] {
        let mut s = sec(name);
        let role = HostRole {
            host: s.host()?,
            workdir: s.text_or("workdir", defaults::workdir(name))?,
        };
        roles.push((s.rest()?, role));
    }
    let (server_extra, server) = roles.pop().expect("two roles");
    let (client_extra, client) = roles.pop().expect("two roles");

    let mut t = sec("tempesta");
    let host = t.host()?;
    let workdir = t.text_or("workdir", defaults::TEMPESTA_WORKDIR)?;
    let kind = target_kind(&mut t)?;
    let mut tempesta_extra = BTreeMap::new();
    if kind.is_none() {
        // No target: srcdir, config, ... are only template values (their form checked).
        for key in ["srcdir", "config", "interfaces", "config_file"] {
            if let Some(v) = t.string(key)? {
                tempesta_extra.insert(key.to_string(), v);
            }
        }
    } else if !matches!(kind, Some(TargetKind::Tempesta { .. })) {
        for key in ["srcdir", "interfaces"] {
            if let Some(v) = t.string(key)? {
                tempesta_extra.insert(key.to_string(), v);
            }
        }
    }
    tempesta_extra.extend(t.rest()?);

    for (name, kept) in [
        ("general", g.rest()?),
        ("client", client_extra),
        ("tempesta", tempesta_extra),
        ("server", server_extra),
    ] {
        if !kept.is_empty() {
            extra.insert(name.to_string(), kept);
        }
    }
    Ok(Testbed {
        source: name.to_string(),
        general,
        client,
        tempesta: TargetRole {
            host,
            workdir,
            kind,
        },
        server,
        extra,
    })
}

fn dmesg_ignore(g: &mut Sec) -> Result<Vec<String>, FileError> {
    let Some(v) = g.get("dmesg_ignore") else {
        return Ok(Vec::new());
    };
    let DeValue::Array(items) = v.get_ref() else {
        return Err(g.err(
            &v.span(),
            "dmesg_ignore",
            "must be an array of regular expressions ([\"...\", ...])",
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let DeValue::String(s) = item.get_ref() else {
            return Err(g.err(
                &item.span(),
                "dmesg_ignore",
                format_args!("must hold strings, not {}", item.get_ref().type_str()),
            ));
        };
        if let Err(e) = regex::Regex::new(s) {
            let what = e.to_string().replace('\n', " ");
            let what = what.split_whitespace().collect::<Vec<_>>().join(" ");
            return Err(g.err(
                &item.span(),
                "dmesg_ignore",
                format_args!("{s:?} is not a regular expression: {what}"),
            ));
        }
        out.push(s.to_string());
    }
    Ok(out)
}

fn target_kind(t: &mut Sec) -> Result<Option<TargetKind>, FileError> {
    let kind_span = t.get("kind").map(|v| v.span());
    let kind = t.string("kind")?;
    // ready_url may be https (readiness is a TCP connect then); stub_status is read over http.
    let url = |t: &mut Sec, key: &'static str, https: bool| -> Result<Option<String>, FileError> {
        let u = t.text(key)?;
        if let Some(u) = &u {
            if !(u.starts_with("http://") || https && u.starts_with("https://")) {
                let span = t.has(key).unwrap_or_default();
                let what = if https {
                    "an http:// or https://"
                } else {
                    "an http://"
                };
                return Err(t.err(&span, key, format_args!("{u:?} is not {what} URL")));
            }
        }
        Ok(u)
    };
    match kind.as_deref() {
        Some("tempesta") => {
            if let Some((key, span)) = COMMAND_ONLY.iter().find_map(|k| Some((*k, t.has(k)?))) {
                return Err(t.err(&span, key, "is for kind = \"command\", not \"tempesta\""));
            }
            Ok(Some(TargetKind::Tempesta {
                srcdir: t.text_or("srcdir", defaults::SRCDIR)?,
                config: t.text_or("config", defaults::CONFIG)?,
                config_file: t.path("config_file")?,
                interfaces: t.string("interfaces")?.unwrap_or_default(),
            }))
        }
        Some("command") => {
            let span = kind_span.unwrap_or_default();
            let required = |t: &mut Sec, key: &'static str| -> Result<String, FileError> {
                t.text(key)?.ok_or_else(|| {
                    t.err(
                        &span,
                        key,
                        "is required with kind = \"command\" (shell text)",
                    )
                })
            };
            Ok(Some(TargetKind::Command {
                start: required(t, "start")?,
                stop: required(t, "stop")?,
                reload: t.text("reload")?,
                status: t.text("status")?,
                ready_url: url(t, "ready_url", true)?,
                stats_url: url(t, "stats_url", false)?,
                config: t.text("config")?,
                config_file: t.path("config_file")?,
            }))
        }
        Some(other) => Err(t.err(
            &kind_span.unwrap_or_default(),
            "kind",
            format_args!("{other:?}: must be \"tempesta\" or \"command\""),
        )),
        None => {
            if let Some((key, span)) = COMMAND_ONLY.iter().find_map(|k| Some((*k, t.has(k)?))) {
                return Err(t.err(
                    &span,
                    key,
                    "needs kind = \"command\" in [tempesta] (no target is controlled without a kind)",
                ));
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;

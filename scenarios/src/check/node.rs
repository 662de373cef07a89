//! Reading the parsed TOML tree with positions: typed accessors that expand templates first
//! (so `"${size}"` can be a number), name the key path in errors, and remember which keys
//! were read so any other key is rejected (`Tab::finish`) with the list of keys it may be.

use std::cell::RefCell;
use std::ops::Range;
use std::time::Duration;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::CheckFileError;
use super::source::Source;
use super::units;
use super::vars::Scope;

/// What every accessor needs: the file (for lines) and the template values in force.
pub(crate) struct Cx<'a> {
    pub src: &'a Source<'a>,
    pub scope: &'a Scope<'a>,
}

pub(crate) type Res<T> = Result<T, CheckFileError>;

/// A value and where it is.
#[derive(Clone)]
pub(crate) struct Val<'a> {
    pub cx: &'a Cx<'a>,
    pub v: &'a Spanned<DeValue<'a>>,
    /// The dotted key path, e.g. `clients.h2.tls`.
    pub path: String,
}

impl<'a> Val<'a> {
    pub fn err(&self, message: impl Into<String>) -> CheckFileError {
        self.cx.src.error(&self.v.span(), &self.path, message)
    }

    pub fn span(&self) -> Range<usize> {
        self.v.span()
    }

    fn wrong(&self, what: &str) -> CheckFileError {
        self.err(format!(
            "expected {what}, found {}",
            self.v.get_ref().type_str()
        ))
    }

    pub fn is_str(&self) -> bool {
        self.v.get_ref().is_str()
    }

    pub fn is_table(&self) -> bool {
        self.v.get_ref().is_table()
    }

    pub fn is_array(&self) -> bool {
        self.v.get_ref().is_array()
    }

    pub fn is_bool(&self) -> bool {
        self.v.get_ref().is_bool()
    }

    /// A string, templates expanded.
    pub fn string(&self) -> Res<String> {
        match self.v.get_ref() {
            DeValue::String(s) => self.cx.scope.expand(s).map_err(|m| self.err(m)),
            _ => Err(self.wrong("a string")),
        }
    }

    /// A string's bytes (TOML escapes such as `\r\n` already applied).
    pub fn bytes(&self) -> Res<Vec<u8>> {
        self.string().map(String::into_bytes)
    }

    /// A string of hex digits.
    pub fn hex(&self) -> Res<Vec<u8>> {
        units::hex(&self.string()?).map_err(|m| self.err(m))
    }

    /// A boolean, or a string that expands to `true` / `false`.
    pub fn bool(&self) -> Res<bool> {
        match self.v.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            DeValue::String(_) => match self.string()?.as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                s => Err(self.err(format!("expected true or false, found {s:?}"))),
            },
            _ => Err(self.wrong("a boolean")),
        }
    }

    /// A non-negative integer, or a string that expands to one.
    pub fn u64(&self) -> Res<u64> {
        match self.v.get_ref() {
            DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix()).map_err(|_| {
                self.err(format!("expected a number 0 or more, found {}", i.as_str()))
            }),
            DeValue::String(_) => {
                let s = self.string()?;
                s.trim()
                    .parse()
                    .map_err(|_| self.err(format!("expected a number 0 or more, found {s:?}")))
            }
            _ => Err(self.wrong("a number")),
        }
    }

    /// An integer in `T`'s range.
    pub fn uint<T: TryFrom<u64>>(&self) -> Res<T> {
        let n = self.u64()?;
        T::try_from(n).map_err(|_| self.err(format!("{n} is too large")))
    }

    /// An integer in `lo..=hi`.
    pub fn range<T: TryFrom<u64>>(&self, lo: u64, hi: u64) -> Res<T> {
        let n = self.u64()?;
        if n < lo || n > hi {
            return Err(self.err(format!("{n} is out of range {lo}-{hi}")));
        }
        T::try_from(n).map_err(|_| self.err(format!("{n} is too large")))
    }

    /// A duration string (`"100ms"`).
    pub fn duration(&self) -> Res<Duration> {
        units::duration(&self.string()?).map_err(|m| self.err(m))
    }

    /// A size: an integer, or a string such as `"1MiB"` or `"${size}"`.
    pub fn size(&self) -> Res<usize> {
        match self.v.get_ref() {
            DeValue::Integer(_) => self.uint(),
            DeValue::String(_) => units::size(&self.string()?).map_err(|m| self.err(m)),
            _ => Err(self.wrong("a size")),
        }
    }

    /// An HTTP/2 error code: a number or an RFC 9113 name.
    pub fn error_code(&self) -> Res<u32> {
        match self.v.get_ref() {
            DeValue::Integer(_) => self.uint(),
            DeValue::String(_) => {
                let s = self.string()?;
                match s.trim().parse() {
                    Ok(n) => Ok(n),
                    Err(_) => units::error_code(&s).map_err(|m| self.err(m)),
                }
            }
            _ => Err(self.wrong("an error code")),
        }
    }

    /// The same value read with other template values (a matrix combination).
    pub fn with_cx<'b>(&self, cx: &'b Cx<'b>, path: String) -> Val<'b>
    where
        'a: 'b,
    {
        Val {
            cx,
            v: self.v,
            path,
        }
    }

    pub fn table(&self) -> Res<Tab<'a>> {
        match self.v.get_ref() {
            DeValue::Table(t) => Ok(Tab::new(self.cx, t, self.v.span(), self.path.clone())),
            _ => Err(self.wrong("a table")),
        }
    }

    /// An array's items, each with its path `KEY[i]` (from 1).
    pub fn array(&self) -> Res<Vec<Val<'a>>> {
        match self.v.get_ref() {
            DeValue::Array(a) => Ok(a
                .iter()
                .enumerate()
                .map(|(i, v)| Val {
                    cx: self.cx,
                    v,
                    path: format!("{}[{}]", self.path, i + 1),
                })
                .collect()),
            _ => Err(self.wrong("an array")),
        }
    }

    /// An array of `[name, value]` string pairs (header fields, in order).
    pub fn pairs(&self) -> Res<Vec<(String, String)>> {
        self.array()?
            .iter()
            .map(|item| {
                let pair = item.array().map_err(|_| item.err(PAIR))?;
                match pair.as_slice() {
                    [n, v] => Ok((n.string()?, v.string()?)),
                    _ => Err(item.err(PAIR)),
                }
            })
            .collect()
    }

    /// An array of strings.
    pub fn strings(&self) -> Res<Vec<String>> {
        self.array()?.iter().map(Val::string).collect()
    }
}

const PAIR: &str = "expected a [name, value] pair of strings";

/// A table being read: every key read is marked, and `finish` rejects the rest.
pub(crate) struct Tab<'a> {
    pub cx: &'a Cx<'a>,
    table: &'a DeTable<'a>,
    span: Range<usize>,
    pub path: String,
    /// Keys looked up (for the list an unknown key's error gives) and keys present and used.
    asked: RefCell<Vec<&'static str>>,
    used: RefCell<Vec<String>>,
}

impl<'a> Tab<'a> {
    pub fn new(
        cx: &'a Cx<'a>,
        table: &'a DeTable<'a>,
        span: Range<usize>,
        path: String,
    ) -> Tab<'a> {
        Tab {
            cx,
            table,
            span,
            path,
            asked: RefCell::default(),
            used: RefCell::default(),
        }
    }

    pub fn key_path(&self, key: &str) -> String {
        if key.is_empty() {
            self.path.clone()
        } else if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// An error about the table as a whole (at its header's line).
    pub fn err(&self, key: &str, message: impl Into<String>) -> CheckFileError {
        self.cx.src.error(&self.span, &self.key_path(key), message)
    }

    fn find(
        &self,
        key: &str,
    ) -> Option<(
        &'a Spanned<toml::de::DeString<'a>>,
        &'a Spanned<DeValue<'a>>,
    )> {
        self.table.iter().find(|(k, _)| k.get_ref() == key)
    }

    /// Whether `key` is there (not marking it used, nor naming it as a key this table takes).
    pub fn present(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// Whether `key` is there (not marking it used).
    pub fn has(&self, key: &'static str) -> bool {
        self.asked.borrow_mut().push(key);
        self.find(key).is_some()
    }

    pub fn get(&self, key: &'static str) -> Option<Val<'a>> {
        self.asked.borrow_mut().push(key);
        let (_, v) = self.find(key)?;
        self.used.borrow_mut().push(key.to_owned());
        Some(Val {
            cx: self.cx,
            v,
            path: self.key_path(key),
        })
    }

    /// A key that must be there.
    pub fn req(&self, key: &'static str) -> Res<Val<'a>> {
        self.get(key)
            .ok_or_else(|| self.err(key, format!("missing key `{key}`")))
    }

    /// Every entry in written order (marking all used), for tables of names.
    pub fn entries(&self) -> Vec<(String, Range<usize>, Val<'a>)> {
        self.table
            .iter()
            .map(|(k, v)| {
                self.used.borrow_mut().push(k.get_ref().to_string());
                (
                    k.get_ref().to_string(),
                    k.span(),
                    Val {
                        cx: self.cx,
                        v,
                        path: self.key_path(k.get_ref()),
                    },
                )
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Rejects any key not read, naming the keys this table may have.
    pub fn finish(&self) -> Res<()> {
        let used = self.used.borrow();
        if let Some((k, _)) = self
            .table
            .iter()
            .find(|(k, _)| !used.iter().any(|u| u == k.get_ref()))
        {
            let mut asked = self.asked.borrow().clone();
            asked.sort_unstable();
            asked.dedup();
            let message = if asked.is_empty() {
                "unknown key".to_owned()
            } else {
                format!("unknown key (expected one of: {})", asked.join(", "))
            };
            return Err(self
                .cx
                .src
                .error(&k.span(), &self.key_path(k.get_ref()), message));
        }
        Ok(())
    }
}

//! The built-in target's record of what it received (`tfw-bench serve --record FILE`): one
//! JSON line per request, so tests (and people) can check what a load generator really sent:
//! shares of a request mix, per-connection sequences, cookies sent back.
//!
//! Off unless a plan carries a `Recorder`. Each worker formats its lines into its own buffer
//! and writes them with one `write` per loop turn (and at its end), so the file holds every
//! request once the server has stopped, and workers never wait on each other per request.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::proto::h1::RequestHead;

/// One line of the record file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Index of the server worker (its position in `ServePlan::cpus`).
    pub worker: usize,
    /// The connection, unique within the server's run (not reused): the worker's n-th
    /// accepted connection is `n * workers + worker`.
    pub conn: u64,
    /// The request's position on its connection, from 0.
    pub index: u64,
    pub method: String,
    /// The request target as sent (`/path?query`).
    pub path: String,
    /// The `Cookie` field's value (several fields joined with "; "); null when none.
    pub cookie: Option<String>,
    /// Every other field in order, as `[name, value]` pairs.
    pub headers: Vec<(String, String)>,
    /// Body bytes (chunk framing not included).
    pub body_len: u64,
    /// "h2" for HTTP/2 requests (their pseudo-fields other than `:method` and `:path` are in
    /// `headers`, names as sent); absent for HTTP/1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
}

impl Record {
    /// The record of a request whose head was `head`.
    pub fn new(worker: usize, conn: u64, index: u64, head: RequestHead, body_len: u64) -> Self {
        let mut cookie: Option<String> = None;
        let mut headers = Vec::with_capacity(head.headers.len());
        for (name, value) in head.headers {
            if name.eq_ignore_ascii_case("cookie") {
                match &mut cookie {
                    Some(c) => {
                        c.push_str("; ");
                        c.push_str(&value);
                    }
                    None => cookie = Some(value),
                }
            } else {
                headers.push((name, value));
            }
        }
        Record {
            worker,
            conn,
            index,
            method: head.method,
            path: head.path,
            cookie,
            headers,
            body_len,
            protocol: None,
        }
    }

    /// Appends the record as one JSON line to `out`.
    pub fn write_line(&self, out: &mut Vec<u8>) {
        // Serialising strings and numbers into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, self);
        out.push(b'\n');
    }
}

/// The record file, shared by the server's workers.
pub struct Recorder {
    path: PathBuf,
    file: Mutex<File>,
    /// The first write that failed (later lines are still attempted).
    error: Mutex<Option<io::Error>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .finish()
    }
}

impl Recorder {
    /// Creates (or truncates) the record file.
    pub fn create(path: &Path) -> io::Result<Arc<Recorder>> {
        Ok(Arc::new(Recorder {
            path: path.to_owned(),
            file: Mutex::new(File::create(path)?),
            error: Mutex::new(None),
        }))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes complete lines (one worker's batch, in one piece).
    pub(crate) fn write(&self, lines: &[u8]) {
        let res = match self.file.lock() {
            Ok(mut f) => f.write_all(lines),
            Err(_) => Err(io::Error::other("record file lock poisoned")),
        };
        if let Err(e) = res {
            if let Ok(mut first) = self.error.lock() {
                first.get_or_insert(e);
            }
        }
    }

    /// After the server stopped: the first write error, if any (then lines are missing).
    pub fn finish(&self) -> io::Result<()> {
        match self.error.lock().ok().and_then(|mut e| e.take()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_as_json_lines() {
        let head = RequestHead {
            method: "POST".into(),
            path: "/a?b=\"1\"".into(),
            headers: vec![
                ("Host".into(), "x".into()),
                ("cookie".into(), "a=1".into()),
                ("X-Q".into(), "\\".into()),
                ("Cookie".into(), "b=2".into()),
            ],
        };
        let r = Record::new(1, 7, 2, head, 5);
        assert_eq!(r.cookie.as_deref(), Some("a=1; b=2"));
        let mut out = Vec::new();
        r.write_line(&mut out);
        r.write_line(&mut out);
        let line = r#"{"worker":1,"conn":7,"index":2,"method":"POST","path":"/a?b=\"1\"","cookie":"a=1; b=2","headers":[["Host","x"],["X-Q","\\"]],"body_len":5}"#;
        assert_eq!(String::from_utf8(out).unwrap(), format!("{line}\n{line}\n"));
        let back: Record = serde_json::from_str(line).unwrap();
        assert_eq!(back, r);
        let none = Record::new(
            0,
            0,
            0,
            RequestHead::parse(b"GET / HTTP/1.1\r\n\r\n").unwrap(),
            0,
        );
        let mut out = Vec::new();
        none.write_line(&mut out);
        assert!(String::from_utf8(out)
            .unwrap()
            .contains(r#""cookie":null,"headers":[]"#));
    }

    #[test]
    fn writes_batches_and_reports_failures() {
        let dir = std::env::temp_dir().join(format!("tfw-record-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.jsonl");
        std::fs::write(&path, "old contents\n").unwrap();
        let rec = Recorder::create(&path).unwrap();
        rec.write(b"{\"a\":1}\n");
        rec.write(b"{\"a\":2}\n{\"a\":3}\n");
        rec.finish().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n"
        );
        assert!(format!("{rec:?}").contains("r.jsonl"));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(Recorder::create(&dir.join("missing/r.jsonl")).is_err());
        // /dev/full takes the open but no write.
        if let Ok(full) = Recorder::create(Path::new("/dev/full")) {
            full.write(b"x\n");
            assert!(full.finish().is_err());
            full.finish().unwrap();
        }
    }
}

//! `--keylog FILE`: TLS secrets in the NSS key log format, so a capture of a run can be
//! decrypted (Wireshark). rustls' own `KeyLogFile` only reads the SSLKEYLOGFILE variable;
//! this one writes where it is told. Called once per secret of a handshake, never per request.

use super::error::TlsError;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

/// Appends `LABEL CLIENT_RANDOM SECRET` lines (hex) to a file shared by all workers.
#[derive(Debug)]
pub struct KeyLogFile {
    file: Mutex<std::fs::File>,
}

impl KeyLogFile {
    /// Opens (creates, appends to) `path`.
    pub fn open(path: &Path) -> Result<Self, TlsError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| TlsError::KeyLog(format!("{}: {e}", path.display())))?;
        Ok(KeyLogFile {
            file: Mutex::new(file),
        })
    }
}

fn hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
}

impl rustls::KeyLog for KeyLogFile {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let mut line =
            String::with_capacity(label.len() + 2 * (client_random.len() + secret.len()) + 3);
        line.push_str(label);
        line.push(' ');
        hex(&mut line, client_random);
        line.push(' ');
        hex(&mut line, secret);
        line.push('\n');
        if let Ok(mut f) = self.file.lock() {
            // One write per line with O_APPEND: lines from several workers do not interleave.
            let _ = f.write_all(line.as_bytes());
        }
    }
}

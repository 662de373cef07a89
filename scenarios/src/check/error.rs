//! The one error of check-file loading: where (file, line, key) and what, printed in one line
//! (`FILE:LINE: KEY: MESSAGE`) so the CLI can print it as is and exit 2.

use thiserror::Error;

/// A bad check file (or test-bed file, or path): the file as named, the 1-based line (0: the
/// file as a whole), the key (a dotted path such as `clients.h2.tls` or
/// `forward_get[h1].step[2].status`) and what is wrong.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
#[error("{file}:{line}: {key}: {message}")]
pub struct CheckFileError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl CheckFileError {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> CheckFileError {
        CheckFileError {
            file: file.into(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }
}

//! A check file's text and name, and turning byte offsets (the TOML parser's spans) into the
//! line numbers every error names.

use std::ops::Range;

use super::error::CheckFileError;

/// One file being loaded: its name as the user wrote it and its text.
pub(crate) struct Source<'t> {
    pub name: &'t str,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl<'t> Source<'t> {
    pub fn new(name: &'t str, text: &'t str) -> Source<'t> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { name, line_starts }
    }

    /// The 1-based line holding byte `offset`.
    pub fn line(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// An error at the line where `span` starts.
    pub fn error(
        &self,
        span: &Range<usize>,
        key: &str,
        message: impl Into<String>,
    ) -> CheckFileError {
        CheckFileError::new(self.name, self.line(span.start), key, message)
    }

    /// The TOML parser's error: its line, its first line of message.
    pub fn syntax(&self, e: &toml::de::Error) -> CheckFileError {
        let line = e.span().map(|s| self.line(s.start)).unwrap_or(0);
        let message = e.message().trim().replace('\n', " ");
        CheckFileError::new(self.name, line, "toml", message)
    }
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn lines_from_offsets() {
        let s = Source::new("f", "a\nbc\n\nd");
        assert_eq!(s.line(0), 1);
        assert_eq!(s.line(1), 1);
        assert_eq!(s.line(2), 2);
        assert_eq!(s.line(5), 3);
        assert_eq!(s.line(6), 4);
    }
}

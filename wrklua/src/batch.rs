//! Checks what `request()` returned: whole HTTP/1.1 requests back to back (a pipelined batch),
//! counted, with a flag for each HEAD (whose response has no body). wrk does the count once
//! at start (`script_verify_request` in wg/wrk src/script.c, with http_parser, reporting
//! "<what> at LINE:COLUMN"); here every batch is checked (httparse, bodies by Content-Length
//! or chunked coding), on the stack, without allocating.

/// Header fields one request may have.
const MAX_FIELDS: usize = 128;

/// Why a batch is not a run of whole requests, with where (line and column, from 1).
fn malformed(batch: &[u8], at: usize, what: &str) -> String {
    let (mut line, mut column) = (1, 1);
    for &b in &batch[..at.min(batch.len())] {
        column += 1;
        if b == b'\n' {
            line += 1;
            column = 1;
        }
    }
    format!("request() returned a malformed request: {what} at {line}:{column}")
}

/// The end of a chunked body starting at `at` (after the header), if whole.
fn chunked_end(batch: &[u8], mut at: usize) -> Result<Option<usize>, &'static str> {
    loop {
        let Some(eol) = find_crlf(batch, at) else {
            return Ok(None);
        };
        let line = &batch[at..eol];
        let digits = line.split(|&b| b == b';').next().unwrap_or(line);
        let digits = std::str::from_utf8(digits)
            .map_err(|_| "invalid chunk size")?
            .trim();
        let size = usize::from_str_radix(digits, 16).map_err(|_| "invalid chunk size")?;
        at = eol + 2;
        if size == 0 {
            // Trailer fields, then an empty line.
            loop {
                let Some(eol) = find_crlf(batch, at) else {
                    return Ok(None);
                };
                let empty = eol == at;
                at = eol + 2;
                if empty {
                    return Ok(Some(at));
                }
            }
        }
        let end = at.checked_add(size).ok_or("invalid chunk size")?;
        if end + 2 > batch.len() {
            return Ok(None);
        }
        if &batch[end..end + 2] != b"\r\n" {
            return Err("chunk data not followed by CRLF");
        }
        at = end + 2;
    }
}

fn find_crlf(batch: &[u8], from: usize) -> Option<usize> {
    batch
        .get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

/// How the body of a request is delimited.
enum Body {
    Length(usize),
    Chunked,
}

fn body_of(fields: &[httparse::Header<'_>]) -> Result<Body, &'static str> {
    let mut body = Body::Length(0);
    for f in fields {
        if f.name.eq_ignore_ascii_case("transfer-encoding") {
            let last = f.value.rsplit(|&b| b == b',').next().unwrap_or(f.value);
            if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                return Ok(Body::Chunked);
            }
            return Err("unsupported transfer-encoding");
        }
        if f.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(f.value.trim_ascii())
                .ok()
                .and_then(|s| s.parse().ok())
                .ok_or("invalid content-length")?;
            body = Body::Length(n);
        }
    }
    Ok(body)
}

/// Counts the requests of `batch`, appending one flag per request to `heads` (true for HEAD).
/// An empty batch, a malformed request or trailing partial bytes are errors.
pub(crate) fn scan(batch: &[u8], heads: &mut Vec<bool>) -> Result<usize, String> {
    let mut at = 0;
    let mut count = 0;
    while at < batch.len() {
        let mut fields = [httparse::EMPTY_HEADER; MAX_FIELDS];
        let mut req = httparse::Request::new(&mut fields);
        let head = match req.parse(&batch[at..]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                return Err(malformed(batch, batch.len(), "incomplete request"))
            }
            Err(e) => return Err(malformed(batch, at, &e.to_string())),
        };
        let is_head = req.method == Some("HEAD");
        let body_at = at + head;
        let end = match body_of(req.headers).map_err(|what| malformed(batch, at, what))? {
            Body::Length(n) => match body_at.checked_add(n) {
                Some(end) if end <= batch.len() => end,
                _ => return Err(malformed(batch, batch.len(), "incomplete request")),
            },
            Body::Chunked => match chunked_end(batch, body_at) {
                Ok(Some(end)) => end,
                Ok(None) => return Err(malformed(batch, batch.len(), "incomplete request")),
                Err(what) => return Err(malformed(batch, body_at, what)),
            },
        };
        heads.push(is_head);
        count += 1;
        at = end;
    }
    if count == 0 {
        return Err(malformed(batch, 0, "incomplete request"));
    }
    Ok(count)
}

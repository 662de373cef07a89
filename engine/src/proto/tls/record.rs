//! Writing records into a caller's buffer, shared by the client and server sessions: the
//! handshake records rustls has ready, and application data encrypted once the handshake is
//! done. Grows the buffer when rustls asks for more room than reserved.

use super::error::TlsError;

/// Room reserved in the output buffer for one encoded record (grown if rustls needs more).
const ENCODE_ROOM: usize = 4096;

/// Appends the handshake record rustls has ready to `out` (client and server side alike).
pub(super) fn encode_record<D>(
    s: &mut rustls::unbuffered::EncodeTlsData<'_, D>,
    out: &mut Vec<u8>,
) {
    use rustls::unbuffered::EncodeError;
    let start = out.len();
    out.resize(start + ENCODE_ROOM, 0);
    let n = match s.encode(&mut out[start..]) {
        Ok(n) => n,
        Err(EncodeError::InsufficientSize(e)) => {
            out.resize(start + e.required_size, 0);
            s.encode(&mut out[start..]).unwrap_or(0)
        }
        Err(_) => 0,
    };
    out.truncate(start + n);
}

/// Per-record overhead allowed for when encrypting (header, tag, content type, padding).
const RECORD_OVERHEAD: usize = 64;
/// Largest plaintext in one record.
const MAX_FRAGMENT: usize = 16384;

/// Encrypts application data into records appended to `out` (client and server side alike).
pub(super) fn encrypt_app<D>(
    w: &mut rustls::unbuffered::WriteTraffic<'_, D>,
    data: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), TlsError> {
    use rustls::unbuffered::EncryptError;
    let start = out.len();
    let records = data.len().div_ceil(MAX_FRAGMENT).max(1);
    out.resize(start + data.len() + records * RECORD_OVERHEAD, 0);
    let n = match w.encrypt(data, &mut out[start..]) {
        Ok(n) => n,
        Err(EncryptError::InsufficientSize(e)) => {
            out.resize(start + e.required_size, 0);
            w.encrypt(data, &mut out[start..])
                .map_err(|_| TlsError::NotOpen)?
        }
        Err(_) => return Err(TlsError::NotOpen),
    };
    out.truncate(start + n);
    Ok(())
}

//! OpenSSH known_hosts, sans-IO: is this host's key the one on file, unknown, changed or
//! revoked. The format is OpenSSH's sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": one key a line,
//! `[marker] patterns keytype base64-key [comment]`; patterns are a comma list of names with
//! `*` and `?` wildcards, `!` negation, `[host]:port` for a port other than 22, or one hashed
//! name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))` (ssh-keygen -H); markers `@revoked`
//! and `@cert-authority`. Malformed lines are skipped, as OpenSSH does.
//!
//! Decision (stricter than ssh's interactive prompt, on purpose, for unattended runs): a host
//! with entries on file none of which is the key it shows is a CHANGED key, whether the
//! entries hold the same key type or only others; [`preferred_types`] lets the caller ask the
//! server for a key type already on file first, as ssh does, so a known host is not refused
//! merely for offering another algorithm first.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Digest;

/// The name a host is known by: `host`, or `[host]:port` when the port is not 22 (lowercase).
pub fn host_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// `SHA256:<base64 without padding>` of a key blob, as `ssh-keygen -lf` prints.
pub fn fingerprint(blob: &[u8]) -> String {
    format!(
        "SHA256:{}",
        STANDARD_NO_PAD.encode(sha2::Sha256::digest(blob))
    )
}

/// The key type named inside an SSH public key blob (its first string), e.g. "ssh-ed25519".
pub fn key_type_of(blob: &[u8]) -> Option<String> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    std::str::from_utf8(name).ok().map(str::to_string)
}

/// The line to append for a newly trusted key: `name keytype base64`.
pub fn entry_line(host: &str, port: u16, key_type: &str, blob: &[u8]) -> String {
    format!(
        "{} {} {}",
        host_name(host, port),
        key_type,
        STANDARD.encode(blob)
    )
}

/// What the file says about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A plain entry for the host holds this key.
    Known { line: usize },
    /// No entry names the host.
    Unknown,
    /// Entries name the host, none holds this key: `line` is the one shown as expected
    /// (one with the same key type when there is one).
    Changed {
        line: usize,
        key_type: String,
        fingerprint: String,
    },
    /// A `@revoked` entry for the host holds this key.
    Revoked { line: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    None,
    Revoked,
    CertAuthority,
}

struct Entry<'a> {
    line: usize,
    marker: Marker,
    patterns: &'a str,
    key_type: &'a str,
    blob: Vec<u8>,
}

/// Entries of `text` with their 1-based line numbers; malformed lines are skipped.
fn entries(text: &str) -> impl Iterator<Item = Entry<'_>> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let mut fields = line.split_ascii_whitespace();
        let mut first = fields.next()?;
        let marker = match first {
            "@revoked" => Marker::Revoked,
            "@cert-authority" => Marker::CertAuthority,
            m if m.starts_with('@') => return None,
            _ => Marker::None,
        };
        if marker != Marker::None {
            first = fields.next()?;
        }
        let key_type = fields.next()?;
        let blob = STANDARD.decode(fields.next()?).ok()?;
        Some(Entry {
            line: i + 1,
            marker,
            patterns: first,
            key_type,
            blob,
        })
    })
}

/// `*` any run of characters, `?` one character; the rest literal (both already lowercase).
fn glob(pattern: &[char], name: &[char]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some(('*', rest)) => (0..=name.len()).any(|i| glob(rest, &name[i..])),
        Some(('?', rest)) => !name.is_empty() && glob(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && glob(rest, &name[1..]),
    }
}

/// `|1|salt|hash`: HMAC-SHA1 keyed by salt over the name equals hash.
fn hashed_match(pattern: &str, name: &str) -> bool {
    let Some(rest) = pattern.strip_prefix("|1|") else {
        return false;
    };
    let Some((salt, hash)) = rest.split_once('|') else {
        return false;
    };
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(&salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// Whether a pattern list names `name`: some positive pattern matches and no negated one.
fn patterns_match(patterns: &str, name: &str) -> bool {
    if patterns.starts_with('|') {
        return hashed_match(patterns, name);
    }
    let name: Vec<char> = name.to_lowercase().chars().collect();
    let mut positive = false;
    for p in patterns.split(',') {
        let (negated, p) = match p.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, p),
        };
        let p: Vec<char> = p.to_lowercase().chars().collect();
        if glob(&p, &name) {
            if negated {
                return false;
            }
            positive = true;
        }
    }
    positive
}

/// Checks the key `blob` of type `key_type` shown by `host`:`port` against known_hosts `text`.
pub fn check(text: &str, host: &str, port: u16, key_type: &str, blob: &[u8]) -> Verdict {
    let name = host_name(host, port);
    let mut known = None;
    let mut other: Option<(bool, usize, String, String)> = None;
    for e in entries(text) {
        if e.marker == Marker::CertAuthority || !patterns_match(e.patterns, &name) {
            continue;
        }
        let same = e.key_type == key_type && e.blob == blob;
        match e.marker {
            Marker::Revoked if same => return Verdict::Revoked { line: e.line },
            Marker::Revoked => {}
            _ if same => known = known.or(Some(e.line)),
            _ => {
                let same_type = e.key_type == key_type;
                if other.as_ref().is_none_or(|o| !o.0 && same_type) {
                    other = Some((
                        same_type,
                        e.line,
                        e.key_type.to_string(),
                        fingerprint(&e.blob),
                    ));
                }
            }
        }
    }
    match (known, other) {
        (Some(line), _) => Verdict::Known { line },
        (None, Some((_, line, key_type, fingerprint))) => Verdict::Changed {
            line,
            key_type,
            fingerprint,
        },
        (None, None) => Verdict::Unknown,
    }
}

/// The key types on file (plain entries) for `host`:`port`, in file order, deduplicated.
pub fn known_types(text: &str, host: &str, port: u16) -> Vec<String> {
    let name = host_name(host, port);
    let mut out: Vec<String> = Vec::new();
    for e in entries(text) {
        if e.marker == Marker::None
            && patterns_match(e.patterns, &name)
            && !out.iter().any(|t| t == e.key_type)
        {
            out.push(e.key_type.to_string());
        }
    }
    out
}

/// The host-key algorithm preference for the SSH handshake (libssh2's comma list): the
/// algorithms of the key types on file first, then libssh2's usual ones. None when nothing
/// for the host is on file (leave libssh2's default).
pub fn preferred_types(known: &[String]) -> Option<String> {
    if known.is_empty() {
        return None;
    }
    const ALL: &[&str] = &[
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "rsa-sha2-512",
        "rsa-sha2-256",
        "ssh-rsa",
    ];
    let mut out: Vec<&str> = Vec::new();
    for t in known {
        let algs: &[&str] = match t.as_str() {
            "ssh-rsa" => &["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
            t => match ALL.iter().find(|a| **a == t) {
                Some(a) => std::slice::from_ref(a),
                None => &[],
            },
        };
        for a in algs {
            if !out.contains(a) {
                out.push(a);
            }
        }
    }
    for a in ALL {
        if !out.contains(a) {
            out.push(a);
        }
    }
    Some(out.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A syntactically valid ed25519 blob with 32 key bytes `b`.
    fn blob(ty: &str, b: u8) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(ty.len() as u32).to_be_bytes());
        v.extend_from_slice(ty.as_bytes());
        v.extend_from_slice(&32u32.to_be_bytes());
        v.extend_from_slice(&[b; 32]);
        v
    }
    fn b64(v: &[u8]) -> String {
        STANDARD.encode(v)
    }
    const ED: &str = "ssh-ed25519";
    const EC: &str = "ecdsa-sha2-nistp256";

    #[test]
    fn names_and_entry_lines() {
        assert_eq!(host_name("Example.COM", 22), "example.com");
        assert_eq!(host_name("127.0.0.1", 2222), "[127.0.0.1]:2222");
        let k = blob(ED, 1);
        assert_eq!(
            entry_line("h", 2222, ED, &k),
            format!("[h]:2222 ssh-ed25519 {}", b64(&k))
        );
        assert_eq!(key_type_of(&k).as_deref(), Some(ED));
        assert_eq!(key_type_of(&[0, 0, 0, 9, b'x']), None);
        let text = format!("{}\n", entry_line("h", 2222, ED, &k));
        assert_eq!(check(&text, "h", 2222, ED, &k), Verdict::Known { line: 1 });
    }

    #[test]
    fn fingerprint_is_ssh_keygen_style() {
        // `ssh-keygen -lf` of "ssh-ed25519 <this base64>" prints
        // "256 SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU x (ED25519)".
        let blob = STANDARD
            .decode("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
            .unwrap();
        assert_eq!(
            fingerprint(&blob),
            "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"
        );
        assert_eq!(key_type_of(&blob).as_deref(), Some("ssh-ed25519"));
    }

    #[test]
    fn plain_lists_ports_wildcards_negation() {
        let k = blob(ED, 1);
        let text = format!(
            "# comment\n\n   \nfoo,bar.example,{ED}x {ED} {}\n[10.0.0.1]:2222 {ED} {}\n*.lab,!bad.lab {ED} {}\nweb?? {ED} {} trailing comment\n",
            b64(&k), b64(&k), b64(&k), b64(&k)
        );
        assert_eq!(
            check(&text, "bar.example", 22, ED, &k),
            Verdict::Known { line: 4 }
        );
        assert_eq!(
            check(&text, "BAR.example", 22, ED, &k),
            Verdict::Known { line: 4 }
        );
        assert_eq!(check(&text, "bar.example", 2222, ED, &k), Verdict::Unknown);
        assert_eq!(
            check(&text, "10.0.0.1", 2222, ED, &k),
            Verdict::Known { line: 5 }
        );
        assert_eq!(check(&text, "10.0.0.1", 22, ED, &k), Verdict::Unknown);
        assert_eq!(
            check(&text, "a.lab", 22, ED, &k),
            Verdict::Known { line: 6 }
        );
        assert_eq!(check(&text, "bad.lab", 22, ED, &k), Verdict::Unknown);
        assert_eq!(
            check(&text, "web01", 22, ED, &k),
            Verdict::Known { line: 7 }
        );
        assert_eq!(check(&text, "web1", 22, ED, &k), Verdict::Unknown);
        assert_eq!(check(&text, "web001", 22, ED, &k), Verdict::Unknown);
    }

    #[test]
    fn hashed_entries() {
        // Made with: printf '[127.0.0.1]:2222 ssh-ed25519 KEY\n' > f; ssh-keygen -H -f f
        // is what the sshd tests do for real; here the HMAC is computed independently.
        let k = blob(ED, 7);
        let salt = [9u8; 20];
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&salt).unwrap();
        mac.update(b"[127.0.0.1]:2222");
        let hash = mac.finalize().into_bytes();
        let text = format!("|1|{}|{} {ED} {}\n", b64(&salt), b64(&hash), b64(&k));
        assert_eq!(
            check(&text, "127.0.0.1", 2222, ED, &k),
            Verdict::Known { line: 1 }
        );
        assert_eq!(check(&text, "127.0.0.1", 2223, ED, &k), Verdict::Unknown);
        assert_eq!(check(&text, "127.0.0.2", 2222, ED, &k), Verdict::Unknown);
        let other = blob(ED, 8);
        assert!(matches!(
            check(&text, "127.0.0.1", 2222, ED, &other),
            Verdict::Changed { line: 1, .. }
        ));
        assert_eq!(
            check("|1|!!|x== ssh-ed25519 AAAA\n|1|bad\n", "h", 22, ED, &k),
            Verdict::Unknown
        );
    }

    #[test]
    fn changed_same_type_preferred_and_other_types() {
        let k = blob(ED, 1);
        let old = blob(ED, 2);
        let ec = blob(EC, 3);
        let text = format!("h {EC} {}\nh {ED} {}\n", b64(&ec), b64(&old));
        assert_eq!(
            check(&text, "h", 22, ED, &k),
            Verdict::Changed {
                line: 2,
                key_type: ED.into(),
                fingerprint: fingerprint(&old)
            }
        );
        let only_other = format!("h {EC} {}\n", b64(&ec));
        assert_eq!(
            check(&only_other, "h", 22, ED, &k),
            Verdict::Changed {
                line: 1,
                key_type: EC.into(),
                fingerprint: fingerprint(&ec)
            }
        );
        // A matching line anywhere wins over other lines for the host.
        let both = format!("{text}h {ED} {}\n", b64(&k));
        assert_eq!(check(&both, "h", 22, ED, &k), Verdict::Known { line: 3 });
        assert_eq!(
            known_types(&both, "h", 22),
            vec![EC.to_string(), ED.to_string()]
        );
        let pref = preferred_types(&known_types(&both, "h", 22)).unwrap();
        assert!(
            pref.starts_with("ecdsa-sha2-nistp256,ssh-ed25519,"),
            "{pref}"
        );
        assert_eq!(preferred_types(&[]), None);
        assert!(preferred_types(&["ssh-rsa".into()])
            .unwrap()
            .starts_with("rsa-sha2-512,rsa-sha2-256,ssh-rsa,ssh-ed25519"));
    }

    #[test]
    fn markers() {
        let k = blob(ED, 1);
        let revoked = format!("h {ED} {}\n@revoked h {ED} {}\n", b64(&k), b64(&k));
        assert_eq!(
            check(&revoked, "h", 22, ED, &k),
            Verdict::Revoked { line: 2 }
        );
        let revoked_other = format!(
            "@revoked h {ED} {}\nh {ED} {}\n",
            b64(&blob(ED, 5)),
            b64(&k)
        );
        assert_eq!(
            check(&revoked_other, "h", 22, ED, &k),
            Verdict::Known { line: 2 }
        );
        let ca = format!(
            "@cert-authority * {ED} {}\n@bogus h {ED} {}\n",
            b64(&k),
            b64(&k)
        );
        assert_eq!(check(&ca, "h", 22, ED, &k), Verdict::Unknown);
        assert!(known_types(&ca, "h", 22).is_empty());
    }

    #[test]
    fn malformed_lines_skipped() {
        let k = blob(ED, 1);
        let text = format!("h\nh {ED}\nh {ED} not*base64\nh {ED} {}\n", b64(&k));
        assert_eq!(check(&text, "h", 22, ED, &k), Verdict::Known { line: 4 });
    }
}

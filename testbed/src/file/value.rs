//! The value forms of a test-bed file that are more than a string: durations (`"10s"`,
//! `"500ms"`, `"2m"`) and paths (`~` is the home directory; a relative path is relative to
//! the test-bed file's directory, not to wherever tfw-bench was started).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// `"500ms"`, `"10s"`, `"2m"`, `"1h"`: a whole number and a unit.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let bad =
        || format!("{s:?} is not a duration: write a whole number and ms, s, m or h (\"10s\")");
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let ms = match unit.trim() {
        "ms" => Some(n),
        "s" => n.checked_mul(1000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        _ => None,
    }
    .ok_or_else(bad)?;
    if ms == 0 {
        return Err(format!(
            "{s:?}: a timeout of zero would fail everything; give more"
        ));
    }
    Ok(Duration::from_millis(ms))
}

/// The shortest of the forms [`parse_duration`] reads that gives `d` back (to the millisecond).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

/// `~` or `~/...` from `home`; an absolute path as it is; anything else relative to `dir`.
/// `~user/...` is not supported (an error), nor is a `~` without a home directory.
pub fn resolve_path(s: &str, dir: &Path, home: Option<&Path>) -> Result<PathBuf, String> {
    if s.is_empty() {
        return Err("an empty path".into());
    }
    if let Some(rest) = s.strip_prefix('~') {
        let home = home.ok_or_else(|| format!("{s:?}: `~` needs HOME to be set"))?;
        return if rest.is_empty() {
            Ok(home.to_path_buf())
        } else if let Some(rel) = rest.strip_prefix('/') {
            Ok(home.join(rel))
        } else {
            Err(format!("{s:?}: only `~/...` is supported, not `~user/...`"))
        };
    }
    let p = Path::new(s);
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(dir.join(p))
    }
}

/// The home directory from `HOME` (unset or empty: none).
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_format_back() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration(" 3 s ").unwrap(), Duration::from_secs(3));
        for bad in ["10", "s", "10x", "-1s", "1.5s", ""] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("is not a duration"), "{bad}: {e}");
        }
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        for s in ["500ms", "10s", "2m", "1h", "90s", "1500ms"] {
            assert_eq!(format_duration(parse_duration(s).unwrap()), s);
        }
    }

    #[test]
    fn paths_expand_home_and_resolve_relative() {
        let home = Path::new("/home/u");
        let dir = Path::new("/etc/tb");
        assert_eq!(
            resolve_path("~/.ssh/id", dir, Some(home)).unwrap(),
            PathBuf::from("/home/u/.ssh/id")
        );
        assert_eq!(
            resolve_path("~", dir, Some(home)).unwrap(),
            PathBuf::from("/home/u")
        );
        assert_eq!(
            resolve_path("keys/id", dir, Some(home)).unwrap(),
            PathBuf::from("/etc/tb/keys/id")
        );
        assert_eq!(
            resolve_path("/k", dir, Some(home)).unwrap(),
            PathBuf::from("/k")
        );
        assert!(resolve_path("~bob/k", dir, Some(home))
            .unwrap_err()
            .contains("~user"));
        assert!(resolve_path("~/k", dir, None).unwrap_err().contains("HOME"));
        assert!(resolve_path("", dir, Some(home)).is_err());
    }
}

//! Wall-clock times of the history as people read and type them: UTC, ISO 8601.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// Why a date was refused.
#[derive(Debug, thiserror::Error)]
#[error("bad date {0:?}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")]
pub struct DateError(pub String);

/// `2026-11-23 18:41:05` (UTC) for seconds since the Unix epoch.
pub fn format_unix(unix_s: f64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix_s.floor() as i64)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]"
    ))
    .unwrap_or_default()
}

/// Seconds since the Unix epoch of `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub fn parse_date(s: &str) -> Result<f64, DateError> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t.unix_timestamp() as f64);
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map(|d| d.midnight().assume_utc().unix_timestamp() as f64)
        .map_err(|_| DateError(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(format_unix(0.0), "1970-01-01 00:00:00");
        assert_eq!(parse_date("2026-01-02").unwrap(), 1_767_312_000.0);
        assert_eq!(format_unix(1_767_312_000.0), "2026-01-02 00:00:00");
        assert_eq!(
            parse_date("2026-01-02T01:00:00Z").unwrap(),
            1_767_312_000.0 + 3600.0
        );
        assert!(parse_date("yesterday").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }
}

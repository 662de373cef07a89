//! The built-in smoke pack (`tfw-bench check --smoke URL --backend HOST:PORT`): the check
//! files of `scenarios/smoke/`, compiled into the binary so that smoke mode needs nothing
//! on disk. Their templates `${proxy}`, `${backend}`, `${tls}` and `${h2}` are the caller's
//! to set (see `SMOKE_VARS`); `check::load_sources` turns the pack into a plan.

/// The variables every file of the pack uses, set by smoke mode: `proxy` (HOST:PORT the
/// clients connect to), `backend` (HOST:PORT the backend listens on), `tls` (`true` for an
/// https:// proxy URL) and `h2` (`true` where HTTP/2 cases can run: over TLS).
pub const SMOKE_VARS: [&str; 4] = ["proxy", "backend", "tls", "h2"];

macro_rules! pack {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_str!(concat!("../smoke/", $name)))),*]
    };
}

const FILES: [(&str, &str); 12] = pack!(
    "methods.toml",
    "chunked.toml",
    "keepalive.toml",
    "http10.toml",
    "host.toml",
    "forwarding.toml",
    "hop_by_hop.toml",
    "no_body.toml",
    "large_headers.toml",
    "h2_to_h1.toml",
    "malformed.toml",
    "backend_faults.toml",
);

/// The pack as (file name, text) pairs, in the order cases are reported.
pub fn pack() -> Vec<(String, String)> {
    FILES
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of scenarios/smoke/ is in the pack (a new file must be added to `FILES`).
    #[test]
    fn pack_has_every_file() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("smoke");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut packed: Vec<String> = pack().into_iter().map(|(n, _)| n).collect();
        packed.sort();
        assert_eq!(on_disk, packed);
    }

    fn vars(tls: bool) -> crate::check::Vars {
        let mut v = crate::check::Vars::defaults();
        v.set("proxy", "127.0.0.1:8081");
        v.set("backend", "127.0.0.1:8000");
        v.set("tls", if tls { "true" } else { "false" });
        v.set("h2", if tls { "true" } else { "false" });
        v
    }

    /// The pack loads, over http and https, into at least 40 cases; over http the HTTP/2
    /// ones are skipped with the reason.
    #[test]
    fn pack_loads() {
        for tls in [false, true] {
            let opts = crate::check::LoadOptions {
                vars: vars(tls),
                ..Default::default()
            };
            let plan = crate::check::load_sources(&pack(), &opts).unwrap_or_else(|e| panic!("{e}"));
            assert!(plan.cases.len() >= 40, "{} cases", plan.cases.len());
            let skipped = plan.cases.iter().filter(|c| c.skip.is_some()).count();
            if tls {
                assert_eq!(skipped, 0);
            } else {
                assert!(skipped > 0);
                assert!(plan
                    .cases
                    .iter()
                    .filter_map(|c| c.skip.as_deref())
                    .all(|r| r.contains("https://")));
            }
            assert_eq!(plan.backends.len(), 1, "one backend address");
        }
    }

    /// The pack uses exactly the documented variables (and the per-case ones).
    #[test]
    fn pack_uses_the_smoke_vars() {
        for (name, text) in pack() {
            for var in ["${proxy}", "${backend}", "${tls}"] {
                assert!(text.contains(var), "{name} does not use {var}");
            }
        }
    }
}

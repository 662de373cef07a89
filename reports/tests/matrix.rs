//! The regression matrix format: the shipped default matrix and the documented example parse
//! to what they say; bad matrices fail with an error naming the problem.

use std::time::Duration;
use tfw_reports::history::compare::Metric;
use tfw_reports::history::matrix::{Kind, Matrix, MatrixError, Protocol};

fn default_matrix() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/matrix/default.toml");
    std::fs::read_to_string(p).expect("read cli/matrix/default.toml")
}

/// The first ```toml block of cli/matrix/README.md.
fn readme_example() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../cli/matrix/README.md");
    let text = std::fs::read_to_string(p).expect("read cli/matrix/README.md");
    let start = text.find("```toml\n").expect("a toml block") + 8;
    let len = text[start..].find("```").expect("end of the toml block");
    text[start..start + len].to_string()
}

fn err(text: &str) -> String {
    Matrix::parse(text)
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn the_default_matrix_covers_the_critical_paths() {
    let m = Matrix::parse(&default_matrix()).unwrap();
    let names: Vec<&str> = m.scenarios.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "h1-small",
            "h1-64k",
            "h1-10k-conns",
            "h2-100-streams",
            "tls12-handshakes",
            "tls13-handshakes",
            "h1-fixed-rate"
        ]
    );
    let by = |n: &str| m.scenarios.iter().find(|s| s.name == n).unwrap();
    assert!(
        m.scenarios.iter().all(|s| s.url.is_none()),
        "built-in target"
    );
    assert_eq!(by("h1-64k").body_size, 65536);
    assert_eq!(by("h1-10k-conns").connections, 10_000);
    let h2 = by("h2-100-streams");
    assert_eq!((h2.protocol, h2.streams), (Protocol::H2, Some(100)));
    assert!(h2.uses_tls());
    assert_eq!(by("tls12-handshakes").kind, Kind::Handshake);
    assert_eq!(by("tls12-handshakes").tls.as_deref(), Some("1.2"));
    assert_eq!(by("tls13-handshakes").tls.as_deref(), Some("1.3"));
    assert_eq!(by("h1-fixed-rate").rate, Some(20000));
    // [defaults] reach every scenario.
    assert!(m
        .scenarios
        .iter()
        .all(|s| s.repeats == 5 && s.duration == Duration::from_secs(10)));
    // What the header comment of default.toml says it takes.
    assert_eq!(m.planned_load(), Duration::from_secs(350));
}

#[test]
fn the_documented_example_parses() {
    let m = Matrix::parse(&readme_example()).unwrap();
    assert_eq!(m.scenarios.len(), 5);
    assert_eq!(m.thresholds.alpha, 0.05);
    assert_eq!(m.thresholds.min_effect_of(Metric::P99), 0.15);
    assert_eq!(m.thresholds.min_effect_of(Metric::Rps), 0.05);
    let h2 = &m.scenarios[2];
    assert_eq!(h2.url.as_deref(), Some("https://192.0.2.10/index.html"));
    assert_eq!(h2.headers, ["Accept: */*"]);
    assert_eq!(h2.connections, 10);
    assert_eq!(m.scenarios[1].pipeline, Some(4));
    assert_eq!(m.scenarios[4].repeats, 7);
}

#[test]
fn load_key_follows_the_load_not_the_target() {
    let base = "[[scenario]]\nname = \"a\"\nconnections = 10\n";
    let key =
        |extra: &str| Matrix::parse(&format!("{base}{extra}")).unwrap().scenarios[0].load_key();
    assert_eq!(key(""), key("delay = \"2ms\"\nbody_size = 100\n"));
    assert_ne!(key(""), key("duration = \"1s\"\n"));
    assert_ne!(key(""), key("pipeline = 2\n"));
}

#[test]
fn overrides() {
    let mut m =
        Matrix::parse("[[scenario]]\nname = \"a\"\n[[scenario]]\nname = \"b\"\nrepeats = 9\n")
            .unwrap();
    m.set_overrides(
        Some(2),
        Some(Duration::from_millis(500)),
        Some("http://127.0.0.1:8080/"),
    )
    .unwrap();
    for s in &m.scenarios {
        assert_eq!(s.repeats, 2);
        assert_eq!(s.duration, Duration::from_millis(500));
        assert_eq!(s.url.as_deref(), Some("http://127.0.0.1:8080/"));
    }
    assert!(m.set_overrides(Some(0), None, None).is_err());
    assert!(m.set_overrides(None, None, Some("ftp://x/")).is_err());
}

#[test]
fn bad_matrices_say_what_is_wrong() {
    // TOML syntax: the parser's message with the line.
    let e = err("[[scenario]\nname = \"a\"\n");
    assert!(e.contains("line 1"), "{e}");
    // Unknown keys, in a scenario and at the top.
    let e = err("[[scenario]]\nname = \"a\"\nconections = 5\n");
    assert!(e.contains("unknown field `conections`"), "{e}");
    assert!(
        e.starts_with("line 3, column 1 (conections = 5):") && !e.contains('\n'),
        "{e}"
    );
    let e = err("[scenarios]\n");
    assert!(e.contains("unknown field `scenarios`"), "{e}");
    let e = err("[compare]\nalpha = 0.05\nbeta = 1\n[[scenario]]\nname = \"a\"\n");
    assert!(e.contains("unknown field `beta`"), "{e}");
    // Wrong types and values.
    let e = err("[[scenario]]\nname = \"a\"\nconnections = \"many\"\n");
    assert!(e.contains("connections"), "{e}");
    assert!(matches!(
        Matrix::parse("[[scenario]]\nname = \"a\"\nprotocol = \"h3\"\n"),
        Err(MatrixError::Toml { line: 3, .. })
    ));
    assert!(matches!(Matrix::parse(""), Err(MatrixError::NoScenarios)));
    assert!(matches!(
        Matrix::parse("[[scenario]]\nname = \"a b\"\n"),
        Err(MatrixError::BadName(_))
    ));
    assert!(matches!(
        Matrix::parse("[[scenario]]\ndescription = \"no name\"\n"),
        Err(MatrixError::NoName)
    ));
    assert!(matches!(
        Matrix::parse("[[scenario]]\nname = \"a\"\n[[scenario]]\nname = \"a\"\n"),
        Err(MatrixError::DuplicateName(_))
    ));
    let e = err("[[scenario]]\nname = \"a\"\nduration = \"10 parsecs\"\n");
    assert!(e.contains("duration") && e.contains("10 parsecs"), "{e}");
    let e = err("[[scenario]]\nname = \"a\"\nrepeats = 0\n");
    assert!(e.contains("repeats") && e.contains("above zero"), "{e}");
    let e = err("[[scenario]]\nname = \"a\"\ntls = \"1.1\"\n");
    assert!(e.contains("tls"), "{e}");
    let e = err("[[scenario]]\nname = \"a\"\nurl = \"ftp://x/\"\n");
    assert!(e.contains("url"), "{e}");
    let e = err("[[scenario]]\nname = \"a\"\nheaders = [\"NoColon\"]\n");
    assert!(e.contains("headers"), "{e}");
    // Contradictions.
    let e = err("[[scenario]]\nname = \"a\"\nstreams = 10\n");
    assert!(e.contains("streams need"), "{e}");
    let e = err("[[scenario]]\nname = \"a\"\nprotocol = \"h2c\"\ntls = \"1.3\"\n");
    assert!(e.contains("h2c"), "{e}");
    let e = err("[defaults]\nname = \"x\"\n[[scenario]]\nname = \"a\"\n");
    assert!(e.contains("[defaults]"), "{e}");
    // [compare].
    let e = err("[compare]\nalpha = 2\n[[scenario]]\nname = \"a\"\n");
    assert!(e.contains("alpha"), "{e}");
    let e = err("[compare]\nmin_effect_by_metric = { p95 = 0.1 }\n[[scenario]]\nname = \"a\"\n");
    assert!(e.contains("p95") && e.contains("unknown metric"), "{e}");
}

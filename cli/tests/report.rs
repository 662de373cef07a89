//! `tfw-bench report` end to end: two real runs of `stress` against the built-in target, then
//! the report of them: every plot as SVG (parsed as XML, its texts checked) and PNG (decoded,
//! its size checked), and a page that refers to nothing outside itself. Also older and
//! fixed-rate documents (edited copies of a real one) and bad input (exit 2, one clear line).
//!
//! Every process has a hard time limit (`common::LIMIT`); nothing asserts on timing.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The plots every report of runs with histograms has, by file stem.
const PLOTS: [&str; 5] = [
    "latency-spectrum",
    "latency-histogram",
    "requests-per-second",
    "latency-over-time",
    "errors",
];

/// Two real run documents (4 connections, 2 s each), made once for all tests here.
fn two_runs() -> &'static (PathBuf, PathBuf) {
    static RUNS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    RUNS.get_or_init(|| {
        let make = |name: &str| {
            let json = tmp_json(name);
            let out = run(&[
                "stress",
                "-d",
                "2s",
                "-c",
                "4",
                "-q",
                "--json",
                json.to_str().unwrap(),
            ]);
            assert_eq!(out.code(), Some(0), "{}", out.show());
            json
        };
        (make("report-a"), make("report-b"))
    })
}

/// A fresh, not yet existing output directory.
fn out_dir(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

fn report(args: &[&str]) -> Out {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    run(&all)
}

/// The trimmed text of every `<text>` element of the SVG file `path` (which must be XML).
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{} is not XML: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn assert_texts(path: &Path, want: &[&str]) {
    let texts = svg_texts(path);
    for w in want {
        assert!(
            texts.iter().any(|t| t == w),
            "{}: no text {w:?} in {texts:?}",
            path.display()
        );
    }
}

/// (width, height) of the PNG file `path`, decoding the whole image.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    // Not blank: a plot has more than its white background.
    assert!(buf.iter().any(|&b| b < 128), "{} is blank", path.display());
    (info.width, info.height)
}

/// Checks that the page loads nothing from outside itself.
fn assert_self_contained(html: &str) {
    for bad in [
        "<link", "<script", "@import", "href=", "<iframe", "<object", "<embed",
    ] {
        assert!(!html.contains(bad), "page contains {bad}");
    }
    for (i, _) in html.match_indices("src=") {
        assert!(
            html[i..].starts_with("src=\"data:"),
            "src not inline: {}",
            &html[i..i + 40]
        );
    }
    for (i, _) in html.match_indices("url(") {
        assert!(
            html[i..].starts_with("url(data:"),
            "url() not inline: {}",
            &html[i..i + 40]
        );
    }
}

/// `1234567` -> `1,234,567`, as the page shows counts.
fn thousands(n: u64) -> String {
    let d = n.to_string();
    let groups: Vec<&str> = d
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap())
        .collect();
    groups.join(",")
}

#[test]
fn report_of_two_runs() {
    let (a, b) = two_runs();
    let (la, lb) = (stem(a), stem(b));
    let dir = out_dir("two");
    let out = report(&[
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert!(out.stdout.contains("report.html"), "{}", out.show());

    for p in PLOTS {
        let svg = dir.join(format!("{p}.svg"));
        let png = dir.join(format!("{p}.png"));
        assert_eq!(png_size(&png), (1000, 600), "{p}.png");
        let legend: Vec<String> = if p == "latency-over-time" {
            vec![
                format!("{la} p50"),
                format!("{la} p99"),
                format!("{lb} p50"),
                format!("{lb} p99"),
            ]
        } else {
            vec![la.clone(), lb.clone()]
        };
        assert_texts(&svg, &legend.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let texts = svg_texts(&dir.join("latency-spectrum.svg"));
    for w in [
        "Latency by percentile",
        "percentile",
        "0%",
        "90%",
        "99%",
        "99.9%",
        "99.99%",
        "99.999%",
    ] {
        assert!(
            texts.iter().any(|t| t == w),
            "spectrum lacks {w:?}: {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t == "latency (ms)" || t == "latency (µs)"),
        "spectrum y axis: {texts:?}"
    );
    assert_texts(
        &dir.join("latency-histogram.svg"),
        &["share of responses (%)"],
    );
    assert_texts(
        &dir.join("requests-per-second.svg"),
        &["time (s)", "responses/s"],
    );
    assert_texts(&dir.join("errors.svg"), &["time (s)", "errors/s"]);

    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), PLOTS.len(), "plots inline");
    // The comparison: each metric of the second run against the first, in %.
    assert!(html.contains("<h2>Comparison</h2>"));
    assert!(html.contains(&format!("<th class=\"num\">Δ % vs {la}</th>")));
    let rps_row = html
        .lines()
        .find(|l| l.starts_with("<tr><td>requests/s</td>"))
        .expect("a requests/s row");
    assert_eq!(rps_row.matches("<td").count(), 4, "{rps_row}");
    assert!(rps_row.contains("%</td></tr>"), "{rps_row}");
    // Each run's own tables, with its figures and settings.
    for p in [a, b] {
        let v = read_json(p);
        let name = stem(p);
        assert!(html.contains(&format!("<h2>Run {name}</h2>")));
        let responses = count(&v, &["responses"]);
        assert!(html.contains(&format!(
            "<td>responses</td><td class=\"num\">{}</td>",
            thousands(responses)
        )));
        assert!(html.contains(&format!(
            "<td>status 200</td><td class=\"num\">{}</td>",
            thousands(count(&v, &["status", "200"]))
        )));
        assert_eq!(v["settings"]["connections"], 4);
    }
    assert!(
        html.contains("<td>connections</td><td>4</td>"),
        "settings table"
    );
    assert!(html.contains("<td>timeout errors</td>"));
    assert!(html.contains("<td>µs per response</td>"));
    assert!(html.contains("<td>p99.99</td>"));
    assert!(!html.contains("uncorrected"), "no fixed-rate run here");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn labels_name_the_runs_in_order() {
    let (a, b) = two_runs();
    let dir = out_dir("labels");
    let (a, b, d) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        dir.to_str().unwrap(),
    );
    let out = report(&[
        a,
        b,
        "--out",
        d,
        "--label",
        "baseline",
        "--label",
        "new build",
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_texts(
        &dir.join("latency-spectrum.svg"),
        &["baseline", "new build"],
    );
    assert_texts(
        &dir.join("latency-histogram.svg"),
        &["baseline", "new build"],
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("Δ % vs baseline"));
    assert!(html.contains("<h2>Run new build</h2>"));
    // Fewer labels than files: the rest keep their file names.
    let out = report(&[a, b, "--out", d, "--label", "only"]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    assert_texts(
        &dir.join("latency-spectrum.svg"),
        &["only", &stem(Path::new(b))],
    );
    // More labels than files is a mistake.
    let out = report(&[a, "--out", d, "--label", "x", "--label", "y"]);
    assert_setup_error(&out, "2 labels for 1 run files");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn older_and_fixed_rate_documents() {
    let (a, b) = two_runs();
    // An older document: no histogram, settings or start time.
    let mut old: Value = read_json(a);
    for k in ["latency_hdr", "settings", "started_unix_s"] {
        old.as_object_mut().unwrap().remove(k);
    }
    let old_path = tmp_file("old.json", old.to_string().as_bytes());
    // A fixed-rate document: uncorrected latency next to the corrected one.
    let mut fixed: Value = read_json(b);
    fixed["latency_uncorrected_us"] = fixed["latency_us"].clone();
    fixed["latency_uncorrected_us"]["p99"] = Value::from(123_456.0);
    let fixed_path = tmp_file("fixed.json", fixed.to_string().as_bytes());
    let dir = out_dir("old");
    let out = report(&[
        old_path.to_str().unwrap(),
        fixed_path.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--label",
        "old",
        "--label",
        "fixed",
    ]);
    assert_eq!(out.code(), Some(0), "{}", out.show());
    // The spectrum shows both (the old one from its summary percentiles); the histogram only
    // the run that has one.
    assert_texts(&dir.join("latency-spectrum.svg"), &["old", "fixed"]);
    let hist = svg_texts(&dir.join("latency-histogram.svg"));
    assert!(hist.iter().any(|t| t == "fixed") && !hist.iter().any(|t| t == "old"));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("No latency histogram in old"));
    assert!(html.contains("No settings recorded"));
    assert!(html.contains("<th class=\"num\">uncorrected</th>"));
    assert!(
        html.contains("<td class=\"num\">123ms</td>"),
        "uncorrected p99 shown"
    );
    assert!(html.contains("<td>uncorrected p99</td>"), "compared too");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_is_a_setup_error() {
    let dir = out_dir("bad");
    let d = dir.to_str().unwrap();
    let missing = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-such-run.json");
    let out = report(&[missing.to_str().unwrap(), "--out", d]);
    assert_setup_error(&out, "cannot read");
    assert!(out.stderr.contains("no-such-run.json"), "{}", out.show());

    let cases: [(&str, &[u8], &str); 5] = [
        ("text.json", b"Running 10s test @ http://x/", "not JSON"),
        (
            "array.json",
            b"[1, 2, 3]",
            "not a tfw-bench run document: the top level is an array",
        ),
        (
            "other.json",
            br#"{"hello": "world"}"#,
            "not a tfw-bench run document: no \"tool\"",
        ),
        (
            "wrk.json",
            br#"{"tool": "wrk", "requests": 1}"#,
            "\"tool\" is \"wrk\"",
        ),
        (
            "partial.json",
            br#"{"tool": "tfw-bench", "requests": 1}"#,
            "missing field `responses`",
        ),
    ];
    for (name, bytes, want) in cases {
        let p = tmp_file(name, bytes);
        let out = report(&[p.to_str().unwrap(), "--out", d]);
        assert_setup_error(&out, want);
        assert!(out.stderr.contains(name), "names the file\n{}", out.show());
    }
    // A bad file among good ones fails the whole report before anything is written.
    let (a, _) = two_runs();
    let bad = tmp_file("bad2.json", b"{");
    let out = report(&[a.to_str().unwrap(), bad.to_str().unwrap(), "--out", d]);
    assert_setup_error(&out, "bad2.json");
    assert!(!dir.exists(), "nothing written on a bad file");
    // No files or no --out: clap's usage error.
    assert_usage_error(&report(&["--out", d]), "RUN.json");
    assert_usage_error(&report(&[a.to_str().unwrap()]), "--out");
}

//! The dashboard exports validate against their formats' schemas (schema/bmf.schema.json,
//! schema/gab.schema.json), carry the medians and bounds of the repeats, and the schemas
//! themselves reject what those formats do not allow.

use serde_json::{json, Value};
use tfw_reports::history::compare::{compare, Comparison, Direction, Metric, Thresholds};
use tfw_reports::history::export::{bmf, gab, BMF_SCHEMA, GAB_SCHEMA};

fn validator(schema: &str) -> jsonschema::Validator {
    let s: Value = serde_json::from_str(schema).expect("schema is JSON");
    jsonschema::draft202012::new(&s).expect("schema compiles as draft 2020-12")
}

fn errors(schema: &str, doc: &Value) -> Vec<String> {
    validator(schema)
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn comparisons() -> Vec<Comparison> {
    let th = Thresholds::default();
    let mut v = Vec::new();
    for (scenario, scale) in [("h1-small", 1.0), ("h1-64k", 0.5)] {
        for m in Metric::ALL {
            let base: Vec<f64> = [100.0, 101.0, 99.0, 102.0, 98.0]
                .iter()
                .map(|x| x * scale)
                .collect();
            let cur: Vec<f64> = [80.0, 82.0, 79.0, 81.0, 83.0]
                .iter()
                .map(|x| x * scale)
                .collect();
            v.push(compare(scenario, m, &base, &cur, &th));
        }
    }
    // A scenario with no baseline yet still exports its current figures.
    v.push(compare("new", Metric::Rps, &[], &[5.0, 7.0, 6.0], &th));
    v
}

#[test]
fn bmf_validates_and_holds_median_and_bounds() {
    let doc = bmf(&comparisons());
    let errs = errors(BMF_SCHEMA, &doc);
    assert!(errs.is_empty(), "{errs:#?}\n{doc:#}");
    let m = &doc["h1-small"]["rps"];
    assert_eq!(m["value"], 81.0);
    assert_eq!(m["lower_value"], 79.0);
    assert_eq!(m["upper_value"], 83.0);
    assert_eq!(doc["h1-64k"]["p50_us"]["value"], 40.5);
    assert_eq!(doc["new"]["rps"]["value"], 6.0);
    let measures = doc["h1-small"].as_object().unwrap();
    assert_eq!(measures.len(), Metric::ALL.len());
}

#[test]
fn gab_validates_one_direction_per_file() {
    let cs = comparisons();
    let smaller = gab(&cs, Direction::SmallerIsBetter);
    let bigger = gab(&cs, Direction::BiggerIsBetter);
    for doc in [&smaller, &bigger] {
        let errs = errors(GAB_SCHEMA, doc);
        assert!(errs.is_empty(), "{errs:#?}\n{doc:#}");
    }
    let names = |d: &Value| -> Vec<String> {
        d.as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&bigger),
        ["h1-small requests/s", "h1-64k requests/s", "new requests/s"]
    );
    assert_eq!(names(&smaller).len(), 8);
    assert!(names(&smaller).iter().all(|n| !n.contains("requests/s")));
    let rps = &bigger[0];
    assert_eq!(rps["unit"], "req/s");
    assert_eq!(rps["value"], 81.0);
    assert_eq!(rps["range"], "± 2");
    let extra = rps["extra"].as_str().unwrap();
    assert!(extra.contains("5 repeats"), "{extra}");
    assert!(extra.contains("regressed"), "{extra}");
    let p50 = smaller
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "h1-small p50 latency")
        .unwrap();
    assert_eq!(p50["unit"], "us");
    assert!(p50["extra"].as_str().unwrap().contains("improved"));
}

#[test]
fn the_schemas_reject_what_the_formats_do_not_allow() {
    for bad in [
        json!([]),
        json!({"b": {"m": {"lower_value": 1.0}}}),
        json!({"b": {"m": {"value": "fast"}}}),
        json!({"b": {"m": {"value": 1.0, "median": 1.0}}}),
        json!({"b": {}}),
    ] {
        assert!(!errors(BMF_SCHEMA, &bad).is_empty(), "BMF accepted {bad}");
    }
    for bad in [
        json!({}),
        json!([{"name": "x", "unit": "us"}]),
        json!([{"name": "x", "unit": "us", "value": 1.0, "range": 3}]),
        json!([{"name": "", "unit": "us", "value": 1.0}]),
        json!([{"name": "x", "unit": "us", "value": 1.0, "os": "linux"}]),
    ] {
        assert!(!errors(GAB_SCHEMA, &bad).is_empty(), "gab accepted {bad}");
    }
}

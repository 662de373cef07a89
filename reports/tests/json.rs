//! The JSON run document: validity against the committed schema, totals, percentiles, the
//! empty-run and interrupted cases, and the golden example in testdata/.

mod common;

use common::{constant_latency, empty, golden, sample};
use serde_json::{json, Value};
use tfw_reports::{to_json, Meta, RUN_SCHEMA};

fn meta() -> Meta {
    Meta {
        version: "0.1.0".to_string(),
        commit: Some("2d45108".to_string()),
        settings: serde_json::json!({"connections": 2}),
        started_unix_s: 1_700_000_000.0,
    }
}

/// No commit known: `commit` is null, which the schema allows.
fn meta_no_commit() -> Meta {
    Meta {
        version: "0.1.0".to_string(),
        commit: None,
        settings: Value::Null,
        started_unix_s: 0.0,
    }
}

fn schema() -> Value {
    serde_json::from_str(RUN_SCHEMA).expect("schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("schema compiles as draft 2020-12")
}

/// Panics with every validation error when `doc` does not match the schema.
fn assert_valid(doc: &Value) {
    let v = validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema violations: {errors:#?}\n{doc:#}");
}

/// Walks every value; returns JSON pointers of nulls (NaN/inf would have serialised as null).
fn nulls(v: &Value, path: &str, out: &mut Vec<String>) {
    match v {
        Value::Null => out.push(path.to_string()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| nulls(x, &format!("{path}/{i}"), out)),
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| nulls(x, &format!("{path}/{k}"), out)),
        Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{path}: {n}"),
        _ => {}
    }
}

#[test]
fn schema_is_valid_draft_2020_12() {
    let s = schema();
    assert_eq!(
        s["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "schema declares draft 2020-12"
    );
    jsonschema::draft202012::meta::validate(&s).expect("schema is valid against the meta-schema");
    assert_eq!(s["additionalProperties"], json!(true));
}

#[test]
fn documents_validate() {
    assert_valid(&to_json(&sample(), &meta()));
    assert_valid(&to_json(&empty(), &meta()));
    assert_valid(&to_json(&constant_latency(1500, 10), &meta_no_commit()));
    let mut r = sample();
    r.interrupted = true;
    r.unanswered = 105;
    assert_valid(&to_json(&r, &meta()));
}

#[test]
fn schema_rejects_broken_documents() {
    let v = validator();
    let good = to_json(&sample(), &meta());
    assert!(v.is_valid(&good));

    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("latency_us");
    assert!(!v.is_valid(&missing), "a required field is missing");

    let mut nested_missing = good.clone();
    nested_missing["errors"]
        .as_object_mut()
        .unwrap()
        .remove("timeout");
    assert!(!v.is_valid(&nested_missing), "errors.timeout is required");

    let mut wrong_type = good.clone();
    wrong_type["rps"] = json!("500");
    assert!(!v.is_valid(&wrong_type), "rps must be a number");

    let mut negative = good.clone();
    negative["requests"] = json!(-1);
    assert!(!v.is_valid(&negative), "counts are non-negative");

    let mut fractional = good.clone();
    fractional["responses"] = json!(1.5);
    assert!(!v.is_valid(&fractional), "counts are integers");

    let mut bad_status = good.clone();
    bad_status["status"]["OK"] = json!(1);
    assert!(!v.is_valid(&bad_status), "status keys are codes");

    let mut bad_interval = good.clone();
    bad_interval["intervals"][0]["latency_us"]
        .as_object_mut()
        .unwrap()
        .remove("p99");
    assert!(!v.is_valid(&bad_interval), "interval latency needs p99");

    let mut bad_tool = good.clone();
    bad_tool["tool"] = json!("wrk");
    assert!(!v.is_valid(&bad_tool), "tool is tfw-bench");

    let mut extra = good;
    extra["future_field"] = json!({"anything": [1, 2]});
    extra["latency_us"]["p95"] = json!(1.0);
    assert!(v.is_valid(&extra), "fields may be added");
}

#[test]
fn totals_and_percentiles() {
    let d = to_json(&sample(), &meta());
    assert_eq!(d["tool"], "tfw-bench");
    assert_eq!(d["version"], "0.1.0");
    assert_eq!(d["commit"], "2d45108");
    assert_eq!(d["target"], "http://127.0.0.1:8080/");
    assert_eq!(d["duration_s"], 2.0);
    assert_eq!(d["interrupted"], false);
    assert_eq!(
        d["connections"],
        json!({"requested": 100, "established": 100, "connects": 100})
    );
    assert_eq!(d["pipeline"], 1);
    assert_eq!(d["requests"], 1105);
    assert_eq!(d["responses"], 1000);
    assert_eq!(d["unanswered"], 0);
    assert_eq!(d["rps"], 500.0);
    assert_eq!(d["bytes_read"], 200_000);
    assert_eq!(d["bytes_written"], 1105 * 80);
    assert_eq!(d["status"], json!({"200": 990, "404": 10}));
    assert_eq!(
        d["errors"],
        json!({"connect": 0, "read": 1, "write": 0, "timeout": 2, "parse": 0, "tls": 0, "reset": 0})
    );

    let lat = &d["latency_us"];
    assert_eq!(lat["min"], 1.0);
    assert_eq!(lat["mean"], 500.5);
    let stdev = lat["stdev"].as_f64().unwrap();
    assert!((stdev - 288.675).abs() < 0.01, "stdev {stdev}");
    assert_eq!(lat["p50"], 500.0);
    assert_eq!(lat["p75"], 750.0);
    assert_eq!(lat["p90"], 900.0);
    assert_eq!(lat["p99"], 990.0);
    assert_eq!(lat["p999"], 999.0);
    assert_eq!(lat["p9999"], 1000.0);
    assert_eq!(lat["max"], 1000.0);

    assert_eq!(d["io"]["backend"], "io_uring");
    assert_eq!(d["io"]["multishot_recv"], true);
    assert_eq!(d["io"]["registered_files"], false);
    assert_eq!(d["io"]["fallback_reason"], "");
    assert_eq!(d["cpu"]["user_s"], 0.25);
    assert_eq!(d["cpu"]["sys_s"], 0.75);
    assert_eq!(d["cpu"]["us_per_response"], 1000.0);
    assert_eq!(d["max_rss_kib"], 24_576);
    assert_eq!(
        d["workers"],
        json!([
            {"cpu": 0, "conns": 50, "cpu_s": 0.5, "busy": 0.25, "saturated": false},
            {"cpu": 1, "conns": 50, "cpu_s": 0.5, "busy": 0.25, "saturated": false}
        ])
    );

    let iv = d["intervals"].as_array().unwrap();
    assert_eq!(iv.len(), 2);
    assert_eq!(
        iv[0],
        json!({"t_s": 1.0, "requests": 600, "responses": 500, "errors": 2, "bytes_read": 100_000, "late": 0, "max_lag_us": 0,
               "latency_us": {"p50": 250.0, "p90": 450.0, "p99": 495.0, "max": 500.0}})
    );
    assert_eq!(
        iv[1],
        json!({"t_s": 2.0, "requests": 505, "responses": 500, "errors": 1, "bytes_read": 100_000, "late": 0, "max_lag_us": 0,
               "latency_us": {"p50": 750.0, "p90": 950.0, "p99": 995.0, "max": 1000.0}})
    );
    // Intervals add up to the totals.
    let sum = |k: &str| iv.iter().map(|i| i[k].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("requests"), 1105);
    assert_eq!(sum("responses"), 1000);
    assert_eq!(sum("errors"), 3);
    assert_eq!(sum("bytes_read"), 200_000);
}

#[test]
fn large_latencies_keep_three_digits() {
    // Above 2047 µs hdrhistogram buckets values; reported values stay within 0.1%.
    let d = to_json(&constant_latency(123_456, 7), &meta());
    for key in ["min", "mean", "p50", "p99", "p9999", "max"] {
        let v = d["latency_us"][key].as_f64().unwrap();
        assert!((v - 123_456.0).abs() / 123_456.0 < 1e-3, "{key} = {v}");
    }
    assert_eq!(d["latency_us"]["stdev"], 0.0);
}

#[test]
fn empty_run_has_zeros_not_nan() {
    let d = to_json(&empty(), &meta_no_commit());
    let mut found = Vec::new();
    nulls(&d, "", &mut found);
    assert_eq!(
        found,
        vec!["/commit".to_string()],
        "only commit may be null"
    );
    assert_eq!(d["duration_s"], 0.0);
    assert_eq!(d["responses"], 0);
    assert_eq!(d["rps"], 0.0);
    assert_eq!(d["status"], json!({}));
    assert_eq!(d["errors"]["connect"], 100);
    for (k, v) in d["latency_us"].as_object().unwrap() {
        assert_eq!(v, &json!(0.0), "latency_us.{k}");
    }
    assert_eq!(d["cpu"]["us_per_response"], 0.0);
    assert_eq!(d["io"]["backend"], "epoll");
    assert_eq!(
        d["io"]["fallback_reason"],
        "io_uring_setup: Operation not permitted"
    );
    assert_eq!(
        d["intervals"][0]["latency_us"],
        json!({"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0})
    );
    assert_eq!(d["intervals"][0]["errors"], 100);
}

#[test]
fn non_finite_inputs_become_zero() {
    let mut r = sample();
    r.cpu.user_s = f64::NAN;
    r.cpu.sys_s = f64::INFINITY;
    r.workers[0].cpu_s = f64::NAN;
    r.intervals[0].t_s = f64::NAN;
    let d = to_json(&r, &meta());
    let mut found = Vec::new();
    nulls(&d, "", &mut found);
    assert!(found.is_empty(), "nulls at {found:?}");
    assert_eq!(d["cpu"]["user_s"], 0.0);
    assert_eq!(d["cpu"]["us_per_response"], 0.0);
    assert_valid(&d);
}

#[test]
fn interrupted_and_unanswered() {
    let mut r = sample();
    r.interrupted = true;
    r.unanswered = 105;
    let d = to_json(&r, &meta());
    assert_eq!(d["interrupted"], true);
    assert_eq!(d["unanswered"], 105);
}

#[test]
fn golden_example_document() {
    let d = to_json(&sample(), &meta());
    let text = serde_json::to_string_pretty(&d).unwrap() + "\n";
    let expected: Value =
        serde_json::from_str(&golden("run.sample.json", &text)).expect("golden is JSON");
    assert_eq!(
        d, expected,
        "JSON document changed; if intended, rerun with UPDATE_GOLDEN=1 and review the diff"
    );
    assert_valid(&expected);
}

/// The merged histogram in `latency_hdr` decodes to the run's histogram: same count, same
/// percentiles as the summary fields.
#[test]
fn latency_hdr_round_trips() {
    let r = sample();
    let d = to_json(&r, &meta());
    let enc = d["latency_hdr"].as_str().expect("latency_hdr is a string");
    let h = tfw_reports::json::histogram_from_base64(enc).expect("decodes");
    assert_eq!(h.len(), r.totals.latency.len());
    assert_eq!(h.max(), r.totals.latency.max());
    assert_eq!(
        h.value_at_quantile(0.99),
        r.totals.latency.value_at_quantile(0.99)
    );
    assert_eq!(d["settings"]["connections"], 2);
    assert_eq!(d["started_unix_s"], 1_700_000_000.0);
}

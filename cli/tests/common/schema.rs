//! A small JSON Schema (2020-12 subset) checker for the committed run schema
//! (reports/schema/run.schema.json): what the tests' JSON documents are checked against.

use serde_json::Value;

pub fn run_schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../reports/schema/run.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("read run.schema.json"))
        .expect("the schema is JSON")
}

/// Violations of `schema` by `v` (empty = valid). Supports the keywords the run schema uses
/// and reports any other as a violation, so a schema that outgrows it is noticed.
pub fn schema_violations(schema: &Value, v: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    check(schema, schema, v, "$", &mut errs);
    errs
}

fn type_ok(t: &str, v: &Value) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        _ => false,
    }
}

fn check(root: &Value, s: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
    let Some(obj) = s.as_object() else {
        if s == &Value::Bool(false) {
            errs.push(format!("{at}: not allowed"));
        }
        return;
    };
    for (k, kv) in obj {
        match k.as_str() {
            "$schema" | "$id" | "$defs" | "title" | "description" => {}
            "$ref" => {
                let r = kv.as_str().unwrap_or("");
                match r.strip_prefix("#/$defs/") {
                    Some(name) => check(root, &root["$defs"][name], v, at, errs),
                    None => errs.push(format!("{at}: unsupported $ref {r}")),
                }
            }
            "type" => {
                let ok = match kv {
                    Value::String(t) => type_ok(t, v),
                    Value::Array(ts) => ts.iter().any(|t| type_ok(t.as_str().unwrap_or(""), v)),
                    _ => false,
                };
                if !ok {
                    errs.push(format!("{at}: {v} is not of type {kv}"));
                }
            }
            "const" => {
                if v != kv {
                    errs.push(format!("{at}: {v} != const {kv}"));
                }
            }
            "enum" => {
                if !kv.as_array().is_some_and(|a| a.contains(v)) {
                    errs.push(format!("{at}: {v} not in {kv}"));
                }
            }
            "minimum" => {
                if let (Some(x), Some(m)) = (v.as_f64(), kv.as_f64()) {
                    if x < m {
                        errs.push(format!("{at}: {x} < minimum {m}"));
                    }
                }
            }
            "minLength" => {
                if let (Some(x), Some(m)) = (v.as_str(), kv.as_u64()) {
                    if (x.chars().count() as u64) < m {
                        errs.push(format!("{at}: shorter than {m}"));
                    }
                }
            }
            "required" => {
                if let Some(o) = v.as_object() {
                    for name in kv.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or("");
                        if !o.contains_key(name) {
                            errs.push(format!("{at}: required {name:?} missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(o), Some(props)) = (v.as_object(), kv.as_object()) {
                    for (name, ps) in props {
                        if let Some(x) = o.get(name) {
                            check(root, ps, x, &format!("{at}.{name}"), errs);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(o) = v.as_object() {
                    let props = obj.get("properties").and_then(Value::as_object);
                    for (name, x) in o {
                        if !props.is_some_and(|p| p.contains_key(name)) {
                            check(root, kv, x, &format!("{at}.{name}"), errs);
                        }
                    }
                }
            }
            "items" => {
                if let Some(a) = v.as_array() {
                    for (i, x) in a.iter().enumerate() {
                        check(root, kv, x, &format!("{at}[{i}]"), errs);
                    }
                }
            }
            "propertyNames" => {
                if let Some(o) = v.as_object() {
                    let pattern = kv["pattern"].as_str();
                    // The one pattern the schema uses; another must be added here.
                    if pattern != Some("^[0-9]{1,3}$") || kv.as_object().map_or(0, |m| m.len()) != 1
                    {
                        errs.push(format!("{at}: unsupported propertyNames {kv}"));
                        continue;
                    }
                    for name in o.keys() {
                        let ok = (1..=3).contains(&name.len())
                            && name.bytes().all(|b| b.is_ascii_digit());
                        if !ok {
                            errs.push(format!("{at}: property name {name:?} does not match"));
                        }
                    }
                }
            }
            other => errs.push(format!(
                "{at}: schema keyword {other:?} not supported by the test checker"
            )),
        }
    }
}

//! A check file's own target config (`[target]`): inline or from a file beside it, templates
//! expanded, and `load_path_groups` grouping the files by it (files without one together).

use std::path::{Path, PathBuf};

use tfw_scenarios::check::*;

const CASE: &str = r#"
[backends.b]
listen = "127.0.0.1:0"
[clients.c]
connect = "127.0.0.1:1"
[[case]]
name = "one"
[[case.step]]
client = "c"
send = { method = "GET", target = "/" }
"#;

fn dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tfw-check-target-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(d: &Path, name: &str, text: &str) -> PathBuf {
    let p = d.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn files_are_grouped_by_their_target_config() {
    let d = dir("groups");
    write(
        &d,
        "tempesta.conf",
        "listen 80;\nserver ${server_ip}:8000;\n",
    );
    let a = write(
        &d,
        "a.toml",
        &format!("[target]\nconfig = \"\"\"\nlisten ${{tempesta_ip}}:80;\n\"\"\"\n{CASE}"),
    );
    let b = write(&d, "b.toml", CASE);
    let c = write(
        &d,
        "c.toml",
        &format!("[target]\nconfig_file = \"tempesta.conf\"\n{CASE}"),
    );
    let e = write(
        &d,
        "e.toml",
        &format!("[target]\nconfig = \"\"\"\nlisten ${{tempesta_ip}}:80;\n\"\"\"\n{CASE}"),
    );
    let groups = load_path_groups(&[a, b, c, e], &LoadOptions::default()).unwrap();
    let configs: Vec<Option<String>> = groups
        .iter()
        .map(|g| {
            g.config
                .as_ref()
                .map(|c| String::from_utf8(c.clone()).unwrap())
        })
        .collect();
    assert_eq!(
        configs,
        [
            Some("listen 127.0.0.1:80;\n".to_owned()),
            None,
            Some("listen 80;\nserver 127.0.0.1:8000;\n".to_owned()),
        ]
    );
    assert_eq!(groups[0].files.len(), 2, "a and e share a config");
    let names: Vec<&str> = groups[0]
        .plan
        .cases
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["a.one", "e.one"]);
    assert_eq!(groups[1].plan.cases[0].name, "b.one");
    assert_eq!(groups[2].plan.cases.len(), 1);
    // Every group has its own peers (files of one group share a backend by address).
    assert!(groups.iter().all(|g| g.plan.backends.len() == 1));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn one_plan_accepts_and_ignores_the_target_table() {
    let text = format!("[target]\nconfig = \"x\"\n{CASE}");
    let plan = load_sources(&[("t.toml".into(), text)], &LoadOptions::default()).unwrap();
    assert_eq!(plan.cases.len(), 1);
}

#[test]
fn bad_target_tables_are_one_line_each() {
    let bad = |target: &str| {
        let text = format!("{target}\n{CASE}");
        load_sources(&[("t.toml".into(), text)], &LoadOptions::default())
            .unwrap_err()
            .to_string()
    };
    let e = bad("[target]\nconfig = \"a\"\nconfig_file = \"b\"");
    assert!(e.contains("not both"), "{e}");
    let e = bad("[target]");
    assert!(e.contains("config_file"), "{e}");
    let e = bad("[target]\nconf = \"a\"");
    assert!(e.contains("unknown key"), "{e}");
    let e = bad("[target]\nconfig_file = \"no-such-file.conf\"");
    assert!(e.contains("cannot read"), "{e}");
    let e = bad("[target]\nconfig = \"${nope}\"");
    assert!(e.contains("unknown template name"), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

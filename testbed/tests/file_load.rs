//! `Testbed::load` on real files: paths relative to the file's directory, a missing file and
//! a bad one as one line each, and the printed defaults read back.

use std::path::PathBuf;

use tfw_testbed::file::defaults::default_text;
use tfw_testbed::file::Testbed;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tfw-file-load-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn relative_paths_are_relative_to_the_file() {
    let dir = tmpdir("rel");
    let file = dir.join("tb.toml");
    std::fs::write(
        &file,
        "[general]\nknown_hosts = \"kh\"\n[tempesta]\nkind = \"tempesta\"\nssh_key = \"keys/id\"\nconfig_file = \"../t.conf\"\n",
    )
    .unwrap();
    let tb = Testbed::load(&file).unwrap();
    assert_eq!(tb.source, file.display().to_string());
    assert_eq!(tb.general.known_hosts, dir.join("kh"));
    assert_eq!(tb.tempesta.host.ssh_key, Some(dir.join("keys/id")));
    match tb.tempesta.kind {
        Some(tfw_testbed::file::TargetKind::Tempesta { config_file, .. }) => {
            assert_eq!(config_file, Some(dir.join("../t.conf")))
        }
        k => panic!("{k:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_or_bad_file_is_one_line() {
    let dir = tmpdir("bad");
    let missing = dir.join("none.toml");
    let e = Testbed::load(&missing).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: file: cannot read: ", missing.display())),
        "{e}"
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[general]\n\n[server]\nport = 0\n").unwrap();
    let e = Testbed::load(&bad).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:4: server.port: must be a port number, 1 to 65535",
            bad.display()
        )
    );
    assert!(!e.contains('\n'));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_defaults_file_loads() {
    let dir = tmpdir("defaults");
    let file = dir.join("tb.toml");
    std::fs::write(&file, default_text()).unwrap();
    let tb = Testbed::load(&file).unwrap();
    assert_eq!(tb.tempesta.kind, None);
    assert_eq!(tb.vars()["tempesta_srcdir"], "/root/tempesta");
    // Uncommenting the example kind gives a Tempesta target with the defaults.
    let text = default_text().replace("# kind = \"tempesta\"", "kind = \"tempesta\"");
    let tb = Testbed::parse("tb.toml", &text, &dir).unwrap();
    assert!(matches!(
        tb.tempesta.kind,
        Some(tfw_testbed::file::TargetKind::Tempesta { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

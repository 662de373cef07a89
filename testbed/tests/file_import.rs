//! The import of tempesta-test's real `tests_config.ini.sample` (testdata/ini/README.md says
//! where it comes from): the result parses as a test-bed file and carries the sample's values.

use std::path::Path;

use tfw_testbed::file::import::{import, read_ini};
use tfw_testbed::file::{TargetKind, Testbed};

const SAMPLE: &str = include_str!("../testdata/ini/tests_config.ini.sample");

#[test]
fn the_sample_reads_as_configparser_reads_it() {
    let sections = read_ini("tests_config.ini.sample", SAMPLE).unwrap();
    let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["General", "Client", "Tempesta", "Server", "TFW_Logger"]
    );
    let tempesta = &sections[2];
    let get = |k: &str| {
        tempesta
            .entries
            .iter()
            .find(|(key, _, _)| key == k)
            .map(|(_, v, _)| v.as_str())
    };
    assert_eq!(get("srcdir"), Some("/root/tempesta"));
    assert_eq!(get("interfaces"), Some(""));
}

#[test]
fn the_imported_sample_is_a_valid_testbed_with_its_values() {
    let toml = import("tests_config.ini.sample", SAMPLE).unwrap();
    let tb = Testbed::parse("imported.toml", &toml, Path::new("/tmp"))
        .unwrap_or_else(|e| panic!("{e}\n{toml}"));
    assert_eq!(
        tb.tempesta.kind,
        Some(TargetKind::Tempesta {
            srcdir: "/root/tempesta".into(),
            config: "tempesta.conf".into(),
            config_file: None,
            interfaces: String::new(),
        })
    );
    for (_, h) in tb.roles() {
        assert_eq!(h.hostname, "localhost");
        assert_eq!(h.ip, "127.0.0.1");
    }
    assert_eq!(tb.tempesta.workdir, "/tmp/tempesta");
    assert_eq!(tb.client.workdir, "/tmp/client");
    assert_eq!(tb.server.workdir, "/tmp/nginx");
    let v = tb.vars();
    let want = [
        ("general_ip", "127.0.0.1"),
        ("general_ipv6", "::1"),
        ("general_verbose", "1"),
        ("general_duration", "10"),
        ("general_log_file", "tests_log.txt"),
        ("general_workdir", "/tmp/host"),
        ("client_ab", "ab"),
        ("client_tls-perf", "tls-perf"),
        ("tempesta_tmp_config", "tempesta_tmp.conf"),
        ("tempesta_unavailable_timeout", "300"),
        ("tempesta_kind", "tempesta"),
        ("server_nginx", "nginx"),
        ("server_resources", "/var/www/html/"),
        ("server_aliases_base_ip", "192.168.10.1"),
        ("server_max_workers", "16"),
        ("tfw_logger_clickhouse_http_port", "8123"),
        ("tfw_logger_daemon_log", "/tmp/tfw_logger.log"),
    ];
    for (k, val) in want {
        assert_eq!(v.get(k).map(String::as_str), Some(val), "{k}\n{toml}");
    }
    // Empty values are dropped (`interfaces =`, `clickhouse_password =`).
    assert!(!toml.contains("clickhouse_password"), "{toml}");
    // Numbers stay numbers, the rest strings.
    assert!(toml.contains("\nmax_workers = 16\n"), "{toml}");
    assert!(toml.contains("\nip = \"127.0.0.1\"\n"), "{toml}");
    // The comments of the INI are not carried over; its keys are, each once.
    assert_eq!(toml.matches("\nnginx = ").count(), 1);
}

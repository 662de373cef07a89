//! parse_stub_status on a real nginx's /status page (tools/peers/nginx-ctl.sh, stub_status
//! on; started on free ports and stopped by the script).

mod target_support;

use std::process::Command;
use std::time::Duration;
use target_support::NginxTarget;
use tfw_testbed::counters::parse_stub_status;
use tfw_testbed::target::probe;

fn ctl(n: &NginxTarget, action: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(n.ctl(action))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nginx-ctl.sh {action}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn real_stub_status_page() {
    let n = NginxTarget::new();
    ctl(&n, "start");
    let url = format!("http://127.0.0.1:{}/status", n.http);
    probe::wait_ready(&url, Duration::from_secs(20)).unwrap();
    let (code, body) = probe::get(&url, Duration::from_secs(10)).unwrap();
    assert_eq!(code, 200);
    let page = String::from_utf8(body).unwrap();
    let c = parse_stub_status(&page).unwrap_or_else(|e| panic!("{e}\n{page}"));
    assert!(c.unknown.is_empty(), "{page}");
    let names: Vec<&str> = c.entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["active", "accepts", "handled", "requests", "reading", "writing", "waiting"]
    );
    let get = |n: &str| c.entries.iter().find(|e| e.name == n).unwrap();
    // This very request is being written while nginx renders the page.
    assert!(
        get("active").value >= 1 && get("writing").value >= 1,
        "{page}"
    );
    assert!(get("requests").value >= 1);
    assert_eq!(get("accepts").value, get("handled").value);
    let gauges: Vec<&str> = c
        .entries
        .iter()
        .filter(|e| !e.counter)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(gauges, ["active", "reading", "writing", "waiting"]);
    ctl(&n, "stop");
    // Stopped by the script: the port no longer answers.
    assert!(probe::get(&url, Duration::from_secs(2)).is_err());
}

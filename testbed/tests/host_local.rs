//! The local host (`hostname = "localhost"`): the same checks as over SSH (ssh_exec.rs),
//! through std::process and std::fs.

#[path = "support/host_cases.rs"]
mod host_cases;

use std::time::Duration;
use tfw_testbed::file::HostSpec;
use tfw_testbed::host::{connect, ConnectOptions, Host};

fn local() -> Box<dyn Host> {
    let spec = HostSpec {
        ip: "127.0.0.1".into(),
        hostname: "localhost".into(),
        port: 22,
        user: String::new(),
        ssh_key: None,
    };
    let opts = ConnectOptions {
        known_hosts: "/nonexistent/known_hosts".into(),
        accept_new_host_key: false,
        connect_timeout: Duration::from_secs(1),
    };
    let h = connect(&spec, &opts).expect("the local host needs no connection");
    assert_eq!(h.name(), "localhost");
    h
}

fn scratch(name: &str) -> String {
    let d = std::env::temp_dir().join(format!("tfw-host-local-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.display().to_string()
}

#[test]
fn local_exec_streams_and_status() {
    host_cases::exec_streams_and_status(local().as_mut());
}

#[test]
fn local_hostile_arguments_stay_literal() {
    host_cases::hostile_arguments_stay_literal(local().as_mut());
}

#[test]
fn local_env_and_cwd() {
    let d = scratch("env");
    host_cases::env_and_cwd(local().as_mut(), &d);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn local_timeout_kills_the_process_group() {
    let d = scratch("timeout");
    host_cases::timeout_kills_the_process_group(local().as_mut(), &d);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn local_upload_download() {
    let d = scratch("files");
    host_cases::upload_download(local().as_mut(), &d);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn local_download_procfs() {
    host_cases::download_procfs(local().as_mut());
}

#[test]
fn local_leftover_process_does_not_hold_the_command() {
    let d = scratch("leftover");
    host_cases::leftover_process_does_not_hold_the_command(local().as_mut(), &d);
    std::fs::remove_dir_all(&d).unwrap();
}

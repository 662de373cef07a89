//! What the Target tests share: a test-bed built in code (no file parser needed), a
//! temporary "srcdir" holding the Tempesta stand-in (testdata/standin, documented there as a
//! stand-in), and an nginx command target run by tools/peers/nginx-ctl.sh on free ports.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tfw_testbed::file::{General, HostRole, HostSpec, TargetKind, TargetRole, Testbed};
use tfw_testbed::target::{Target, TempestaPaths};

pub fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the temp dir.
pub fn temp_dir(what: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "tfw-target-{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn local_spec() -> HostSpec {
    HostSpec {
        ip: "127.0.0.1".into(),
        hostname: "localhost".into(),
        port: 22,
        user: "root".into(),
        ssh_key: None,
    }
}

/// A test-bed whose target is `kind` on `host`, workdir `workdir`.
pub fn testbed(host: HostSpec, known_hosts: &Path, workdir: &Path, kind: TargetKind) -> Testbed {
    Testbed {
        source: "test-bed (built by the test)".into(),
        general: General {
            known_hosts: known_hosts.to_path_buf(),
            connect_timeout: Duration::from_secs(10),
            command_timeout: Duration::from_secs(30),
            ready_timeout: Duration::from_secs(20),
            dmesg_ignore: Vec::new(),
        },
        client: HostRole {
            host: local_spec(),
            workdir: "/tmp/client".into(),
        },
        tempesta: TargetRole {
            host,
            workdir: workdir.display().to_string(),
            kind: Some(kind),
        },
        server: HostRole {
            host: local_spec(),
            workdir: "/tmp/server".into(),
        },
        extra: Default::default(),
    }
}

/// A copy of the stand-in tempesta.sh in a temporary srcdir, with `perfstat` (a file of
/// testdata/perfstat) as its perfstat.sample.
pub fn standin_srcdir(perfstat: &str) -> PathBuf {
    let src = temp_dir("srcdir");
    std::fs::create_dir_all(src.join("scripts")).unwrap();
    let script = src.join("scripts/tempesta.sh");
    std::fs::copy(
        manifest().join("testdata/standin/scripts/tempesta.sh"),
        &script,
    )
    .unwrap();
    std::fs::copy(
        manifest().join("testdata/perfstat").join(perfstat),
        src.join("perfstat.sample"),
    )
    .unwrap();
    src
}

pub fn tempesta_kind(srcdir: &Path) -> TargetKind {
    TargetKind::Tempesta {
        srcdir: srcdir.display().to_string(),
        config: "tempesta.conf".into(),
        config_file: None,
        interfaces: String::new(),
    }
}

/// Serialises the stand-in scenarios of one test binary: each waits for "Tempesta FW is
/// ready" after its own mark, and another stand-in's ready line in that window would be
/// taken for its own (one real Tempesta per host has no such neighbour).
pub fn standin_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Points the target at the stand-in's state and perfstat files.
pub fn use_standin_paths(t: &mut Target, srcdir: &Path) {
    t.paths = TempestaPaths {
        perfstat: srcdir.join("run/perfstat").display().to_string(),
        state: srcdir.join("run/state").display().to_string(),
    };
}

/// An nginx (tools/peers/nginx-ctl.sh) as a command target; Drop stops it by the script
/// (its pid file), whatever the test did.
pub struct NginxTarget {
    pub run: PathBuf,
    pub http: u16,
    pub tls: u16,
}

impl NginxTarget {
    pub fn new() -> NginxTarget {
        NginxTarget {
            run: temp_dir("nginx"),
            http: free_port(),
            tls: free_port(),
        }
    }

    /// `nginx-ctl.sh ACTION` with this instance's environment, as shell text.
    pub fn ctl(&self, action: &str) -> String {
        let script = manifest().join("../tools/peers/nginx-ctl.sh");
        format!(
            "PEERS_RUN='{}' HTTP_PORT={} TLS_PORT={} '{}' {action}",
            self.run.display(),
            self.http,
            self.tls,
            script.canonicalize().unwrap().display()
        )
    }

    pub fn kind(&self) -> TargetKind {
        TargetKind::Command {
            start: self.ctl("start"),
            stop: self.ctl("stop"),
            reload: Some(self.ctl("reload")),
            status: Some(self.ctl("status")),
            ready_url: Some(format!("http://127.0.0.1:{}/", self.http)),
            stats_url: Some(format!("http://127.0.0.1:{}/status", self.http)),
            config: None,
            config_file: None,
        }
    }
}

impl Drop for NginxTarget {
    fn drop(&mut self) {
        let _ = std::process::Command::new("sh")
            .arg("-c")
            .arg(self.ctl("stop"))
            .output();
        let _ = std::fs::remove_dir_all(&self.run);
    }
}
pub mod scenarios;

//! A real OpenSSH sshd for the tests, on 127.0.0.1 at a free port, with a host key and a user
//! key the test generates (never the machine's own): what tfw-bench's SSH code is tested
//! against. Needs root (sshd's privilege separation) and /usr/sbin/sshd (Debian's
//! openssh-server, installed by tools/test.sh). Used by other crates' tests through
//! `#[path = "../../testbed/tests/support/sshd.rs"] mod sshd;`, so std only.
//!
//! `Sshd::start()` panics with a clear message when sshd cannot run; `Sshd::start_or_skip()`
//! returns None (printing "skipped: ...") instead, except under CI (env `CI` set), where a
//! missing sshd or root is a failure: tests must not silently skip there. Drop stops the
//! sshd by its pid and removes its directory.

#![allow(dead_code)]

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";
/// Bound on sshd accepting connections after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Sshd {
    pub port: u16,
    /// Everything of this sshd: keys, config, pid file, log, the test-bed's workdir.
    pub dir: PathBuf,
    /// The user's private key (mode 0600; its public half is in authorized_keys).
    pub user_key: PathBuf,
    /// A known_hosts file with this sshd's host key: `[127.0.0.1]:PORT ssh-ed25519 ...`.
    pub known_hosts: PathBuf,
    /// The host key's public line without comment: `ssh-ed25519 AAAA...`.
    pub host_key_pub: String,
    /// All host keys' public lines, `host_key_pub` first (more than one with
    /// [`Sshd::start_or_skip_with_host_keys`]).
    pub host_key_pubs: Vec<String>,
    /// The user sshd lets in (this process's user).
    pub user: String,
    child: Child,
}

/// Why sshd cannot run here, if it cannot.
fn missing_prerequisite() -> Option<String> {
    if !Path::new(SSHD).exists() {
        return Some(format!("{SSHD} not found (apt-get install openssh-server)"));
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("sshd tests need root (sshd privilege separation)".into());
    }
    if Command::new("ssh-keygen").arg("-?").output().is_err() {
        return Some("ssh-keygen not found (apt-get install openssh-client)".into());
    }
    None
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("sshd harness: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "sshd harness: {cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `ssh-keygen -t ed25519 -N '' -q -f path`; returns the public line without comment.
pub fn keygen(path: &Path) -> String {
    keygen_type(path, "ed25519")
}

/// `ssh-keygen -t TYPE -N '' -q -f path`; returns the public line without comment.
pub fn keygen_type(path: &Path, key_type: &str) -> String {
    run(Command::new("ssh-keygen")
        .args(["-t", key_type, "-N", "", "-q", "-C", "tfw-bench-test", "-f"])
        .arg(path)
        .stdin(Stdio::null()));
    let mut pub_file = path.as_os_str().to_owned();
    pub_file.push(".pub");
    public_line(Path::new(&pub_file))
}

/// `type base64` of a public key file.
fn public_line(pub_file: &Path) -> String {
    let text = std::fs::read_to_string(pub_file)
        .unwrap_or_else(|e| panic!("sshd harness: {}: {e}", pub_file.display()));
    text.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn current_user() -> String {
    run(Command::new("id").arg("-un")).trim().to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("sshd harness: no free port")
        .port()
}

/// A TOML basic string.
pub fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unique_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "tfw-sshd-{}-{}-{nanos}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

impl Sshd {
    /// Starts sshd; panics with the reason if it cannot.
    pub fn start() -> Sshd {
        if let Some(why) = missing_prerequisite() {
            panic!("sshd harness: {why}");
        }
        Sshd::start_checked()
    }

    /// Starts sshd, or prints "skipped: ..." and returns None when this machine cannot run it
    /// (not root, no sshd) — except under CI, where that is a failure.
    pub fn start_or_skip() -> Option<Sshd> {
        match missing_prerequisite() {
            None => Some(Sshd::start_checked()),
            Some(why) if std::env::var_os("CI").is_some() => {
                panic!("sshd harness: {why} (CI is set: the sshd tests must run)")
            }
            Some(why) => {
                println!("skipped: {why}");
                eprintln!("skipped: {why}");
                None
            }
        }
    }

    /// As [`Sshd::start_or_skip`], with host keys of these types (ssh-keygen -t names, e.g.
    /// `["ed25519", "ecdsa"]`), all offered by sshd; known_hosts holds the first one only.
    pub fn start_or_skip_with_host_keys(types: &[&str]) -> Option<Sshd> {
        match missing_prerequisite() {
            None => Some(Sshd::start_keys(types)),
            Some(why) if std::env::var_os("CI").is_some() => {
                panic!("sshd harness: {why} (CI is set: the sshd tests must run)")
            }
            Some(why) => {
                println!("skipped: {why}");
                None
            }
        }
    }

    fn start_checked() -> Sshd {
        Sshd::start_keys(&["ed25519"])
    }

    fn start_keys(types: &[&str]) -> Sshd {
        let dir = unique_dir();
        std::fs::create_dir_all(dir.join("work")).expect("sshd harness: temp dir");
        let user_key = dir.join("user_ed25519");
        let mut host_key_lines = String::new();
        let mut host_key_pubs = Vec::new();
        for t in types {
            let path = dir.join(format!("host_{t}"));
            host_key_pubs.push(keygen_type(&path, t));
            host_key_lines.push_str(&format!("HostKey {}\n", path.display()));
        }
        let host_key_pub = host_key_pubs[0].clone();
        let user_pub = keygen(&user_key);
        std::fs::write(dir.join("authorized_keys"), format!("{user_pub}\n")).unwrap();
        // sshd's privilege separation directory (Debian's service creates it at boot).
        let _ = std::fs::create_dir_all("/run/sshd");
        let user = current_user();
        let mut last_log = String::new();
        // A free port can be taken between our probe and sshd's bind: a few tries.
        for _ in 0..5 {
            let port = free_port();
            let cfg = dir.join("sshd_config");
            std::fs::write(
                &cfg,
                format!(
                    "ListenAddress 127.0.0.1\nPort {port}\n{host_key_lines}PidFile {dir}/sshd.pid\n\
                     AuthorizedKeysFile {dir}/authorized_keys\nStrictModes no\n\
                     PubkeyAuthentication yes\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n\
                     UsePAM no\nUseDNS no\nSubsystem sftp internal-sftp\nLogLevel VERBOSE\n\
                     AllowUsers {user}\n",
                    dir = dir.display(),
                ),
            )
            .unwrap();
            let log = dir.join("sshd.log");
            let log_file = std::fs::File::create(&log).unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(&cfg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("sshd harness: cannot start {SSHD}: {e}"));
            let t0 = Instant::now();
            let mut up = false;
            while t0.elapsed() < START_TIMEOUT {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    up = true;
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if up {
                let known_hosts = dir.join("known_hosts");
                std::fs::write(&known_hosts, format!("[127.0.0.1]:{port} {host_key_pub}\n"))
                    .unwrap();
                return Sshd {
                    port,
                    dir,
                    user_key,
                    known_hosts,
                    host_key_pub,
                    host_key_pubs,
                    user,
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!("sshd harness: sshd did not start; its log:\n{last_log}");
    }

    /// This sshd's known_hosts line for `key_pub` (`type base64`): `[127.0.0.1]:PORT type b64`.
    pub fn known_hosts_line(&self, key_pub: &str) -> String {
        format!("[127.0.0.1]:{} {}", self.port, key_pub)
    }

    /// A freshly generated ed25519 public key (`type base64`) that is not this sshd's host key:
    /// for a known_hosts that expects another key (the changed-key test).
    pub fn other_host_key(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = self.dir.join(format!(
            "other_ed25519_{}",
            N.fetch_add(1, Ordering::SeqCst)
        ));
        keygen(&path)
    }

    /// Writes `lines` (each with a newline) to `dir/name` and returns its path.
    pub fn write_file(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        path
    }

    /// The listening sshd's pid (its per-connection processes are its children).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// sshd's log so far (for assertion messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// A full test-bed file for this sshd: the target (`[tempesta]`) over SSH with the test's
    /// key and known_hosts, `workdir` = `dir/work`, then `tempesta_extra` lines (e.g.
    /// `kind = "command"`); client and server local.
    pub fn testbed_toml(&self, tempesta_extra: &str) -> String {
        format!(
            "[general]\nknown_hosts = {kh}\n\n\
             [tempesta]\nip = \"127.0.0.1\"\nhostname = \"127.0.0.1\"\nport = {port}\n\
             user = {user}\nssh_key = {key}\nworkdir = {work}\n{extra}\n\n\
             [client]\nhostname = \"localhost\"\n\n[server]\nhostname = \"localhost\"\n",
            kh = toml_str(&self.known_hosts.display().to_string()),
            port = self.port,
            user = toml_str(&self.user),
            key = toml_str(&self.user_key.display().to_string()),
            work = toml_str(&self.dir.join("work").display().to_string()),
            extra = tempesta_extra,
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        // Our own child, by pid (Child::kill is SIGKILL to exactly that pid).
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

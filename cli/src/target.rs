//! The built-in target as a child process, for `stress` without a URL.
//!
//! A child, not threads: the hard RLIMIT_NOFILE (20000 here) cannot hold 10,000 client and
//! 10,000 server sockets in one process. The child runs `tfw-bench serve` pinned to its own CPU,
//! announces its address on stdout, and exits when its stdin closes, so it never outlives us.

use anyhow::{anyhow, bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use tfw_reports::banner::Served;

pub struct ChildTarget {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    pub addr: SocketAddr,
    pub cpu: usize,
}

impl ChildTarget {
    /// Starts the built-in target on `cpu` with more `serve` options (`--delay 2ms`, ...).
    pub fn start_with(cpu: usize, serve_args: &[&str]) -> Result<ChildTarget> {
        let exe = std::env::current_exe().context("cannot find the tfw-bench executable")?;
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--announce",
                "--exit-on-stdin-eof",
            ])
            .args(["--cpus", &cpu.to_string()])
            .args(serve_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the built-in target")?;
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .context("built-in target: no announcement")?;
        let addr = match line.trim().strip_prefix("listening ") {
            Some(a) => a
                .parse()
                .with_context(|| format!("built-in target announced {line:?}"))?,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                bail!(
                    "the built-in target did not start (it said {:?})",
                    line.trim()
                );
            }
        };
        Ok(ChildTarget {
            child,
            stdin,
            stdout,
            addr,
            cpu,
        })
    }

    /// Asks the child to exit (closes its stdin), reads its counts (its last line, see
    /// `tfw_reports::banner::served_line`), and reaps it; kills it if it does not exit within
    /// 5 s.
    pub fn stop(mut self) -> Result<Served> {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.child.try_wait()?.is_some() {
                break;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                bail!("the built-in target did not exit; killed it");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut served = Served::default();
        let mut line = String::new();
        while self.stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if let Some(s) = Served::from_line(&line) {
                served = s;
            }
            line.clear();
        }
        Ok(served)
    }
}

impl Drop for ChildTarget {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

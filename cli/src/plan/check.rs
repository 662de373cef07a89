//! `tfw-bench check`'s options -> a validated `CheckPlan`: the check files (or the built-in
//! smoke pack with its variables from `--smoke URL --backend HOST:PORT`) loaded by
//! `tfw_scenarios::check` with the run-wide overrides, then the run settings (parallel
//! cases, CPU, I/O path). Every error is one line; a bad check file names file, line and key.

use super::io_mode;
use crate::cli::check::{CheckOpts, ProfileArg};
use crate::parse;
use anyhow::{bail, Context, Result};
use std::net::{SocketAddr, ToSocketAddrs};
use tfw_engine::check::{CheckPlan, Profile, Segmenting};
use tfw_engine::cpu;
use tfw_scenarios::check::{load_paths, load_sources, LoadOptions, Vars};
use tfw_scenarios::{Scheme, Target};

/// The most cases `--parallel` may run at once (each holds a few connections).
const MAX_PARALLEL: usize = 4096;
/// The largest `-T` (a bigger segment is no segmenting at all).
const MAX_SEGMENT: usize = 1 << 20;

/// A run, ready: the plan and how to print it.
#[derive(Debug)]
pub struct CheckRun {
    pub plan: CheckPlan,
    /// List the cases that passed too.
    pub verbose: bool,
}

pub fn profile(p: ProfileArg) -> Profile {
    match p {
        ProfileArg::Tempesta => Profile::Tempesta,
        ProfileArg::Nginx => Profile::Nginx,
        ProfileArg::Generic => Profile::Generic,
    }
}

/// The smoke pack's variables: `proxy` (the URL's address, resolved), `backend` (where the
/// checker's backend listens), `tls` and `h2` (`true` for https://: nginx and most proxies
/// speak HTTP/2 only over TLS, by ALPN).
pub fn smoke_vars(url: &str, backend: &str, vars: &mut Vars) -> Result<()> {
    let target = Target::parse(url).context("--smoke")?;
    if target.path_and_query != "/" {
        bail!("--smoke {url}: give the proxy's address only (http[s]://HOST[:PORT]); the pack chooses its own paths");
    }
    let proxy = target.resolve().context("--smoke")?;
    let backend = resolve_backend(backend)?;
    let tls = target.scheme == Scheme::Https;
    vars.set("proxy", &proxy.to_string());
    vars.set("backend", &backend.to_string());
    vars.set("tls", if tls { "true" } else { "false" });
    vars.set("h2", if tls { "true" } else { "false" });
    Ok(())
}

fn resolve_backend(s: &str) -> Result<SocketAddr> {
    let mut addrs = s
        .to_socket_addrs()
        .with_context(|| format!("--backend {s}: expected HOST:PORT"))?;
    let addr = addrs
        .next()
        .with_context(|| format!("--backend {s}: the name has no address"))?;
    if addr.port() == 0 {
        bail!("--backend {s}: give the port the proxy forwards to");
    }
    Ok(addr)
}

/// The load options the flags ask for.
fn load_options(o: &CheckOpts) -> Result<LoadOptions> {
    let mut vars = match &o.testbed {
        Some(path) => Vars::from_testbed(path)?,
        None => Vars::defaults(),
    };
    if let (Some(url), Some(backend)) = (&o.smoke, &o.backend) {
        smoke_vars(url, backend, &mut vars)?;
    }
    let segmenting = match o.segment_size {
        None => None,
        Some(size) if size > MAX_SEGMENT => {
            bail!("-T/--segment-size {size}: at most {MAX_SEGMENT} bytes (0: off)")
        }
        Some(size) => {
            let gap = match &o.segment_gap {
                Some(g) => parse::duration(g).context("--segment-gap")?,
                None => std::time::Duration::ZERO,
            };
            if gap > std::time::Duration::from_secs(1) {
                bail!("--segment-gap must be at most 1s (every message waits it per segment)");
            }
            Some(Segmenting { size, gap })
        }
    };
    let timeout = match &o.timeout {
        Some(t) => {
            let d = parse::duration(t).context("--timeout")?;
            if d.is_zero() {
                bail!("--timeout must be greater than zero");
            }
            Some(d)
        }
        None => None,
    };
    Ok(LoadOptions {
        vars,
        segmenting,
        profile: o.profile.map(profile),
        timeout,
    })
}

pub fn check_plan(o: &CheckOpts) -> Result<CheckRun> {
    if o.backend.is_some() && o.smoke.is_none() {
        bail!("--backend names the smoke pack's backend: give --smoke URL too (check files name their own backends)");
    }
    if o.parallel == 0 || o.parallel > MAX_PARALLEL {
        bail!("--parallel must be between 1 and {MAX_PARALLEL}");
    }
    if let Some(c) = o.cpu {
        if !cpu::allowed_cpus().contains(&c) {
            bail!("--cpu {c}: this process may not run on CPU {c}");
        }
    }
    let opts = load_options(o)?;
    let mut plan = if o.smoke.is_some() {
        load_sources(&tfw_scenarios::smoke::pack(), &opts).context("the built-in smoke pack")?
    } else {
        load_paths(&o.paths, &opts)?
    };
    if plan.cases.is_empty() {
        bail!("no cases to run");
    }
    plan.parallel = o.parallel;
    plan.cpu = o.cpu;
    plan.io = io_mode(o.io);
    Ok(CheckRun {
        plan,
        verbose: o.verbose,
    })
}

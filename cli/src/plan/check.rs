//! `tfw-bench check`'s options -> a validated `CheckPlan`: the check files (or the built-in
//! smoke pack with its variables from `--smoke URL --backend HOST:PORT`) loaded by
//! `tfw_scenarios::check` with the run-wide overrides, then the run settings (parallel
//! cases, CPU, I/O path). Every error is one line; a bad check file names file, line and key.
//! With a `--testbed` whose `[tempesta]` names a kind, the cases are grouped by the target
//! config their files carry (`[target]`), each group restarted into by the driver.

use super::io_mode;
use crate::cli::check::{CheckOpts, ProfileArg};
use crate::cli::target::TargetOpts;
use crate::parse;
use anyhow::{bail, Context, Result};
use std::net::{SocketAddr, ToSocketAddrs};
use tfw_engine::check::{CheckPlan, Profile, Segmenting};
use tfw_engine::cpu;
use tfw_scenarios::check::{load_path_groups, load_sources, LoadOptions, TargetGroup, Vars};
use tfw_scenarios::{Scheme, Target};

/// The most cases `--parallel` may run at once (each holds a few connections).
const MAX_PARALLEL: usize = 4096;
/// The largest `-T` (a bigger segment is no segmenting at all).
const MAX_SEGMENT: usize = 1 << 20;

/// A run, ready: the plans and how to print them.
#[derive(Debug)]
pub struct CheckRun {
    /// One group per target config (the files without one first); without target control,
    /// one group (config None) with every case.
    pub groups: Vec<TargetGroup>,
    /// List the cases that passed too.
    pub verbose: bool,
    /// The test-bed's target to control (its file names a kind).
    pub control: Option<TargetOpts>,
}

/// The template values of `--testbed` and whether its target is to be controlled: a file
/// whose `[tempesta]` has no `kind` is read as before (every scalar a value); one with a kind
/// is a test-bed file proper (`tfw_testbed::file`).
fn testbed_vars(o: &CheckOpts) -> Result<(Vars, Option<TargetOpts>)> {
    let Some(path) = &o.testbed else {
        return Ok((Vars::defaults(), None));
    };
    let plain = Vars::from_testbed(path);
    if let Ok(v) = &plain {
        if v.get("tempesta_kind").is_none() {
            return Ok((plain?, None));
        }
    }
    let tb = tfw_testbed::file::Testbed::load(path)?;
    if tb.tempesta.kind.is_none() {
        return Ok((plain?, None));
    }
    let mut vars = Vars::defaults();
    for (k, v) in tb.vars() {
        vars.set(&k, &v);
    }
    let control = TargetOpts {
        testbed: Some(path.clone()),
        target_config: o.target_config.clone(),
        reload_every: o.reload_every.clone(),
        accept_new_host_key: o.accept_new_host_key,
    };
    Ok((vars, Some(control)))
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
fn load_options(o: &CheckOpts, mut vars: Vars) -> Result<LoadOptions> {
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
    let (vars, control) = testbed_vars(o)?;
    if control.is_none() && (o.target_config.is_some() || o.reload_every.is_some()) {
        bail!("--target-config and --reload-every need a --testbed whose [tempesta] names a kind (a target to control)");
    }
    let opts = load_options(o, vars)?;
    let mut groups = if o.smoke.is_some() {
        let plan = load_sources(&tfw_scenarios::smoke::pack(), &opts)
            .context("the built-in smoke pack")?;
        let mut g = TargetGroup::new(None);
        g.plan = plan;
        vec![g]
    } else if control.is_some() {
        let mut groups = load_path_groups(&o.paths, &opts)?;
        // The files without a config of their own first: they run on the target as started.
        groups.sort_by_key(|g| g.config.is_some());
        groups
    } else {
        let mut g = TargetGroup::new(None);
        g.plan = tfw_scenarios::check::load_paths(&o.paths, &opts)?;
        vec![g]
    };
    if groups.iter().all(|g| g.plan.cases.is_empty()) {
        bail!("no cases to run");
    }
    for g in &mut groups {
        let plan: &mut CheckPlan = &mut g.plan;
        plan.parallel = o.parallel;
        plan.cpu = o.cpu;
        plan.io = io_mode(o.io);
    }
    Ok(CheckRun {
        groups,
        verbose: o.verbose,
        control,
    })
}

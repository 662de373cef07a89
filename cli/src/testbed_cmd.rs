//! `tfw-bench testbed defaults|import|check`: the test-bed file's commented defaults, the
//! import of a tempesta-test `tests_config.ini`, and the check that every host answers and
//! has what its role needs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use tfw_testbed::file::defaults::default_text;
use tfw_testbed::file::deps::{missing_on, needs, report_line, Missing};
use tfw_testbed::file::{import::import, Testbed};
use tfw_testbed::host::{self, ConnectOptions, Host};

use crate::cli::exit;
use crate::cli::testbed_cmd::{TestbedCommand, TestbedOpts};

pub fn run(o: TestbedOpts) -> Result<i32> {
    match o.command {
        TestbedCommand::Defaults => {
            print!("{}", default_text());
            Ok(0)
        }
        TestbedCommand::Import { ini, output, force } => run_import(&ini, output.as_deref(), force),
        TestbedCommand::Check {
            file,
            accept_new_host_key,
        } => check(&file, accept_new_host_key),
    }
}

fn run_import(ini: &Path, output: Option<&Path>, force: bool) -> Result<i32> {
    let name = ini.display().to_string();
    let text = std::fs::read_to_string(ini).with_context(|| format!("{name}: cannot read"))?;
    let toml = import(&name, &text)?;
    // What is written must read back: check it as it will be read, from where it will be.
    let (out_name, dir) = match output {
        Some(p) => (
            p.display().to_string(),
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf(),
        ),
        None => ("<stdout>".to_string(), std::path::PathBuf::from(".")),
    };
    Testbed::parse(&out_name, &toml, &dir)
        .with_context(|| format!("{name}: the imported test-bed file is not valid"))?;
    match output {
        None => std::io::stdout().write_all(toml.as_bytes())?,
        Some(p) => {
            if p.exists() && !force {
                bail!("{out_name}: exists; give --force to replace it");
            }
            std::fs::write(p, &toml).with_context(|| format!("{out_name}: cannot write"))?;
            eprintln!("tfw-bench: wrote {out_name}");
        }
    }
    Ok(0)
}

/// The identity of an SSH login: roles that share one share the connection.
type HostKey = (String, u16, String, Option<std::path::PathBuf>);

fn check(file: &Path, accept_new_host_key: bool) -> Result<i32> {
    let tb = Testbed::load(file)?;
    let opts = ConnectOptions {
        known_hosts: tb.general.known_hosts.clone(),
        accept_new_host_key,
        connect_timeout: tb.general.connect_timeout,
    };
    let mut hosts: BTreeMap<HostKey, Result<Box<dyn Host>, String>> = BTreeMap::new();
    let (mut unreachable, mut missing) = (false, false);
    for need in needs(&tb) {
        let h = &need.host;
        let key = (
            h.hostname.clone(),
            h.port,
            h.user.clone(),
            h.ssh_key.clone(),
        );
        let conn = hosts
            .entry(key)
            .or_insert_with(|| host::connect(h, &opts).map_err(|e| e.to_string()));
        let result: Result<Missing, String> = match conn {
            Err(e) => Err(e.clone()),
            Ok(host) => missing_on(host.as_mut(), &need, tb.general.command_timeout)
                .map_err(|e| e.to_string()),
        };
        match &result {
            Err(_) => unreachable = true,
            Ok(m) if !m.is_empty() => missing = true,
            Ok(_) => {}
        }
        println!("{}", report_line(&need, &result));
    }
    Ok(if unreachable {
        exit::SETUP
    } else if missing {
        exit::FAILED
    } else {
        0
    })
}

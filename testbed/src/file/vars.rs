//! `${section_key}` template values of a test-bed file: every key of every section, the
//! defaults applied, named as `tfw-bench check` names them (`[tempesta] ip` is
//! `tempesta_ip`; a key outside any section is its own name).

use std::collections::BTreeMap;

use super::defaults;
use super::model::{HostSpec, TargetKind, Testbed};
use super::value::format_duration;

pub(super) fn vars(tb: &Testbed) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let mut set = |section: &str, key: &str, value: &str| {
        let name = if section.is_empty() {
            key.to_string()
        } else {
            format!("{section}_{key}")
        };
        v.insert(name, value.to_string());
    };
    let g = &tb.general;
    set(
        "general",
        "known_hosts",
        &g.known_hosts.display().to_string(),
    );
    set(
        "general",
        "connect_timeout",
        &format_duration(g.connect_timeout),
    );
    set(
        "general",
        "command_timeout",
        &format_duration(g.command_timeout),
    );
    set(
        "general",
        "ready_timeout",
        &format_duration(g.ready_timeout),
    );
    let mut host = |role: &str, h: &HostSpec, workdir: &str| {
        set(role, "ip", &h.ip);
        set(role, "hostname", &h.hostname);
        set(role, "port", &h.port.to_string());
        set(role, "user", &h.user);
        if let Some(k) = &h.ssh_key {
            set(role, "ssh_key", &k.display().to_string());
        }
        set(role, "workdir", workdir);
    };
    host("client", &tb.client.host, &tb.client.workdir);
    host("tempesta", &tb.tempesta.host, &tb.tempesta.workdir);
    host("server", &tb.server.host, &tb.server.workdir);
    // tempesta-test's defaults whatever the kind (its tests name ${tempesta_srcdir}).
    set("tempesta", "srcdir", defaults::SRCDIR);
    set("tempesta", "config", defaults::CONFIG);
    set("tempesta", "interfaces", defaults::INTERFACES);
    match &tb.tempesta.kind {
        None => {}
        Some(TargetKind::Tempesta {
            srcdir,
            config,
            config_file,
            interfaces,
        }) => {
            set("tempesta", "kind", "tempesta");
            set("tempesta", "srcdir", srcdir);
            set("tempesta", "config", config);
            set("tempesta", "interfaces", interfaces);
            if let Some(f) = config_file {
                set("tempesta", "config_file", &f.display().to_string());
            }
        }
        Some(TargetKind::Command {
            start,
            stop,
            reload,
            status,
            ready_url,
            stats_url,
            config,
            config_file,
        }) => {
            set("tempesta", "kind", "command");
            set("tempesta", "start", start);
            set("tempesta", "stop", stop);
            for (key, value) in [
                ("reload", reload),
                ("status", status),
                ("ready_url", ready_url),
                ("stats_url", stats_url),
                ("config", config),
            ] {
                if let Some(s) = value {
                    set("tempesta", key, s);
                }
            }
            if let Some(f) = config_file {
                set("tempesta", "config_file", &f.display().to_string());
            }
        }
    }
    for (section, keys) in &tb.extra {
        for (key, value) in keys {
            set(section, key, value);
        }
    }
    v
}

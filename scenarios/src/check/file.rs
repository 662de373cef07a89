//! One check file: its top-level tables (`[defaults]`, `[target]`, `[backends]`,
//! `[clients]`, `[[case]]`) read into the plan of its target config's group.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use tfw_engine::check::Profile;
use toml::de::DeTable;

use super::case::{cases, CaseCx};
use super::node::{Cx, Res, Tab};
use super::options::LoadOptions;
use super::peers::{backends, clients, Peers};
use super::source::Source;
use super::target::{target_config, TargetGroup};
use super::units;
use super::vars::Scope;

/// A case's timeout when neither `[defaults]` nor the case gives one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Adds file `name` (its `text`) to the group of its `[target]` config in `groups` (made if
/// new; with `split` false, always the first group); `names` holds the case names given out
/// so far.
pub(crate) fn add_file(
    name: &str,
    text: &str,
    opts: &LoadOptions,
    groups: &mut Vec<TargetGroup>,
    split: bool,
    names: &mut HashMap<String, (String, usize)>,
) -> Res<()> {
    let src = Source::new(name, text);
    let doc = DeTable::parse(text).map_err(|e| src.syntax(&e))?;
    let scope = Scope::new(&opts.vars);
    let cx = Cx {
        src: &src,
        scope: &scope,
    };
    let top = Tab::new(&cx, doc.get_ref(), doc.span(), String::new());

    let (mut timeout, mut profile, mut alone) = (DEFAULT_TIMEOUT, Profile::default(), false);
    if let Some(v) = top.get("defaults") {
        let d = v.table()?;
        if let Some(v) = d.get("timeout") {
            timeout = v.duration()?;
        }
        if let Some(v) = d.get("profile") {
            profile = units::profile(&v.string()?).map_err(|m| v.err(m))?;
        }
        if let Some(v) = d.get("alone") {
            alone = v.bool()?;
        }
        d.finish()?;
    }
    let dir = Path::new(name).parent().unwrap_or(Path::new(""));
    let config = target_config(&top, dir)?;
    let at = match groups.iter().position(|g| !split || g.config == config) {
        Some(i) => i,
        None => {
            groups.push(TargetGroup::new(config));
            groups.len() - 1
        }
    };
    let group = &mut groups[at];
    group.files.push(name.to_owned());
    let plan = &mut group.plan;
    let peers = Peers {
        backends: match top.get("backends") {
            Some(v) => backends(&v.table()?, &mut plan.backends, opts.segmenting)?,
            None => Vec::new(),
        },
        clients: match top.get("clients") {
            Some(v) => clients(&v.table()?, &mut plan.clients, opts.segmenting, dir)?,
            None => Vec::new(),
        },
    };
    let stem = Path::new(name)
        .file_stem()
        .map_or_else(|| name.to_owned(), |s| s.to_string_lossy().into_owned());
    let case_list = top.get("case");
    top.finish()?;
    let case_list =
        case_list.ok_or_else(|| top.err("case", "a check file needs at least one [[case]]"))?;
    let items = case_list.array()?;
    if items.is_empty() {
        return Err(case_list.err("a check file needs at least one [[case]]"));
    }
    let mut ccx = CaseCx {
        stem: &stem,
        peers: &peers,
        vars: &opts.vars,
        timeout,
        profile,
        alone,
        timeout_override: opts.timeout,
        profile_override: opts.profile,
        names,
    };
    for (i, item) in items.iter().enumerate() {
        cases(item, i + 1, &src, &mut ccx, &mut plan.cases)?;
    }
    Ok(())
}

//! `[[case]]` tables: a case's options and step lists, once per matrix combination, each
//! with its stable name, its marker and its values in scope.

use std::collections::HashMap;
use std::time::Duration;

use tfw_engine::check::{CasePlan, Profile};

use super::matrix::{axes, combos, Combo};
use super::node::{Cx, Res, Val};
use super::peers::Peers;
use super::source::Source;
use super::step::CaseSteps;
use super::units;
use super::vars::{Scope, Vars};

/// The file's `[defaults]` with the run's overrides, and what names and markers the run has
/// given out so far.
pub(crate) struct CaseCx<'a> {
    pub stem: &'a str,
    pub peers: &'a Peers,
    pub vars: &'a Vars,
    pub timeout: Duration,
    pub profile: Profile,
    pub alone: bool,
    /// `--timeout` / `--profile`: over every case's own.
    pub timeout_override: Option<Duration>,
    pub profile_override: Option<Profile>,
    /// Case names given out, with the file and line that gave them.
    pub names: &'a mut HashMap<String, (String, usize)>,
}

/// The cases of one `[[case]]` table `v` (the `index`-th, from 1), appended to `out`.
pub(crate) fn cases(
    v: &Val,
    index: usize,
    src: &Source,
    cx: &mut CaseCx,
    out: &mut Vec<CasePlan>,
) -> Res<()> {
    let v = v.with_cx(v.cx, format!("case[{index}]"));
    let t = v.table()?;
    let name_val = t.req("name")?;
    let name = name_val.string()?;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    {
        return Err(name_val.err(format!(
            "a case name is letters, digits, _, - and . only: {name:?}"
        )));
    }
    let (combos, axes) = match t.get("matrix") {
        None => (
            vec![Combo {
                label: String::new(),
                values: Vec::new(),
            }],
            Vec::new(),
        ),
        Some(m) => {
            let axes = axes(&m)?;
            (combos(&axes), axes)
        }
    };
    for combo in combos {
        let display = if combo.label.is_empty() {
            name.clone()
        } else {
            format!("{name}[{}]", combo.label)
        };
        let full = format!("{}.{display}", cx.stem);
        let line = src.line(name_val.span().start);
        if let Some((file, at)) = cx.names.get(&full) {
            return Err(name_val.err(format!("duplicate case name {full} (also at {file}:{at})")));
        }
        cx.names.insert(full.clone(), (src.name.to_owned(), line));
        let marker = format!("c{}", out.len());
        let mut scope = Scope::new(cx.vars);
        for (axis, value) in &combo.values {
            scope = scope.with(axis, value);
        }
        let scope = scope.with("marker", &marker);
        let ccx = Cx { src, scope: &scope };
        let case = one(&v.with_cx(&ccx, display), cx, full, src.name, marker)?;
        if let Some(unused) = axes.iter().find(|a| !scope.was_used(&a.name)) {
            return Err(unused.val.err(format!(
                "matrix axis {} is used by no ${{{}}}",
                unused.name, unused.name
            )));
        }
        out.push(case);
    }
    Ok(())
}

/// One combination of a case.
fn one(v: &Val, cx: &CaseCx, name: String, file: &str, marker: String) -> Res<CasePlan> {
    let t = v.table()?;
    t.get("name");
    t.get("matrix");
    let alone = t.get("alone").map_or(Ok(cx.alone), |v| v.bool())?;
    let timeout = t.get("timeout").map_or(Ok(cx.timeout), |v| v.duration())?;
    let profile = match t.get("profile") {
        None => cx.profile,
        Some(v) => units::profile(&v.string()?).map_err(|m| v.err(m))?,
    };
    let skip = t.get("skip").map(|v| v.string()).transpose()?;
    let enabled = t.get("enabled").map_or(Ok(true), |v| v.bool())?;
    let reason = t.get("disabled_reason").map(|v| v.string()).transpose()?;
    let mut steps = CaseSteps::new(cx.peers, alone);
    let setup = t.get("setup").map_or(Ok(Vec::new()), |v| steps.list(&v))?;
    let main = steps.list(&t.req("step")?)?;
    let cleanup = t
        .get("cleanup")
        .map_or(Ok(Vec::new()), |v| steps.list(&v))?;
    t.finish()?;
    if main.is_empty() {
        return Err(t.err("step", "a case needs at least one step"));
    }
    let skip = skip
        .or_else(|| (!enabled).then(|| reason.unwrap_or_else(|| "disabled".to_owned())))
        .or(steps.disabled);
    Ok(CasePlan {
        name,
        file: file.to_owned(),
        marker,
        alone,
        timeout: cx.timeout_override.unwrap_or(timeout),
        profile: cx.profile_override.unwrap_or(profile),
        skip,
        setup,
        steps: main,
        cleanup,
    })
}

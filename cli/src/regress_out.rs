//! The files a `regress` invocation leaves: summary.md (also printed on stdout), report.html
//! (comparison table, trend plots per scenario across the history, this invocation's latency
//! spectra), trends/*.svg|png, scenarios/<name>/ (`tfw-bench report`'s plots of the repeats),
//! and the exports asked for with `--export` (BMF; github-action-benchmark as two files, one
//! per direction). The run JSON files are already in `runs/`, written by the clients.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use tfw_reports::history::compare::{Direction, Metric};
use tfw_reports::history::db::History;
use tfw_reports::history::matrix::Scenario;
use tfw_reports::history::summary::{self, html_page, markdown, Outcome};
use tfw_reports::history::{export, job, trend};
use tfw_reports::report::{self, html, line_chart, LineChart, Run, Size};

/// An `--export FORMAT FILE`.
#[derive(Clone, Debug, PartialEq)]
pub enum Export {
    Bmf(PathBuf),
    Gab(PathBuf),
}

/// `["bmf", "a.json", "gab", "b.json"]` → exports.
pub fn parse_exports(v: &[String]) -> Result<Vec<Export>> {
    v.chunks(2)
        .map(|pair| match pair {
            [f, file] if f == "bmf" => Ok(Export::Bmf(file.into())),
            [f, file] if f == "gab" => Ok(Export::Gab(file.into())),
            [f, _] => bail!("--export {f:?}: unknown format (use bmf or gab)"),
            _ => bail!("--export needs FORMAT FILE"),
        })
        .collect()
}

/// The customBiggerIsBetter file beside a github-action-benchmark export: `x/y.json` →
/// `x/y.bigger.json` (`x/y` → `x/y.bigger.json`).
pub fn gab_bigger_path(p: &Path) -> PathBuf {
    let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
    let ext = p.extension().map(|s| s.to_string_lossy().into_owned());
    let name = format!(
        "{}.bigger.{}",
        stem.unwrap_or_else(|| "export".to_string()),
        ext.unwrap_or_else(|| "json".to_string())
    );
    p.with_file_name(name)
}

/// Writes every output file and prints the Markdown summary.
pub fn write_all(
    out: &Path,
    outcome: &Outcome,
    history: &History,
    scenarios: &[(Scenario, Vec<PathBuf>)],
    exports: &[Export],
) -> Result<()> {
    let md = markdown(outcome);
    print!("{md}");
    write(&out.join("summary.md"), md.as_bytes())?;
    let sections = scenario_sections(out, history, scenarios)?;
    write(
        &out.join("report.html"),
        html_page(outcome, &sections).as_bytes(),
    )?;
    let comparisons: Vec<_> = outcome
        .scenarios
        .iter()
        .flat_map(|s| s.comparisons.iter().cloned())
        .collect();
    for e in exports {
        match e {
            Export::Bmf(p) => {
                write(p, &serde_json::to_vec_pretty(&export::bmf(&comparisons))?)?;
                eprint!("{}", job::bmf_written(p));
            }
            Export::Gab(p) => {
                let bigger = gab_bigger_path(p);
                let smaller = export::gab(&comparisons, Direction::SmallerIsBetter);
                let big = export::gab(&comparisons, Direction::BiggerIsBetter);
                write(p, &serde_json::to_vec_pretty(&smaller)?)?;
                write(&bigger, &serde_json::to_vec_pretty(&big)?)?;
                eprint!("{}", job::gab_written(p, &bigger));
            }
        }
    }
    Ok(())
}

/// Per scenario that ran: its trend plots across the history (requests/s, latency, client
/// CPU), the latency spectrum of this invocation's repeats, and the full plots of those
/// repeats (`tfw-bench report`'s) in `scenarios/<name>/`. Plots are also written as SVG and
/// PNG in `trends/`. A plot that cannot be drawn becomes a note; the job goes on.
fn scenario_sections(
    out: &Path,
    history: &History,
    scenarios: &[(Scenario, Vec<PathBuf>)],
) -> Result<String> {
    let mut html = String::new();
    for (sc, run_files) in scenarios {
        if run_files.is_empty() {
            continue;
        }
        let key = sc.load_key();
        let series = |m: Metric| history.trend(&sc.name, &key, m.key());
        let (rps, p50, p99, cpu) = (
            series(Metric::Rps)?,
            series(Metric::P50)?,
            series(Metric::P99)?,
            series(Metric::Cpu)?,
        );
        let mut inner = String::new();
        if let Some(d) = &sc.description {
            inner.push_str(&html::note(d));
        }
        let charts = [
            ("rps", trend::throughput_chart(&sc.name, &rps)),
            ("latency", trend::latency_chart(&sc.name, &p50, &p99)),
            ("cpu", trend::cpu_chart(&sc.name, &cpu)),
        ];
        for (stem, chart) in &charts {
            let stem = format!("{}-{stem}", sc.name);
            inner.push_str(&figure(Some((out, stem.as_str())), chart));
        }
        let runs: Vec<Run> = run_files
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let text = std::fs::read_to_string(p).ok()?;
                Run::parse(&format!("repeat {}", i + 1), &text).ok()
            })
            .collect();
        if !runs.is_empty() {
            let spectrum = report::spectrum::chart(&runs);
            inner.push_str(&figure(None, &spectrum));
            let dir = out.join("scenarios").join(&sc.name);
            match report::build(&runs, Size::DEFAULT) {
                Ok(files) => {
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                    for f in files {
                        write(&dir.join(&f.name), &f.bytes)?;
                    }
                    inner.push_str(&summary::runs_link(&sc.name));
                }
                Err(e) => inner.push_str(&summary::no_run_plots(&e)),
            }
        }
        html.push_str(&html::section(&sc.name, &inner));
    }
    Ok(html)
}

/// `chart` inline (SVG) for the page; with `save = (out, stem)` also written as
/// `out/trends/<stem>.svg` and `.png`.
fn figure(save: Option<(&Path, &str)>, chart: &LineChart) -> String {
    match line_chart(chart, Size::DEFAULT) {
        Ok(r) => {
            if let Some((out, stem)) = save {
                let dir = out.join("trends");
                let written = std::fs::create_dir_all(&dir)
                    .and_then(|_| std::fs::write(dir.join(format!("{stem}.svg")), &r.svg))
                    .and_then(|_| std::fs::write(dir.join(format!("{stem}.png")), &r.png));
                if let Err(e) = written {
                    eprintln!("tfw-bench: warning: cannot write {}: {e}", dir.display());
                }
            }
            html::inline_svg(&r.svg, &chart.title)
        }
        Err(e) => {
            eprintln!("tfw-bench: warning: plot {:?}: {e}", chart.title);
            summary::not_drawn(&chart.title, &e)
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports() {
        let v: Vec<String> = ["bmf", "a.json", "gab", "b.json"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            parse_exports(&v).unwrap(),
            vec![Export::Bmf("a.json".into()), Export::Gab("b.json".into())]
        );
        assert!(parse_exports(&["csv".to_string(), "x".to_string()]).is_err());
    }

    #[test]
    fn bigger_path() {
        assert_eq!(
            gab_bigger_path(Path::new("/o/bench.json")),
            PathBuf::from("/o/bench.bigger.json")
        );
        assert_eq!(
            gab_bigger_path(Path::new("bench")),
            PathBuf::from("bench.bigger.json")
        );
    }
}

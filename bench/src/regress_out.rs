//! The files a `regress` invocation leaves: summary.md (also printed on stdout), report.html,
//! and the exports asked for with `--export` (BMF; github-action-benchmark as two files, one
//! per direction). The run JSON files are already in `runs/`, written by the clients.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use tfw_reports::history::compare::{Direction, Metric};
use tfw_reports::history::db::History;
use tfw_reports::history::matrix::Scenario;
use tfw_reports::history::stats::median;
use tfw_reports::history::summary::{format_value, html_escape, html_page, markdown, Outcome};
use tfw_reports::history::{export, when};

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
    scenarios: &[Scenario],
    exports: &[Export],
) -> Result<()> {
    let md = markdown(outcome);
    print!("{md}");
    write(&out.join("summary.md"), md.as_bytes())?;
    let trends = trend_tables(history, scenarios)?;
    write(
        &out.join("report.html"),
        html_page(outcome, &trends).as_bytes(),
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
                eprintln!("BMF export: {}", p.display());
            }
            Export::Gab(p) => {
                let bigger = gab_bigger_path(p);
                let smaller = export::gab(&comparisons, Direction::SmallerIsBetter);
                let big = export::gab(&comparisons, Direction::BiggerIsBetter);
                write(p, &serde_json::to_vec_pretty(&smaller)?)?;
                write(&bigger, &serde_json::to_vec_pretty(&big)?)?;
                eprintln!(
                    "github-action-benchmark export: {} (customSmallerIsBetter), {} (customBiggerIsBetter)",
                    p.display(),
                    bigger.display()
                );
            }
        }
    }
    Ok(())
}

/// Per scenario, the median of each metric in every invocation of the history that ran it
/// with the same load settings.
fn trend_tables(history: &History, scenarios: &[Scenario]) -> Result<String> {
    let mut s = String::from("<h2>History</h2>\n");
    for sc in scenarios {
        let key = sc.load_key();
        let per_metric: Vec<_> = Metric::ALL
            .iter()
            .map(|m| history.trend(&sc.name, &key, m.key()))
            .collect::<Result<_, _>>()?;
        let Some(first) = per_metric.first() else {
            continue;
        };
        if first.is_empty() {
            continue;
        }
        s.push_str(&format!(
            "<h3>{}</h3>\n<table class=\"trend\">\n<thead><tr><th>invocation</th><th>started (UTC)</th>",
            html_escape(&sc.name)
        ));
        for m in Metric::ALL {
            s.push_str(&format!("<th>{} (median)</th>", html_escape(m.label())));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for p in first {
            s.push_str(&format!(
                "<tr><td>{}</td><td>{}</td>",
                p.invocation_id,
                when::format_unix(p.started_unix_s)
            ));
            for (m, series) in Metric::ALL.iter().zip(&per_metric) {
                let cell = series
                    .iter()
                    .find(|q| q.invocation_id == p.invocation_id)
                    .and_then(|q| median(&q.values))
                    .map_or("—".to_string(), |v| format_value(*m, v));
                s.push_str(&format!("<td class=\"num\">{}</td>", html_escape(&cell)));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody>\n</table>\n");
    }
    Ok(s)
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

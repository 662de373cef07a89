//! The run history: an SQLite file (rusqlite, SQLite bundled) that keeps every run of every
//! `regress` invocation, so a run can be compared with the ones before it and plotted over time.
//!
//! Durability: WAL journal with `synchronous = NORMAL`, which loses nothing committed when the
//! process dies (kill -9); each run is stored in one transaction, so a run killed half-way
//! through its write leaves no trace. The schema version is `PRAGMA user_version`; a file of a
//! newer version is refused rather than misread.
//!
//! Tables (see [`super::schema`], which also migrates older files): `invocations` (one
//! `regress` call: versions, target version, the controlled target's revision and kernel, host,
//! matrix),
//! `runs` (one repeat of one scenario: settings, errors by kind, merged HDR histogram as
//! V2+DEFLATE bytes) and `run_metrics` (run, metric name, value).

use super::host::HostFacts;
use super::run::RunFigures;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::BTreeMap;
use std::path::Path;

pub use super::schema::SCHEMA_VERSION;

/// What can go wrong with the history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot open history {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("history {path} has schema version {found}; this tfw-bench knows up to {SCHEMA_VERSION} (use a newer tfw-bench)")]
    NewerSchema { path: String, found: i64 },
    #[error("history {0} does not exist")]
    Missing(String),
    #[error("cannot open history {0}: it is not an SQLite database (refusing to overwrite it)")]
    NotADatabase(String),
    #[error("no invocation {0} in the history")]
    NoInvocation(i64),
    #[error("history: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A new invocation's facts.
#[derive(Clone, Debug, PartialEq)]
pub struct NewInvocation {
    pub started_unix_s: f64,
    pub tool_version: String,
    pub tool_commit: Option<String>,
    /// Free-form version of the target (e.g. Tempesta's commit).
    pub target_version: Option<String>,
    pub host: HostFacts,
    /// The matrix as run (TOML text).
    pub matrix: String,
}

/// The facts of the target `regress --testbed` controlled, read before the matrix ran.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetFacts {
    /// `git describe` of the target's source tree (Tempesta's srcdir).
    pub revision: Option<String>,
    /// `uname -r` of the target's host.
    pub kernel: Option<String>,
}

impl TargetFacts {
    /// True when nothing is known (no controlled target, or an old history).
    pub fn is_empty(&self) -> bool {
        self.revision.is_none() && self.kernel.is_none()
    }
}

/// One run to store.
#[derive(Clone, Debug)]
pub struct NewRun<'a> {
    pub invocation_id: i64,
    pub scenario: &'a str,
    /// See [`super::matrix::Scenario::load_key`].
    pub load_key: &'a str,
    /// 1-based repeat number.
    pub round: u32,
    /// The scenario as JSON.
    pub scenario_json: &'a serde_json::Value,
    pub figures: &'a RunFigures,
}

/// A stored invocation.
#[derive(Clone, Debug, PartialEq)]
pub struct InvocationRow {
    pub id: i64,
    pub started_unix_s: f64,
    /// `None`: still running, or killed.
    pub finished_unix_s: Option<f64>,
    pub tool_version: String,
    pub tool_commit: Option<String>,
    pub target_version: Option<String>,
    /// The controlled target's facts (`regress --testbed`); both None without one.
    pub target: TargetFacts,
    pub host: HostFacts,
    pub matrix: String,
    /// Runs stored.
    pub runs: u64,
    /// Scenario names with runs, sorted.
    pub scenarios: Vec<String>,
}

/// A stored run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub id: i64,
    pub invocation_id: i64,
    pub scenario: String,
    pub load_key: String,
    pub round: u32,
    pub started_unix_s: f64,
    pub settings_json: String,
    pub errors_json: String,
    pub metrics: BTreeMap<String, f64>,
    /// Size of the stored histogram (V2+DEFLATE bytes).
    pub histogram_bytes: usize,
}

/// One invocation's values of a metric for a scenario (for trend plots).
#[derive(Clone, Debug, PartialEq)]
pub struct TrendPoint {
    pub invocation_id: i64,
    pub started_unix_s: f64,
    pub values: Vec<f64>,
}

/// An open history file.
pub struct History {
    conn: Connection,
}

/// Whether `path` is missing, empty, or starts with SQLite's file header. SQLite itself
/// takes a short file of anything for an empty database and would overwrite it.
fn looks_like_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return true; // missing (created), or unreadable (SQLite says why)
    };
    let mut head = Vec::with_capacity(16);
    match f.by_ref().take(16).read_to_end(&mut head) {
        Ok(0) => true,
        Ok(_) => head == b"SQLite format 3\0",
        Err(_) => true, // e.g. a directory: SQLite's error names it
    }
}

impl History {
    /// Opens `path`, creating it (and its schema) if missing.
    pub fn open(path: &Path) -> Result<History, HistoryError> {
        let shown = path.display().to_string();
        if !looks_like_sqlite(path) {
            return Err(HistoryError::NotADatabase(shown));
        }
        let open_err = |source| HistoryError::Open {
            path: shown.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        // The first statements touch the file: a directory, a non-database or an unwritable
        // place fails here, with the path in the message.
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        let _ = mode; // "wal", or "memory" for in-memory databases
        conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
            .map_err(open_err)?;
        let mut h = History { conn };
        h.migrate(&shown)?;
        Ok(h)
    }

    /// Opens an existing history (for `history list|show|prune`): a missing file is an error,
    /// not a new empty history.
    pub fn open_existing(path: &Path) -> Result<History, HistoryError> {
        if !path.exists() {
            return Err(HistoryError::Missing(path.display().to_string()));
        }
        History::open(path)
    }

    fn migrate(&mut self, shown: &str) -> Result<(), HistoryError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|source| HistoryError::Open {
                path: shown.to_string(),
                source,
            })?;
        let version: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|source| HistoryError::Open {
                path: shown.to_string(),
                source,
            })?;
        if let super::schema::Migrated::Newer(found) = super::schema::migrate(&tx, version)? {
            return Err(HistoryError::NewerSchema {
                path: shown.to_string(),
                found,
            });
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the start of an invocation; returns its id.
    pub fn begin_invocation(&mut self, inv: &NewInvocation) -> Result<i64, HistoryError> {
        self.conn.execute(
            "INSERT INTO invocations (started_unix_s, tool_version, tool_commit, target_version,
                 kernel, cpu_model, cpu_cores, matrix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                inv.started_unix_s,
                inv.tool_version,
                inv.tool_commit,
                inv.target_version,
                inv.host.kernel,
                inv.host.cpu_model,
                inv.host.cpu_cores,
                inv.matrix,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the facts of the target invocation `id` controlled.
    pub fn record_target(&mut self, id: i64, t: &TargetFacts) -> Result<(), HistoryError> {
        self.conn.execute(
            "UPDATE invocations SET target_revision = ?1, target_kernel = ?2 WHERE id = ?3",
            params![t.revision, t.kernel, id],
        )?;
        Ok(())
    }

    /// Records the end of an invocation.
    pub fn finish_invocation(&mut self, id: i64, finished_unix_s: f64) -> Result<(), HistoryError> {
        self.conn.execute(
            "UPDATE invocations SET finished_unix_s = ?1 WHERE id = ?2",
            params![finished_unix_s, id],
        )?;
        Ok(())
    }

    /// Stores one run in one transaction; returns its id.
    pub fn insert_run(&mut self, run: &NewRun) -> Result<i64, HistoryError> {
        self.insert_run_with_hook(run, || {})
    }

    /// [`Self::insert_run`], calling `inside` in the middle of the transaction (after the run's
    /// row, before its metrics and the commit). For tests that kill the process mid-write.
    pub fn insert_run_with_hook(
        &mut self,
        run: &NewRun,
        inside: impl FnOnce(),
    ) -> Result<i64, HistoryError> {
        let f = run.figures;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO runs (invocation_id, scenario, load_key, round, started_unix_s,
                 scenario_json, settings_json, errors_json, latency_hdr)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                run.invocation_id,
                run.scenario,
                run.load_key,
                run.round,
                f.started_unix_s,
                run.scenario_json.to_string(),
                f.settings.to_string(),
                f.errors_by_kind.to_string(),
                f.latency_hdr,
            ],
        )?;
        let id = tx.last_insert_rowid();
        inside();
        {
            let mut st =
                tx.prepare("INSERT INTO run_metrics (run_id, name, value) VALUES (?1, ?2, ?3)")?;
            for (name, value) in &f.metrics {
                if value.is_finite() {
                    st.execute(params![id, name, value])?;
                }
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// Every invocation, oldest first.
    pub fn invocations(&self) -> Result<Vec<InvocationRow>, HistoryError> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM invocations ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| self.invocation(id)).collect()
    }

    /// One invocation.
    pub fn invocation(&self, id: i64) -> Result<InvocationRow, HistoryError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, started_unix_s, finished_unix_s, tool_version, tool_commit,
                        target_version, kernel, cpu_model, cpu_cores, matrix,
                        target_revision, target_kernel
                 FROM invocations WHERE id = ?1",
                [id],
                |r| {
                    Ok(InvocationRow {
                        id: r.get(0)?,
                        started_unix_s: r.get(1)?,
                        finished_unix_s: r.get(2)?,
                        tool_version: r.get(3)?,
                        tool_commit: r.get(4)?,
                        target_version: r.get(5)?,
                        target: TargetFacts {
                            revision: r.get(10)?,
                            kernel: r.get(11)?,
                        },
                        host: HostFacts {
                            kernel: r.get(6)?,
                            cpu_model: r.get(7)?,
                            cpu_cores: r.get(8)?,
                        },
                        matrix: r.get(9)?,
                        runs: 0,
                        scenarios: Vec::new(),
                    })
                },
            )
            .optional()?;
        let mut row = row.ok_or(HistoryError::NoInvocation(id))?;
        row.runs = self.conn.query_row(
            "SELECT COUNT(*) FROM runs WHERE invocation_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        row.scenarios = self
            .conn
            .prepare("SELECT DISTINCT scenario FROM runs WHERE invocation_id = ?1 ORDER BY 1")?
            .query_map([id], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(row)
    }

    /// The runs of an invocation, in the order they ran.
    pub fn runs_of(&self, invocation_id: i64) -> Result<Vec<RunRow>, HistoryError> {
        let mut runs: Vec<RunRow> = self
            .conn
            .prepare(
                "SELECT id, invocation_id, scenario, load_key, round, started_unix_s,
                        settings_json, errors_json, length(latency_hdr)
                 FROM runs WHERE invocation_id = ?1 ORDER BY id",
            )?
            .query_map([invocation_id], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    invocation_id: r.get(1)?,
                    scenario: r.get(2)?,
                    load_key: r.get(3)?,
                    round: r.get(4)?,
                    started_unix_s: r.get(5)?,
                    settings_json: r.get(6)?,
                    errors_json: r.get(7)?,
                    metrics: BTreeMap::new(),
                    histogram_bytes: r.get::<_, i64>(8)? as usize,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = self
            .conn
            .prepare("SELECT name, value FROM run_metrics WHERE run_id = ?1")?;
        for run in &mut runs {
            run.metrics = st
                .query_map([run.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
        }
        Ok(runs)
    }

    /// The stored histogram of a run (V2+DEFLATE bytes).
    pub fn histogram(&self, run_id: i64) -> Result<Option<Vec<u8>>, HistoryError> {
        Ok(self
            .conn
            .query_row(
                "SELECT latency_hdr FROM runs WHERE id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The last `k` invocations before `before` that ran `scenario` with `load_key`, newest
    /// first.
    pub fn last_invocations_with(
        &self,
        scenario: &str,
        load_key: &str,
        before: i64,
        k: usize,
    ) -> Result<Vec<i64>, HistoryError> {
        Ok(self
            .conn
            .prepare(
                "SELECT DISTINCT invocation_id FROM runs
                 WHERE scenario = ?1 AND load_key = ?2 AND invocation_id < ?3
                 ORDER BY invocation_id DESC LIMIT ?4",
            )?
            .query_map(params![scenario, load_key, before, k as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?)
    }

    /// Whether invocation `id` exists.
    pub fn has_invocation(&self, id: i64) -> Result<bool, HistoryError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM invocations WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Values of `metric` over the runs of `scenario` (with `load_key`) in `invocations`.
    pub fn samples(
        &self,
        scenario: &str,
        load_key: &str,
        metric: &str,
        invocations: &[i64],
    ) -> Result<Vec<f64>, HistoryError> {
        let mut st = self.conn.prepare(
            "SELECT m.value FROM runs r JOIN run_metrics m ON m.run_id = r.id
             WHERE r.scenario = ?1 AND r.load_key = ?2 AND m.name = ?3 AND r.invocation_id = ?4
             ORDER BY r.id",
        )?;
        let mut out = Vec::new();
        for &inv in invocations {
            for v in st.query_map(params![scenario, load_key, metric, inv], |r| r.get(0))? {
                out.push(v?);
            }
        }
        Ok(out)
    }

    /// `metric` of `scenario` (with `load_key`) per invocation, oldest first.
    pub fn trend(
        &self,
        scenario: &str,
        load_key: &str,
        metric: &str,
    ) -> Result<Vec<TrendPoint>, HistoryError> {
        let mut st = self.conn.prepare(
            "SELECT r.invocation_id, i.started_unix_s, m.value
             FROM runs r JOIN run_metrics m ON m.run_id = r.id
                         JOIN invocations i ON i.id = r.invocation_id
             WHERE r.scenario = ?1 AND r.load_key = ?2 AND m.name = ?3
             ORDER BY r.invocation_id, r.id",
        )?;
        let mut out: Vec<TrendPoint> = Vec::new();
        for row in st.query_map(params![scenario, load_key, metric], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, f64>(2)?,
            ))
        })? {
            let (inv, started, v) = row?;
            match out.last_mut() {
                Some(p) if p.invocation_id == inv => p.values.push(v),
                _ => out.push(TrendPoint {
                    invocation_id: inv,
                    started_unix_s: started,
                    values: vec![v],
                }),
            }
        }
        Ok(out)
    }

    /// Deletes all but the newest `keep` invocations (and their runs); returns how many
    /// invocations were deleted.
    pub fn prune_keep(&mut self, keep: usize) -> Result<usize, HistoryError> {
        let n = self.conn.execute(
            "DELETE FROM invocations WHERE id NOT IN
                 (SELECT id FROM invocations ORDER BY id DESC LIMIT ?1)",
            [keep as i64],
        )?;
        self.compact()?;
        Ok(n)
    }

    /// Deletes the invocations started before `unix_s` (and their runs); returns how many.
    pub fn prune_before(&mut self, unix_s: f64) -> Result<usize, HistoryError> {
        let n = self.conn.execute(
            "DELETE FROM invocations WHERE started_unix_s < ?1",
            [unix_s],
        )?;
        self.compact()?;
        Ok(n)
    }

    /// Gives the freed pages back to the file system.
    fn compact(&mut self) -> Result<(), HistoryError> {
        self.conn.execute_batch("VACUUM")?;
        // The pragma answers with a row, which execute_batch would refuse.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub fn integrity_check(&self) -> Result<String, HistoryError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

//! The history's SQLite schema and its migrations, kept apart from the queries (`db.rs`) so
//! that a reader sees every version of the file at one glance.
//!
//! Version 1: invocations, runs, run_metrics. Version 2 adds the controlled target's facts to
//! `invocations` (`target_revision`: `git describe` of Tempesta's source tree, `target_kernel`:
//! `uname -r` of the target host), read by `regress --testbed`; a version-1 file is migrated
//! in place when it is opened (its invocations get NULL there: not known).

use rusqlite::Transaction;

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

const SCHEMA_V1: &str = "
CREATE TABLE invocations (
    id              INTEGER PRIMARY KEY,
    started_unix_s  REAL NOT NULL,
    finished_unix_s REAL,
    tool_version    TEXT NOT NULL,
    tool_commit     TEXT,
    target_version  TEXT,
    kernel          TEXT NOT NULL,
    cpu_model       TEXT NOT NULL,
    cpu_cores       INTEGER NOT NULL,
    matrix          TEXT NOT NULL
);
CREATE TABLE runs (
    id              INTEGER PRIMARY KEY,
    invocation_id   INTEGER NOT NULL REFERENCES invocations(id) ON DELETE CASCADE,
    scenario        TEXT NOT NULL,
    load_key        TEXT NOT NULL,
    round           INTEGER NOT NULL,
    started_unix_s  REAL NOT NULL,
    scenario_json   TEXT NOT NULL,
    settings_json   TEXT NOT NULL,
    errors_json     TEXT NOT NULL,
    latency_hdr     BLOB NOT NULL
);
CREATE INDEX runs_by_scenario ON runs(scenario, load_key, invocation_id);
CREATE INDEX runs_by_invocation ON runs(invocation_id);
CREATE TABLE run_metrics (
    run_id  INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (run_id, name)
) WITHOUT ROWID;
";

/// Version 1 → 2: the target's revision and kernel.
const V1_TO_V2: &str = "
ALTER TABLE invocations ADD COLUMN target_revision TEXT;
ALTER TABLE invocations ADD COLUMN target_kernel TEXT;
";

/// The version-1 schema, for tests that make an old file to migrate.
pub fn schema_v1() -> &'static str {
    SCHEMA_V1
}

/// What [`migrate`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Migrated {
    /// The file is of this version or was brought to it.
    Current,
    /// The file is of a newer version than this code knows.
    Newer(i64),
}

/// Brings the file of version `found` to [`SCHEMA_VERSION`] inside `tx` (the caller commits).
pub fn migrate(tx: &Transaction, found: i64) -> rusqlite::Result<Migrated> {
    if !(0..=SCHEMA_VERSION).contains(&found) {
        return Ok(Migrated::Newer(found));
    }
    if found == 0 {
        tx.execute_batch(SCHEMA_V1)?;
    }
    if found < 2 {
        tx.execute_batch(V1_TO_V2)?;
    }
    if found != SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    }
    Ok(Migrated::Current)
}

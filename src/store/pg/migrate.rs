//! Schema migrations: versioned SQL files compiled into the binary, applied
//! at start inside one transaction, in order. A database whose schema is
//! newer than this build knows is refused, never "downgraded".

use postgres::Client;

use crate::store::StoreError;

/// Every migration, in order; the version is the position from 1. A shipped
/// file is never edited: a change is a new file.
const MIGRATIONS: &[(&str, &str)] = &[
    ("tables", include_str!("migrations/0001_tables.sql")),
    (
        "questions and timers",
        include_str!("migrations/0002_questions_and_timers.sql"),
    ),
    (
        "group titles",
        include_str!("migrations/0003_group_titles.sql"),
    ),
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to `SCHEMA_VERSION`. Two instances starting at the
/// same moment are serialised by an advisory lock, so each migration runs once.
pub(super) fn migrate(client: &mut Client, place: &str) -> Result<u32, StoreError> {
    let db = |e: postgres::Error| super::db_error(place, e);
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS hocvuso_schema (
                 version    integer PRIMARY KEY,
                 name       text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .map_err(db)?;
    let mut tx = client.transaction().map_err(db)?;
    // Any constant works: it only has to be the same in every instance.
    tx.execute("SELECT pg_advisory_xact_lock(7252636574)", &[])
        .map_err(db)?;
    let found: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM hocvuso_schema", &[])
        .map_err(db)?
        .get(0);
    let found = u32::try_from(found).unwrap_or(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::Schema {
            path: place.into(),
            found: found.to_string(),
            expected: SCHEMA_VERSION,
        });
    }
    for (n, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let version = n as i32 + 1;
        tx.batch_execute(sql).map_err(|e| StoreError::Open {
            path: place.into(),
            reason: format!("schema migration {version} ({name}) failed: {e}"),
        })?;
        tx.execute(
            "INSERT INTO hocvuso_schema (version, name) VALUES ($1, $2)",
            &[&version, name],
        )
        .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    Ok(found)
}

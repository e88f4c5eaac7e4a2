//! The PostgreSQL store, for a province or a country: a database server the
//! operator's IT staff already run, back up and replicate, readable by
//! reporting tools. Same contract as the sled store, checked by the same
//! conformance suite.
//!
//! - Driver: the `postgres` crate (the synchronous face of `tokio-postgres`,
//!   same maintainer and protocol code), pooled by `r2d2`. The `Store` trait
//!   is synchronous and the engine calls it from blocking threads, so each
//!   call drives its own connection on the calling thread: no hop to another
//!   runtime and back per query. Called from inside an async task (a
//!   channel's small `channel_get`), the call steps out of the runtime with
//!   `block_in_place` first (see `blocking`).
//! - Statements are prepared once per connection and cached, so a query is
//!   one round trip.
//! - Durability: sessions run with `synchronous_commit = off`, and every write
//!   the bot must not lose (completions, outbox, roles, certificates, claims,
//!   channel values, removals from the outbox, `flush`) commits with
//!   `synchronous_commit = on`, which also makes every earlier write durable.
//!   A plain step or menu press may be lost in a crash, exactly as with sled.
//! - Tables: see `migrations/` and docs/postgres.md.

mod bulk;
mod cluster;
mod migrate;
mod rows;
mod tls;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, GenericClient, Row, Statement};

pub use cluster::TestCluster;
pub use migrate::SCHEMA_VERSION;

use super::{Change, Store, StoreError};
use crate::core::stats::Quarter;
use crate::core::{
    AuditEntry, Certificate, Completion, HelpThread, Learner, LearnerId, Link, Queued, QueuedId,
    QuizAttempt, Staff, Timer, TimerId, Timestamp,
};
use rows::Fail;

/// How many connections one process keeps at most.
#[derive(Debug, Clone)]
pub struct PgOptions {
    pub pool_size: u32,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { pool_size: 16 }
    }
}

pub struct PgStore {
    /// `None` only while dropping (see `Drop`).
    pool: Option<r2d2::Pool<Manager>>,
    /// Connections that hold a learner's lock while their event runs (see
    /// `exclusive`): a pool of their own, so an event holding a lock never
    /// waits for a connection that another lock holder has.
    locks: Option<r2d2::Pool<Manager>>,
    /// Who this process is in `leases`.
    holder: String,
    /// The database as shown in messages: no password.
    place: String,
}

impl PgStore {
    /// Connects, applies the schema migrations, and keeps a pool.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, &PgOptions::default())
    }

    pub fn open_with(url: &str, options: &PgOptions) -> Result<Self, StoreError> {
        let mut config: postgres::Config = url.parse().map_err(|e| StoreError::Open {
            path: "the PostgreSQL URL".into(),
            reason: format!("{e}"),
        })?;
        if config.get_application_name().is_none() {
            config.application_name("hocvuso");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let place = describe(&config);
        let tls = tls::connector().map_err(|reason| StoreError::Open {
            path: place.clone().into(),
            reason,
        })?;
        let manager = Manager { config, tls };
        blocking(|| {
            // One connection first, so a wrong address or password reads as
            // such, and the schema is in place before the pool hands any out.
            let mut first = manager.connect_client().map_err(|e| StoreError::Open {
                path: place.clone().into(),
                reason: reason(&e),
            })?;
            migrate::migrate(&mut first, &place)?;
            let pool = |size: u32| {
                r2d2::Pool::builder()
                    .max_size(size.max(1))
                    .min_idle(Some(size.clamp(1, 2)))
                    // A checkout test would cost a round trip per query; a
                    // broken connection is dropped on return instead, and
                    // reads are tried once more on a fresh one.
                    .test_on_check_out(false)
                    .connection_timeout(Duration::from_secs(30))
                    .error_handler(Box::new(LogErrors))
                    .build_unchecked(manager.clone())
            };
            Ok(PgStore {
                pool: Some(pool(options.pool_size)),
                locks: Some(pool(options.pool_size.div_ceil(2))),
                holder: holder_id(),
                place,
            })
        })
    }

    /// The database as shown in messages (`postgres://user@host:port/db`).
    pub fn place(&self) -> &str {
        &self.place
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, StoreError> {
        self.pool
            .as_ref()
            .expect("the pool lives until drop")
            .get()
            .map_err(|e| StoreError::Io(format!("no connection to {}: {e}", self.place)))
    }

    /// Runs read-only statements; tried once more on a fresh connection when
    /// the first one turns out to be closed (the server restarted).
    fn read<R: Send>(
        &self,
        body: impl Fn(&mut Db<'_, Client>) -> Result<R, Fail> + Sync,
    ) -> Result<R, StoreError> {
        blocking(|| {
            let mut tries = 0;
            loop {
                let mut conn = self.conn()?;
                let result = {
                    let Conn {
                        client, statements, ..
                    } = &mut *conn;
                    body(&mut Db { client, statements })
                };
                match result {
                    Err(Fail::Pg(_)) if conn.client.is_closed() && tries == 0 => tries += 1,
                    other => return other.map_err(|f| f.into_store(&self.place)),
                }
            }
        })
    }

    /// Runs `body` in a transaction, committed durably when `durable`. Tried
    /// again when the server aborts it for a serialisation failure or a
    /// deadlock (CockroachDB reports contention so), or when the connection
    /// was found closed before the commit was sent.
    fn write<R: Send>(
        &self,
        durable: bool,
        body: impl Fn(&mut Db<'_, Client>) -> Result<R, Fail> + Sync,
    ) -> Result<R, StoreError> {
        blocking(|| {
            let mut tries = 0;
            loop {
                let mut conn = self.conn()?;
                let mut state = TxState::default();
                let result = {
                    let Conn {
                        client, statements, ..
                    } = &mut *conn;
                    transaction(client, statements, durable, &body, &mut state)
                };
                if state.unfinished {
                    // The ROLLBACK or COMMIT itself failed: never hand this
                    // connection out again.
                    conn.broken = true;
                }
                match result {
                    Err(Fail::Pg(e))
                        if tries < 8
                            && (retryable(&e)
                                || (conn.client.is_closed() && !state.commit_sent)) =>
                    {
                        tries += 1;
                        tracing::debug!(error = %e, tries, "PostgreSQL transaction retried");
                        drop(conn);
                        std::thread::sleep(Duration::from_millis(1 << tries.min(6)));
                    }
                    other => return other.map_err(|f| f.into_store(&self.place)),
                }
            }
        })
    }
}

#[derive(Default)]
struct TxState {
    commit_sent: bool,
    unfinished: bool,
}

fn transaction<R>(
    client: &mut Client,
    statements: &mut HashMap<&'static str, Statement>,
    durable: bool,
    body: &impl Fn(&mut Db<'_, Client>) -> Result<R, Fail>,
    state: &mut TxState,
) -> Result<R, Fail> {
    // BEGIN and the setting go in one round trip.
    client.batch_execute(if durable {
        "BEGIN; SET LOCAL synchronous_commit TO on"
    } else {
        "BEGIN"
    })?;
    match body(&mut Db { client, statements }) {
        Ok(r) => {
            state.commit_sent = true;
            client.batch_execute("COMMIT").inspect_err(|e| {
                // A refusal from the server ends the transaction cleanly;
                // anything else leaves the connection in doubt.
                state.unfinished |= e.as_db_error().is_none();
            })?;
            Ok(r)
        }
        Err(e) => {
            if let Err(rollback) = client.batch_execute("ROLLBACK") {
                state.unfinished |= rollback.as_db_error().is_none();
            }
            Err(e)
        }
    }
}

/// A connection and the statements prepared on it.
struct Conn {
    client: Client,
    statements: HashMap<&'static str, Statement>,
    broken: bool,
}

/// Statements through a connection's cache: each SQL text is prepared once.
pub(super) struct Db<'a, C: GenericClient> {
    client: &'a mut C,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl<C: GenericClient> Db<'_, C> {
    fn statement(&mut self, sql: &'static str) -> Result<Statement, Fail> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Fail> {
        let statement = self.statement(sql)?;
        Ok(self.client.query(&statement, params)?)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Fail> {
        let statement = self.statement(sql)?;
        Ok(self.client.execute(&statement, params)?)
    }
}

#[derive(Clone)]
struct Manager {
    config: postgres::Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl Manager {
    fn connect_client(&self) -> Result<Client, postgres::Error> {
        let mut client = self.config.connect(self.tls.clone())?;
        client.batch_execute("SET synchronous_commit TO off")?;
        Ok(client)
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.connect_client()?,
            statements: HashMap::new(),
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.broken || conn.client.is_closed()
    }
}

#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<postgres::Error> for LogErrors {
    fn handle_error(&self, error: postgres::Error) {
        tracing::error!(error = %reason(&error), "cannot connect to PostgreSQL");
    }
}

/// The server's own words when it has them (`password authentication
/// failed…`), else the client's.
fn reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        },
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text = format!("{text}: {s}");
                source = s.source();
            }
            text
        }
    }
}

pub(super) fn db_error(place: &str, e: postgres::Error) -> StoreError {
    StoreError::Io(format!("PostgreSQL at {place}: {}", reason(&e)))
}

fn retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// `postgres://user@host:port/db`, without the password.
fn describe(config: &postgres::Config) -> String {
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// Runs blocking database work from any thread. The `postgres` client blocks
/// on a small runtime of its own, which tokio forbids inside an async task:
/// there, `block_in_place` hands the worker's other tasks to another thread
/// first. On a blocking-pool thread or a plain thread it simply runs. A
/// single-threaded runtime cannot give its thread away, so the work goes to
/// a scoped thread (only tests use one).
fn blocking<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Err(_) => work(),
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::CurrentThread => {
            std::thread::scope(|s| match s.spawn(work).join() {
                Ok(r) => r,
                Err(panic) => std::panic::resume_unwind(panic),
            })
        }
        Ok(_) => tokio::task::block_in_place(work),
    }
}

/// `blocking` for work that cannot move to another thread (it borrows a
/// caller's closure): on a single-threaded runtime it runs in place, which
/// the client refuses; only `store copy` and tests export, outside any runtime.
fn blocking_here<R>(work: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() != RuntimeFlavor::CurrentThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

impl Drop for PgStore {
    /// Gives up this process's leases (a restarted bot takes its jobs back at
    /// once, not after they expire). Each connection owns a small runtime,
    /// which must not be dropped inside an async task: drop the pools where
    /// blocking is allowed.
    fn drop(&mut self) {
        let holder = self.holder.clone();
        let _ = self.read(|db| {
            db.execute("DELETE FROM leases WHERE holder = $1", &[&holder])?;
            Ok(())
        });
        let pools = (self.pool.take(), self.locks.take());
        blocking(move || drop(pools));
    }
}

/// A name for this process in `leases`: host, process id and a random part
/// (a restarted process is a new holder).
fn holder_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    let random = getrandom::u64().unwrap_or_default();
    format!("{host}:{}:{random:016x}", std::process::id())
}

/// Takes a leased job or renews it; the server's clock decides, so the
/// instances' clocks need not agree.
const LEASE: &str = "INSERT INTO leases (name, holder, until) \
    VALUES ($1, $2, now() + $3::int8 * interval '1 millisecond') \
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
    WHERE leases.holder = excluded.holder OR leases.until < now() \
    RETURNING holder";

/// How long a channel's outbox sender may go silent before another
/// instance takes over its outbox.
const OUTBOX_LEASE: Duration = Duration::from_secs(30);

/// The two keys of a learner's advisory lock: ours, and the learner's.
fn lock_keys(id: &LearnerId) -> (i32, i32) {
    (0x686f_6376, fnv(id) as i32)
}

/// The lock of one learner, held on its own connection; given back when
/// dropped, even by a panic. If giving it back fails the connection is
/// closed, which releases it too.
struct Held {
    conn: r2d2::PooledConnection<Manager>,
    keys: (i32, i32),
}

impl Drop for Held {
    fn drop(&mut self) {
        let (a, b) = self.keys;
        if self
            .conn
            .client
            .execute("SELECT pg_advisory_unlock($1, $2)", &[&a, &b])
            .is_err()
        {
            self.conn.broken = true;
        }
    }
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("place", &self.place)
            .finish_non_exhaustive()
    }
}

const LOAD: &str = "SELECT l.id, l.channel, l.display_name, l.lang, l.created, l.last_active, \
    l.started, l.area, l.area_asked, l.mentor, l.mentor_channel, l.mentor_lang, l.via_group, \
    l.push_group, l.pending_start, l.session, l.certificate_stamps, \
    p.lesson, p.step, p.updated, p.completed_at, p.best_score, p.total, l.state \
    FROM learners l LEFT JOIN progress p ON p.learner = l.id WHERE l.id = $1";

const MENTEES: &str = "SELECT l.id, l.channel, l.display_name, l.lang, l.created, l.last_active, \
    l.started, l.area, l.area_asked, l.mentor, l.mentor_channel, l.mentor_lang, l.via_group, \
    l.push_group, l.pending_start, l.session, l.certificate_stamps, \
    p.lesson, p.step, p.updated, p.completed_at, p.best_score, p.total, l.state \
    FROM learners l LEFT JOIN progress p ON p.learner = l.id WHERE l.mentor = $1 ORDER BY l.id";

/// The learner and the lessons whose progress changed, in one statement (so
/// one round trip, atomic without a transaction).
const SAVE_LEARNER: &str = "WITH l AS (
    INSERT INTO learners (id, channel, display_name, lang, created, last_active, started, area,
        area_asked, mentor, mentor_channel, mentor_lang, via_group, push_group, pending_start,
        session, certificate_stamps, state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $24)
    ON CONFLICT (id) DO UPDATE SET channel = excluded.channel,
        display_name = excluded.display_name, lang = excluded.lang, created = excluded.created,
        last_active = excluded.last_active, started = excluded.started, area = excluded.area,
        area_asked = excluded.area_asked, mentor = excluded.mentor,
        mentor_channel = excluded.mentor_channel, mentor_lang = excluded.mentor_lang,
        via_group = excluded.via_group, push_group = excluded.push_group,
        pending_start = excluded.pending_start, session = excluded.session,
        certificate_stamps = excluded.certificate_stamps, state = excluded.state
    RETURNING id
)
INSERT INTO progress (learner, lesson, step, updated, completed_at, best_score, total)
SELECT l.id, p.lesson, p.step, p.updated, p.completed_at, p.best_score, p.total
FROM l, unnest($18::text[], $19::int4[], $20::timestamptz[], $21::timestamptz[], $22::int4[],
    $23::int4[]) AS p (lesson, step, updated, completed_at, best_score, total)
ON CONFLICT (learner, lesson) DO UPDATE SET step = excluded.step, updated = excluded.updated,
    completed_at = excluded.completed_at, best_score = excluded.best_score, total = excluded.total";

const CLAIM: &str = "UPDATE links SET used_by = $2 WHERE code = $1 AND used_by IS NULL";

const ADD_ATTEMPTS: &str = "INSERT INTO attempts (learner, lesson, question, chosen, correct, at) \
    SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], $4::int4[], $5::bool[], $6::timestamptz[])";

const ADD_COMPLETIONS: &str = "INSERT INTO completions (learner, topic, lesson, version, score, total, at) \
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::int4[], $7::timestamptz[])";

const ADD_OUTBOX: &str = "INSERT INTO outbox (channel, due, recipient_kind, recipient, lang, message) \
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[])";

const SAVE_STAFF: &str = "INSERT INTO staff (learner, role, area, since, granted_by, mentor_code, group_codes) \
    VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (learner) DO UPDATE SET role = excluded.role, \
    area = excluded.area, since = excluded.since, granted_by = excluded.granted_by, \
    mentor_code = excluded.mentor_code, group_codes = excluded.group_codes";

const REMOVE_STAFF: &str = "DELETE FROM staff WHERE learner = $1";

const SAVE_LINK: &str = "INSERT INTO links (code, kind, role, area, mentor, channel, lang, chat, \
    created_by, created, expires, used_by, title) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
    ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, role = excluded.role, area = excluded.area, \
    mentor = excluded.mentor, channel = excluded.channel, lang = excluded.lang, chat = excluded.chat, \
    created_by = excluded.created_by, created = excluded.created, expires = excluded.expires, \
    used_by = excluded.used_by, title = excluded.title";

const SAVE_CERTIFICATE: &str = "INSERT INTO certificates (code, learner, name, topic, at, lessons) \
    VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET learner = excluded.learner, \
    name = excluded.name, topic = excluded.topic, at = excluded.at, lessons = excluded.lessons";

const ADD_AUDIT: &str =
    "INSERT INTO audit (at, actor, action, summary, detail) VALUES ($1, $2, $3, $4, $5)";

/// A new question: refused (no row) if one with its id exists.
const NEW_THREAD: &str = "INSERT INTO help_threads (id, version, learner, area, lesson, asked, \
    level, state, is_open, first_answer, thread) \
    SELECT $1::text, $2::int4, $3::text, $4::text, $5::text, $6::timestamptz, $7::int4, \
    $8::text, $9::bool, $10::timestamptz, $11::jsonb WHERE $12::int4 = 0 \
    ON CONFLICT (id) DO NOTHING";

/// A changed question: only over the version it was read at (no row
/// otherwise), so two volunteers cannot both take it.
const SAVE_THREAD: &str = "UPDATE help_threads SET version = $2, learner = $3, area = $4, \
    lesson = $5, asked = $6, level = $7, state = $8, is_open = $9, first_answer = $10, \
    thread = $11 WHERE id = $1 AND version = $12";

const ADD_TIMERS: &str = "INSERT INTO timers (due, learner, kind, timer) \
    SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::jsonb[])";

/// Counter changes in one statement, on the shard of the learner whose
/// event it is; the rows come sorted, so two events lock shared counters in
/// the same order and never deadlock.
const ADD_COUNTERS: &str = "INSERT INTO counters (scope, quarter, metric, shard, value) \
    SELECT c.scope, c.quarter, c.metric, $5::int2, c.value \
    FROM unnest($1::text[], $2::int4[], $3::text[], $4::int8[]) AS c (scope, quarter, metric, value) \
    ON CONFLICT (scope, quarter, metric, shard) DO UPDATE SET value = counters.value + excluded.value";

/// Counter rows per figure (see the migration): a learner's changes always
/// land on the same one, so no shard row ever goes below zero.
const SHARDS: u64 = 8;

fn shard_of(id: &LearnerId) -> i16 {
    (fnv(id) % SHARDS) as i16
}

/// FNV-1a of a learner id: stable across builds and machines, unlike the
/// std hasher, as every instance must agree on it.
fn fnv(id: &LearnerId) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.as_str().bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

impl Store for PgStore {
    fn load(&self, id: &LearnerId) -> Result<Option<Learner>, StoreError> {
        self.read(|db| {
            let rows = db.query(LOAD, &[&id.as_str()])?;
            Ok(rows::learners(&rows)?.into_iter().next())
        })
    }

    fn commit(&self, change: &Change<'_>) -> Result<(), StoreError> {
        let learner = rows::LearnerRow::new(change.learner, change.progress)?;
        if is_plain(change) {
            return self.write_plain(&learner);
        }
        let attempts = rows::AttemptRows::new(change.attempts)?;
        let completions = rows::CompletionRows::new(change.completions)?;
        let outbox = rows::OutboxRows::new(change.outbox)?;
        let counters = rows::CounterRows::new(change.counters)?;
        let shard = shard_of(&change.learner.id);
        let used_by = match change.claim {
            Some(code) => Some(
                change
                    .links
                    .iter()
                    .find(|l| l.code == code)
                    .and_then(|l| l.used_by.as_ref())
                    .map(|u| u.as_str().to_string())
                    .ok_or_else(|| StoreError::Conflict {
                        code: code.to_string(),
                    })?,
            ),
            None => None,
        };
        let threads: Vec<rows::ThreadRow<'_>> = change
            .threads
            .iter()
            .map(rows::ThreadRow::new)
            .collect::<Result<_, _>>()?;
        let mut timers = rows::TimerRows::default();
        for timer in change.timers {
            timers.push(timer)?;
        }
        let timer_done = change.timer_done.map(|t| t.seq as i64);
        let must_flush = !change.completions.is_empty()
            || !change.outbox.is_empty()
            || !change.threads.is_empty()
            || change.timer_done.is_some()
            || !change.staff.is_empty()
            || !change.certificates.is_empty()
            || change.claim.is_some();
        self.write(must_flush, |db| {
            if let (Some(code), Some(used_by)) = (change.claim, &used_by)
                && db.execute(CLAIM, &[&code, used_by])? == 0
            {
                return Err(Fail::Store(StoreError::Conflict {
                    code: code.to_string(),
                }));
            }
            for (row, thread) in threads.iter().zip(change.threads) {
                let sql = if row.is_new() {
                    NEW_THREAD
                } else {
                    SAVE_THREAD
                };
                if db.execute(sql, &row.params())? == 0 {
                    return Err(Fail::Store(StoreError::Conflict {
                        code: thread.id.clone(),
                    }));
                }
            }
            db.execute(SAVE_LEARNER, &learner.params())?;
            if !timers.is_empty() {
                db.execute(ADD_TIMERS, &timers.params())?;
            }
            if let Some(done) = timer_done {
                db.execute("DELETE FROM timers WHERE id = $1", &[&done])?;
            }
            if !attempts.is_empty() {
                db.execute(ADD_ATTEMPTS, &attempts.params())?;
            }
            if !completions.is_empty() {
                db.execute(ADD_COMPLETIONS, &completions.params())?;
            }
            if !outbox.is_empty() {
                db.execute(ADD_OUTBOX, &outbox.params())?;
            }
            for (who, staff) in change.staff {
                match staff {
                    Some(staff) => {
                        let row = rows::StaffRow::new(who, staff)?;
                        db.execute(SAVE_STAFF, &row.params())?
                    }
                    None => db.execute(REMOVE_STAFF, &[&who.as_str()])?,
                };
            }
            for link in change.links {
                let row = rows::LinkRow::new(link)?;
                db.execute(SAVE_LINK, &row.params())?;
            }
            for cert in change.certificates {
                let row = rows::CertificateRow::new(cert)?;
                db.execute(SAVE_CERTIFICATE, &row.params())?;
            }
            for entry in change.audit {
                let row = rows::AuditRow::new(entry)?;
                db.execute(ADD_AUDIT, &row.params())?;
            }
            if !counters.is_empty() {
                let [a, b, c, d] = counters.params();
                db.execute(ADD_COUNTERS, &[a, b, c, d, &shard])?;
            }
            Ok(())
        })
    }

    fn completions(&self, id: &LearnerId) -> Result<Vec<Completion>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT learner, topic, lesson, version, score, total, at FROM completions \
                 WHERE learner = $1 ORDER BY id",
                &[&id.as_str()],
            )?;
            rows.iter().map(rows::completion).collect()
        })
    }

    fn attempts(&self, id: &LearnerId) -> Result<Vec<QuizAttempt>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT learner, lesson, question, chosen, correct, at FROM attempts \
                 WHERE learner = $1 ORDER BY id",
                &[&id.as_str()],
            )?;
            rows.iter().map(rows::attempt).collect()
        })
    }

    fn completion_log(&self) -> Result<Vec<Completion>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT learner, topic, lesson, version, score, total, at FROM completions ORDER BY id",
                &[],
            )?;
            rows.iter().map(rows::completion).collect()
        })
    }

    fn channel_get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.read(|db| {
            let rows = db.query("SELECT value FROM channel_values WHERE key = $1", &[&key])?;
            rows.first().map(|r| rows::col(r, 0)).transpose()
        })
    }

    fn channel_put(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let value = rows::clean(value);
        self.write(true, |db| {
            db.execute(
                "INSERT INTO channel_values (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value.as_ref()],
            )?;
            Ok(())
        })
    }

    fn staff(&self, id: &LearnerId) -> Result<Option<Staff>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT learner, role, area, since, granted_by, mentor_code, group_codes \
                 FROM staff WHERE learner = $1",
                &[&id.as_str()],
            )?;
            rows.first()
                .map(rows::staff)
                .transpose()
                .map(|s| s.map(|(_, s)| s))
        })
    }

    fn link(&self, code: &str) -> Result<Option<Link>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT code, kind, role, area, mentor, channel, lang, chat, created_by, created, \
                 expires, used_by, title FROM links WHERE code = $1",
                &[&code],
            )?;
            rows.first().map(rows::link).transpose()
        })
    }

    fn mentees(&self, mentor: &LearnerId) -> Result<Vec<Learner>, StoreError> {
        self.read(|db| {
            let rows = db.query(MENTEES, &[&mentor.as_str()])?;
            rows::learners(&rows)
        })
    }

    fn counts(
        &self,
        scope: &str,
        (from, to): (Quarter, Quarter),
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                // Per figure (shards added up), then the positive ones over
                // the quarters, as the other stores count.
                "SELECT metric, sum(v)::int8 FROM ( \
                     SELECT quarter, metric, sum(value) AS v FROM counters \
                     WHERE scope = $1 AND quarter BETWEEN $2::int8 AND $3::int8 \
                     GROUP BY quarter, metric) per_quarter \
                 WHERE v > 0 GROUP BY metric",
                &[&scope, &i64::from(from), &i64::from(to)],
            )?;
            let mut out = BTreeMap::new();
            for row in &rows {
                let metric: String = rows::col(row, 0)?;
                let value: i64 = rows::col(row, 1)?;
                out.insert(metric, value.max(0) as u64);
            }
            Ok(out)
        })
    }

    fn certificate(&self, code: &str) -> Result<Option<Certificate>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT code, learner, name, topic, at, lessons FROM certificates WHERE code = $1",
                &[&code],
            )?;
            rows.first().map(rows::certificate).transpose()
        })
    }

    fn audit_log(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.read(|db| {
            let rows = db.query("SELECT at, actor, detail FROM audit ORDER BY id", &[])?;
            rows.iter().map(rows::audit).collect()
        })
    }

    fn outbox_due(
        &self,
        channel: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Queued>, StoreError> {
        // One instance sends a channel's outbox (so each message goes once,
        // in order, paced as one): the others see it empty until the
        // sender's lease lapses.
        if !self.lease(&format!("outbox/{channel}"), OUTBOX_LEASE)? {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let now = rows::ts_clamped(now);
        self.read(|db| {
            let rows = db.query(
                "SELECT id, channel, due, recipient_kind, recipient, lang, message FROM outbox \
                 WHERE channel = $1 AND due <= $2 ORDER BY due, id LIMIT $3",
                &[&channel, &now, &limit],
            )?;
            rows.iter().map(rows::queued).collect()
        })
    }

    fn staff_list(&self) -> Result<Vec<(LearnerId, Staff)>, StoreError> {
        self.read(|db| {
            let rows = db.query(
                "SELECT learner, role, area, since, granted_by, mentor_code, group_codes \
                 FROM staff ORDER BY learner",
                &[],
            )?;
            rows.iter().map(rows::staff).collect()
        })
    }

    fn help_thread(&self, id: &str) -> Result<Option<HelpThread>, StoreError> {
        self.read(|db| {
            let rows = db.query("SELECT thread FROM help_threads WHERE id = $1", &[&id])?;
            rows.first().map(rows::thread).transpose()
        })
    }

    fn open_threads(&self) -> Result<Vec<HelpThread>, StoreError> {
        self.read(|db| {
            let rows = db.query("SELECT thread FROM help_threads WHERE is_open", &[])?;
            rows.iter().map(rows::thread).collect()
        })
    }

    fn timers_due(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(TimerId, Timer)>, StoreError> {
        // Like the outbox: one instance runs the timers, so each is handled once.
        if !self.lease("timers", OUTBOX_LEASE)? {
            return Ok(Vec::new());
        }
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let now = rows::ts_clamped(now);
        self.read(|db| {
            let rows = db.query(
                "SELECT id, timer FROM timers WHERE due <= $1 ORDER BY due, id LIMIT $2",
                &[&now, &limit],
            )?;
            rows.iter().map(rows::timer).collect()
        })
    }

    fn outbox_remove(&self, id: &QueuedId) -> Result<(), StoreError> {
        let seq = id.seq as i64;
        self.write(true, |db| {
            db.execute("DELETE FROM outbox WHERE id = $1", &[&seq])?;
            Ok(())
        })
    }

    fn export(
        &self,
        out: &mut dyn FnMut(super::copy::Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.export_all(out)
    }

    /// A session advisory lock per learner, on a connection of the lock
    /// pool, held while `work` loads, decides and commits. If this process
    /// dies the server ends the session and the lock with it.
    fn exclusive(&self, learner: &LearnerId, work: &mut dyn FnMut()) -> Result<(), StoreError> {
        let keys = lock_keys(learner);
        blocking_here(|| {
            let mut conn = self
                .locks
                .as_ref()
                .expect("the pool lives until drop")
                .get()
                .map_err(|e| StoreError::Io(format!("no connection to {}: {e}", self.place)))?;
            let (a, b) = keys;
            conn.client
                .execute("SELECT pg_advisory_lock($1, $2)", &[&a, &b])
                .map_err(|e| db_error(&self.place, e))?;
            let _held = Held { conn, keys };
            work();
            Ok(())
        })
    }

    fn lease(&self, name: &str, ttl: Duration) -> Result<bool, StoreError> {
        let millis = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        // One statement on its own: trying it again is harmless.
        self.read(|db| Ok(!db.query(LEASE, &[&name, &self.holder, &millis])?.is_empty()))
    }

    fn import(&self, records: &[super::copy::Record]) -> Result<(), StoreError> {
        self.write(false, |db| bulk::import(db, records))
    }

    fn clear(&self) -> Result<(), StoreError> {
        self.write(true, |db| {
            db.execute(bulk::CLEAR, &[])?;
            Ok(())
        })
    }

    fn flush(&self) -> Result<(), StoreError> {
        // A durable commit waits for the log up to its own record, which
        // comes after every earlier commit's: so all of them are durable.
        // It needs something to write, hence the marker row.
        self.write(true, |db| {
            db.execute(
                "INSERT INTO store_meta (key, value) VALUES ('flushed', now()::text) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[],
            )?;
            Ok(())
        })
    }
}

impl PgStore {
    fn export_all(
        &self,
        out: &mut dyn FnMut(super::copy::Record) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        blocking_here(|| {
            let mut conn = self.conn()?;
            let result = bulk::export(&mut conn.client, out);
            if result.is_err() {
                // The stream may have been cut off mid-way.
                conn.broken = true;
            }
            result.map_err(|f| f.into_store(&self.place))
        })
    }

    /// A step or a menu press: one statement, committed on its own.
    fn write_plain(&self, learner: &rows::LearnerRow) -> Result<(), StoreError> {
        blocking(|| {
            let mut tries = 0;
            loop {
                let mut conn = self.conn()?;
                let result = {
                    let Conn {
                        client, statements, ..
                    } = &mut *conn;
                    Db { client, statements }.execute(SAVE_LEARNER, &learner.params())
                };
                match result {
                    Err(Fail::Pg(e)) if tries < 8 && retryable(&e) => tries += 1,
                    other => return other.map(|_| ()).map_err(|f| f.into_store(&self.place)),
                }
            }
        })
    }
}

/// Whether a change only rewrites the learner and their progress.
fn is_plain(change: &Change<'_>) -> bool {
    change.attempts.is_empty()
        && change.completions.is_empty()
        && change.outbox.is_empty()
        && change.staff.is_empty()
        && change.links.is_empty()
        && change.claim.is_none()
        && change.certificates.is_empty()
        && change.audit.is_empty()
        && change.counters.is_empty()
        && change.threads.is_empty()
        && change.timers.is_empty()
        && change.timer_done.is_none()
}

#[cfg(test)]
mod tests;

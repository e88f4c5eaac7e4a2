//! Everything out and in at once, for `store copy`: the export streams each
//! table from one consistent snapshot (a repeatable-read transaction, so a
//! running bot may keep writing); the import writes a batch of records with
//! one array statement per table.

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, Row};

use super::rows::{self, Fail};
use super::{
    ADD_ATTEMPTS, ADD_AUDIT, ADD_COMPLETIONS, ADD_COUNTERS, ADD_OUTBOX, ADD_TIMERS, Db, SAVE_LINK,
    SAVE_STAFF,
};
use crate::core::stats::CounterKey;
use crate::core::{Completion, Outgoing, QuizAttempt};
use crate::store::StoreError;
use crate::store::copy::{Record, counter_values};

const EXPORT_LEARNERS: &str = "SELECT l.id, l.channel, l.display_name, l.lang, l.created, \
    l.last_active, l.started, l.area, l.area_asked, l.mentor, l.mentor_channel, l.mentor_lang, \
    l.via_group, l.push_group, l.pending_start, l.session, l.certificate_stamps, \
    p.lesson, p.step, p.updated, p.completed_at, p.best_score, p.total, l.state \
    FROM learners l LEFT JOIN progress p ON p.learner = l.id ORDER BY l.id, p.lesson";

const IMPORT_LEARNERS: &str = "INSERT INTO learners (id, channel, display_name, lang, created, \
    last_active, started, area, area_asked, mentor, mentor_channel, mentor_lang, via_group, \
    push_group, pending_start, session, certificate_stamps, state) \
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], \
    $6::timestamptz[], $7::timestamptz[], $8::text[], $9::bool[], $10::text[], $11::text[], \
    $12::text[], $13::text[], $14::text[], $15::text[], $16::jsonb[], $17::jsonb[], $18::jsonb[])";

const IMPORT_PROGRESS: &str = "INSERT INTO progress (learner, lesson, step, updated, \
    completed_at, best_score, total) SELECT * FROM unnest($1::text[], $2::text[], $3::int4[], \
    $4::timestamptz[], $5::timestamptz[], $6::int4[], $7::int4[])";

const IMPORT_CERTIFICATES: &str = "INSERT INTO certificates (code, learner, name, topic, at, \
    lessons) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], \
    $5::timestamptz[], $6::jsonb[])";

const IMPORT_CHANNEL: &str = "INSERT INTO channel_values (key, value) \
    SELECT * FROM unnest($1::text[], $2::text[])";

pub(super) const CLEAR: &str = "TRUNCATE learners, progress, attempts, completions, staff, links, \
    certificates, audit, outbox, counters, channel_values, help_threads, timers";

/// A question as exported, whatever its version (the last parameter, the
/// version it was read at, is not needed here).
const IMPORT_THREAD: &str = "INSERT INTO help_threads (id, version, learner, area, lesson, \
    asked, level, state, is_open, first_answer, thread) \
    SELECT $1::text, $2::int4, $3::text, $4::text, $5::text, $6::timestamptz, $7::int4, \
    $8::text, $9::bool, $10::timestamptz, $11::jsonb WHERE $12::int4 IS NOT NULL";

/// Streams every table to `out`, in the order `Record` promises.
pub(super) fn export(
    client: &mut Client,
    out: &mut dyn FnMut(Record) -> Result<(), StoreError>,
) -> Result<(), Fail> {
    client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    let result = export_in(client, out);
    let _ = client.batch_execute("ROLLBACK");
    result
}

fn export_in(
    client: &mut Client,
    out: &mut dyn FnMut(Record) -> Result<(), StoreError>,
) -> Result<(), Fail> {
    let mut current = None;
    each(client, EXPORT_LEARNERS, &mut |row| {
        if let Some(done) = rows::fold_learner(&mut current, row)? {
            out(Record::Learner(done))?;
        }
        Ok(())
    })?;
    if let Some(last) = current {
        out(Record::Learner(last))?;
    }
    each(
        client,
        "SELECT learner, lesson, question, chosen, correct, at FROM attempts ORDER BY id",
        &mut |row| Ok(out(Record::Attempt(rows::attempt(row)?))?),
    )?;
    each(
        client,
        "SELECT learner, topic, lesson, version, score, total, at FROM completions ORDER BY id",
        &mut |row| Ok(out(Record::Completion(rows::completion(row)?))?),
    )?;
    each(
        client,
        "SELECT learner, role, area, since, granted_by, mentor_code, group_codes FROM staff",
        &mut |row| {
            let (who, staff) = rows::staff(row)?;
            Ok(out(Record::Staff(who, staff))?)
        },
    )?;
    each(
        client,
        "SELECT code, kind, role, area, mentor, channel, lang, chat, created_by, created, \
         expires, used_by, title FROM links",
        &mut |row| Ok(out(Record::Link(rows::link(row)?))?),
    )?;
    each(
        client,
        "SELECT code, learner, name, topic, at, lessons FROM certificates",
        &mut |row| Ok(out(Record::Certificate(rows::certificate(row)?))?),
    )?;
    each(
        client,
        "SELECT at, actor, detail FROM audit ORDER BY id",
        &mut |row| Ok(out(Record::Audit(rows::audit(row)?))?),
    )?;
    each(
        client,
        "SELECT id, channel, due, recipient_kind, recipient, lang, message FROM outbox \
         ORDER BY channel, due, id",
        &mut |row| Ok(out(Record::Outbox(rows::queued(row)?.item))?),
    )?;
    each(
        client,
        "SELECT scope, quarter, metric, sum(value)::int8 FROM counters \
         GROUP BY scope, quarter, metric",
        &mut |row| {
            let quarter: i32 = rows::col(row, 1)?;
            let key = CounterKey {
                scope: rows::col(row, 0)?,
                quarter: quarter.max(0) as u32,
                metric: rows::col(row, 2)?,
            };
            Ok(out(Record::Counter(key, rows::col(row, 3)?))?)
        },
    )?;
    each(
        client,
        "SELECT key, value FROM channel_values",
        &mut |row| {
            Ok(out(Record::Channel(
                rows::col(row, 0)?,
                rows::col(row, 1)?,
            ))?)
        },
    )?;
    each(client, "SELECT thread FROM help_threads", &mut |row| {
        Ok(out(Record::Thread(rows::thread(row)?))?)
    })?;
    each(
        client,
        "SELECT id, timer FROM timers ORDER BY due, id",
        &mut |row| Ok(out(Record::Timer(rows::timer(row)?.1))?),
    )
}

/// Runs `sql` and hands each row to `f` as it arrives (a table of millions
/// of rows never sits in memory whole).
fn each(
    client: &mut Client,
    sql: &str,
    f: &mut dyn FnMut(&Row) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let none: [&(dyn ToSql + Sync); 0] = [];
    let mut rows = client.query_raw(sql, none)?;
    while let Some(row) = rows.next()? {
        f(&row)?;
    }
    Ok(())
}

/// Writes one batch of records; the caller's transaction holds it together.
pub(super) fn import(db: &mut Db<'_, Client>, records: &[Record]) -> Result<(), Fail> {
    let mut learners = rows::LearnerColumns::default();
    let mut certificates = rows::CertificateColumns::default();
    let mut attempts: Vec<QuizAttempt> = Vec::new();
    let mut completions: Vec<Completion> = Vec::new();
    let mut outbox: Vec<Outgoing> = Vec::new();
    let mut timers = rows::TimerRows::default();
    let mut channel: (Vec<&str>, Vec<std::borrow::Cow<'_, str>>) = (Vec::new(), Vec::new());
    for record in records {
        match record {
            Record::Learner(l) => learners.push(l)?,
            Record::Certificate(c) => certificates.push(c)?,
            Record::Attempt(a) => attempts.push(a.clone()),
            Record::Completion(c) => completions.push(c.clone()),
            Record::Outbox(o) => outbox.push(o.clone()),
            Record::Channel(k, v) => {
                channel.0.push(k);
                channel.1.push(rows::clean(v));
            }
            Record::Timer(t) => timers.push(t)?,
            Record::Staff(..)
            | Record::Link(_)
            | Record::Audit(_)
            | Record::Counter(..)
            | Record::Thread(_) => {}
        }
    }
    if !learners.is_empty() {
        db.execute(IMPORT_LEARNERS, &learners.learner_params())?;
        db.execute(IMPORT_PROGRESS, &learners.progress_params())?;
    }
    if !certificates.is_empty() {
        db.execute(IMPORT_CERTIFICATES, &certificates.params())?;
    }
    let attempts = rows::AttemptRows::new(&attempts)?;
    if !attempts.is_empty() {
        db.execute(ADD_ATTEMPTS, &attempts.params())?;
    }
    let completions = rows::CompletionRows::new(&completions)?;
    if !completions.is_empty() {
        db.execute(ADD_COMPLETIONS, &completions.params())?;
    }
    let outbox = rows::OutboxRows::new(&outbox)?;
    if !outbox.is_empty() {
        db.execute(ADD_OUTBOX, &outbox.params())?;
    }
    if !timers.is_empty() {
        db.execute(ADD_TIMERS, &timers.params())?;
    }
    if !channel.0.is_empty() {
        db.execute(IMPORT_CHANNEL, &[&channel.0, &channel.1])?;
    }
    // The few rows of these kinds go one statement each.
    for record in records {
        match record {
            Record::Staff(who, staff) => {
                let row = rows::StaffRow::new(who, staff)?;
                db.execute(SAVE_STAFF, &row.params())?;
            }
            Record::Link(link) => {
                let row = rows::LinkRow::new(link)?;
                db.execute(SAVE_LINK, &row.params())?;
            }
            Record::Audit(entry) => {
                let row = rows::AuditRow::new(entry)?;
                db.execute(ADD_AUDIT, &row.params())?;
            }
            Record::Thread(thread) => {
                let row = rows::ThreadRow::new(thread)?;
                db.execute(IMPORT_THREAD, &row.params())?;
            }
            _ => {}
        }
    }
    let counters: Vec<(CounterKey, i64)> = counter_values(records)
        .into_iter()
        .map(|(k, v)| (k.clone(), v))
        .collect();
    let counters = rows::CounterRows::values(&counters)?;
    if !counters.is_empty() {
        let [a, b, c, d] = counters.params();
        db.execute(ADD_COUNTERS, &[a, b, c, d, &0i16])?;
    }
    Ok(())
}

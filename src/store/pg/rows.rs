//! Core records to and from table rows. Every column a reporting tool would
//! read is a plain column; JSON only holds bot state (the session) and whole
//! messages. Values that cannot be stored (a time past year 9999, a count
//! beyond 2³¹) are refused with an error, never cut.

use std::borrow::Cow;
use std::collections::BTreeMap;

use postgres::Row;
use postgres::types::{FromSql, Json, ToSql};
use time::OffsetDateTime;

use crate::core::stats::CounterKey;
use crate::core::{
    AuditAction, AuditEntry, Certificate, CertificateStamp, CertifiedLesson, CompletedLesson,
    Completion, HelpThread, Lang, Learner, LearnerId, LessonProgress, Link, LinkKind, Message,
    Outgoing, Queued, QueuedId, QuizAttempt, Recipient, Role, Session, Staff, ThreadState, Timer,
    TimerId, Timestamp,
};
use crate::store::StoreError;

type Param<'a> = &'a (dyn ToSql + Sync);

/// A failure inside a store call: the server's error (kept whole, so a
/// serialisation failure can be retried) or the store's own.
#[derive(Debug)]
pub(super) enum Fail {
    Pg(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for Fail {
    fn from(e: postgres::Error) -> Self {
        Fail::Pg(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl Fail {
    pub(super) fn into_store(self, place: &str) -> StoreError {
        match self {
            Fail::Pg(e) => super::db_error(place, e),
            Fail::Store(e) => e,
        }
    }
}

pub(super) fn ts(at: Timestamp) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(at)
        .map_err(|_| StoreError::Io(format!("the time {at} cannot be stored")))
}

/// A time bound for a query: out-of-range values mean "forever".
pub(super) fn ts_clamped(at: Timestamp) -> OffsetDateTime {
    let min = time::PrimitiveDateTime::MIN.assume_utc().unix_timestamp();
    let max = time::PrimitiveDateTime::MAX.assume_utc().unix_timestamp();
    OffsetDateTime::from_unix_timestamp(at.clamp(min, max)).expect("clamped into range")
}

fn int(n: usize, what: &str) -> Result<i32, StoreError> {
    i32::try_from(n).map_err(|_| StoreError::Io(format!("{what} {n} is too large to store")))
}

/// PostgreSQL text cannot hold U+0000: a stray one in a name becomes U+FFFD
/// instead of failing the learner's every event.
pub(super) fn clean(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The same for every string inside a JSON value.
fn clean_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{FFFD}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(clean_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(clean_json),
        _ => {}
    }
}

fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(value).expect("core records always serialise");
    clean_json(&mut value);
    value
}

fn corrupt(row: &Row, what: impl std::fmt::Display) -> StoreError {
    let table = row
        .columns()
        .first()
        .map(|c| c.name().to_string())
        .unwrap_or_default();
    StoreError::Corrupt {
        key: format!("row starting with column {table}"),
        reason: what.to_string(),
    }
}

pub(super) fn col<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, Fail> {
    row.try_get(i)
        .map_err(|e| Fail::Store(corrupt(row, format!("column {i}: {e}"))))
}

fn time_col(row: &Row, i: usize) -> Result<Timestamp, Fail> {
    Ok(col::<OffsetDateTime>(row, i)?.unix_timestamp())
}

fn opt_time_col(row: &Row, i: usize) -> Result<Option<Timestamp>, Fail> {
    Ok(col::<Option<OffsetDateTime>>(row, i)?.map(|t| t.unix_timestamp()))
}

fn count_col(row: &Row, i: usize) -> Result<usize, Fail> {
    let n: i32 = col(row, i)?;
    usize::try_from(n).map_err(|_| Fail::Store(corrupt(row, format!("column {i} is negative"))))
}

fn id_col(row: &Row, i: usize) -> Result<LearnerId, Fail> {
    let s: String = col(row, i)?;
    LearnerId::new(s).ok_or_else(|| Fail::Store(corrupt(row, format!("column {i}: bad id"))))
}

fn json_col<T: serde::de::DeserializeOwned>(row: &Row, i: usize) -> Result<T, Fail> {
    let Json(value): Json<serde_json::Value> = col(row, i)?;
    serde_json::from_value(value).map_err(|e| Fail::Store(corrupt(row, format!("column {i}: {e}"))))
}

fn role(text: &str) -> Option<Role> {
    serde_json::from_value(serde_json::Value::String(text.to_string())).ok()
}

/// A learner's columns and the changed lessons as arrays, for `SAVE_LEARNER`.
pub(super) struct LearnerRow<'a> {
    learner: &'a Learner,
    id: &'a str,
    lang: Option<&'a str>,
    mentor: Option<&'a str>,
    mentor_channel: Option<&'a str>,
    mentor_lang: Option<&'a str>,
    display_name: Cow<'a, str>,
    created: OffsetDateTime,
    last_active: OffsetDateTime,
    started: Option<OffsetDateTime>,
    session: Json<&'a Session>,
    stamps: Json<&'a BTreeMap<String, CertificateStamp>>,
    state: Json<serde_json::Value>,
    lessons: Vec<&'a str>,
    steps: Vec<i32>,
    updated: Vec<OffsetDateTime>,
    completed: Vec<Option<OffsetDateTime>>,
    scores: Vec<Option<i32>>,
    totals: Vec<Option<i32>>,
}

impl<'a> LearnerRow<'a> {
    pub fn new(
        learner: &'a Learner,
        progress: &'a [(&'a str, &'a LessonProgress)],
    ) -> Result<Self, StoreError> {
        let mentor = learner.mentor.as_ref();
        let mut row = LearnerRow {
            learner,
            id: learner.id.as_str(),
            lang: learner.lang.as_ref().map(Lang::as_str),
            mentor: mentor.map(|m| m.id.as_str()),
            mentor_channel: mentor.map(|m| m.channel.as_str()),
            mentor_lang: mentor.map(|m| m.lang.as_str()),
            display_name: clean(&learner.display_name),
            created: ts(learner.created)?,
            last_active: ts(learner.last_active)?,
            started: learner.started.map(ts).transpose()?,
            session: Json(&learner.session),
            stamps: Json(&learner.certificates),
            state: Json(learner_state(learner)),
            lessons: Vec::with_capacity(progress.len()),
            steps: Vec::with_capacity(progress.len()),
            updated: Vec::with_capacity(progress.len()),
            completed: Vec::with_capacity(progress.len()),
            scores: Vec::with_capacity(progress.len()),
            totals: Vec::with_capacity(progress.len()),
        };
        for (lesson, p) in progress {
            row.lessons.push(*lesson);
            row.steps.push(int(p.step, "a step")?);
            row.updated.push(ts(p.updated)?);
            let done = p.completed.as_ref();
            row.completed.push(done.map(|c| ts(c.at)).transpose()?);
            row.scores
                .push(done.map(|c| int(c.score, "a score")).transpose()?);
            row.totals
                .push(done.map(|c| int(c.total, "a total")).transpose()?);
        }
        Ok(row)
    }

    pub fn params(&self) -> [Param<'_>; 24] {
        let l = self.learner;
        [
            &self.id,
            &l.channel,
            &self.display_name,
            &self.lang,
            &self.created,
            &self.last_active,
            &self.started,
            &l.area,
            &l.area_asked,
            &self.mentor,
            &self.mentor_channel,
            &self.mentor_lang,
            &l.via_group,
            &l.push_group,
            &l.pending_start,
            &self.session,
            &self.stamps,
            &self.lessons,
            &self.steps,
            &self.updated,
            &self.completed,
            &self.scores,
            &self.totals,
            &self.state,
        ]
    }
}

/// Learners from rows of `LOAD`/`MENTEES` (learner columns, then one
/// lesson's progress, or NULLs), rows of one learner together.
pub(super) fn learners(rows: &[Row]) -> Result<Vec<Learner>, Fail> {
    let mut out = Vec::new();
    let mut current = None;
    for row in rows {
        out.extend(fold_learner(&mut current, row)?);
    }
    out.extend(current);
    Ok(out)
}

/// Adds one row to the learner in hand: its progress if the row is about
/// the same learner; otherwise the learner in hand is returned finished and
/// the row starts the next one (left in `current`).
pub(super) fn fold_learner(
    current: &mut Option<Learner>,
    row: &Row,
) -> Result<Option<Learner>, Fail> {
    let id = id_col(row, 0)?;
    let finished = match current {
        Some(l) if l.id == id => None,
        _ => current.replace(learner(row, id)?),
    };
    let learner = current.as_mut().expect("set above");
    if let Some(lesson) = col::<Option<String>>(row, 17)? {
        let completed = match opt_time_col(row, 20)? {
            Some(at) => Some(CompletedLesson {
                at,
                score: count_col(row, 21)?,
                total: count_col(row, 22)?,
            }),
            None => None,
        };
        learner.progress.insert(
            lesson,
            LessonProgress {
                step: count_col(row, 18)?,
                updated: time_col(row, 19)?,
                completed,
            },
        );
    }
    Ok(finished)
}

/// The learner's fields kept in their own columns; every other field goes
/// to the `state` column, so a field added to `Learner` later is kept
/// without a migration.
const LEARNER_COLUMNS: &[&str] = &[
    "id",
    "channel",
    "display_name",
    "lang",
    "created",
    "last_active",
    "session",
    "pending_start",
    "progress",
    "started",
    "area",
    "area_asked",
    "mentor",
    "via_group",
    "certificates",
    "push_group",
];

/// The fields of `learner` that have no column of their own.
pub(super) fn learner_state(learner: &Learner) -> serde_json::Value {
    let mut value = json(learner);
    if let serde_json::Value::Object(map) = &mut value {
        for column in LEARNER_COLUMNS {
            map.remove(*column);
        }
    }
    value
}

fn learner(row: &Row, id: LearnerId) -> Result<Learner, Fail> {
    use serde_json::Value;
    let mut map = match json_col::<Value>(row, 23)? {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    };
    let text = |i: usize| -> Result<Value, Fail> {
        Ok(col::<Option<String>>(row, i)?.map_or(Value::Null, Value::String))
    };
    let time = |i: usize| -> Result<Value, Fail> {
        Ok(opt_time_col(row, i)?.map_or(Value::Null, Value::from))
    };
    map.insert("id".into(), Value::String(id.as_str().to_string()));
    map.insert("channel".into(), text(1)?);
    map.insert("display_name".into(), text(2)?);
    map.insert("lang".into(), text(3)?);
    map.insert("created".into(), time(4)?);
    map.insert("last_active".into(), time(5)?);
    map.insert("started".into(), time(6)?);
    map.insert("area".into(), text(7)?);
    map.insert("area_asked".into(), Value::Bool(col(row, 8)?));
    let mentor = match col::<Option<String>>(row, 9)? {
        Some(mentor) => serde_json::json!({
            "id": mentor,
            "channel": col::<Option<String>>(row, 10)?.unwrap_or_default(),
            "lang": col::<Option<String>>(row, 11)?.unwrap_or_default(),
        }),
        None => Value::Null,
    };
    map.insert("mentor".into(), mentor);
    map.insert("via_group".into(), text(12)?);
    map.insert("push_group".into(), text(13)?);
    map.insert("pending_start".into(), text(14)?);
    map.insert("session".into(), json_col(row, 15)?);
    map.insert("certificates".into(), json_col(row, 16)?);
    serde_json::from_value(Value::Object(map))
        .map_err(|e| Fail::Store(corrupt(row, format!("learner: {e}"))))
}

pub(super) struct AttemptRows<'a> {
    learners: Vec<&'a str>,
    lessons: Vec<&'a str>,
    questions: Vec<i32>,
    chosen: Vec<i32>,
    correct: Vec<bool>,
    at: Vec<OffsetDateTime>,
}

impl<'a> AttemptRows<'a> {
    pub fn new(attempts: &'a [QuizAttempt]) -> Result<Self, StoreError> {
        let mut rows = AttemptRows {
            learners: Vec::new(),
            lessons: Vec::new(),
            questions: Vec::new(),
            chosen: Vec::new(),
            correct: Vec::new(),
            at: Vec::new(),
        };
        for a in attempts {
            rows.learners.push(a.learner.as_str());
            rows.lessons.push(&a.lesson);
            rows.questions.push(int(a.question, "a question number")?);
            rows.chosen.push(int(a.option, "an option number")?);
            rows.correct.push(a.correct);
            rows.at.push(ts(a.at)?);
        }
        Ok(rows)
    }

    pub fn is_empty(&self) -> bool {
        self.learners.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 6] {
        [
            &self.learners,
            &self.lessons,
            &self.questions,
            &self.chosen,
            &self.correct,
            &self.at,
        ]
    }
}

pub(super) fn attempt(row: &Row) -> Result<QuizAttempt, Fail> {
    Ok(QuizAttempt {
        learner: id_col(row, 0)?,
        lesson: col(row, 1)?,
        question: count_col(row, 2)?,
        option: count_col(row, 3)?,
        correct: col(row, 4)?,
        at: time_col(row, 5)?,
    })
}

pub(super) struct CompletionRows<'a> {
    learners: Vec<&'a str>,
    topics: Vec<&'a str>,
    lessons: Vec<&'a str>,
    versions: Vec<&'a str>,
    scores: Vec<i32>,
    totals: Vec<i32>,
    at: Vec<OffsetDateTime>,
}

impl<'a> CompletionRows<'a> {
    pub fn new(completions: &'a [Completion]) -> Result<Self, StoreError> {
        let mut rows = CompletionRows {
            learners: Vec::new(),
            topics: Vec::new(),
            lessons: Vec::new(),
            versions: Vec::new(),
            scores: Vec::new(),
            totals: Vec::new(),
            at: Vec::new(),
        };
        for c in completions {
            rows.learners.push(c.learner.as_str());
            rows.topics.push(&c.topic);
            rows.lessons.push(&c.lesson);
            rows.versions.push(&c.version);
            rows.scores.push(int(c.score, "a score")?);
            rows.totals.push(int(c.total, "a total")?);
            rows.at.push(ts(c.at)?);
        }
        Ok(rows)
    }

    pub fn is_empty(&self) -> bool {
        self.learners.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 7] {
        [
            &self.learners,
            &self.topics,
            &self.lessons,
            &self.versions,
            &self.scores,
            &self.totals,
            &self.at,
        ]
    }
}

pub(super) fn completion(row: &Row) -> Result<Completion, Fail> {
    Ok(Completion {
        learner: id_col(row, 0)?,
        topic: col(row, 1)?,
        lesson: col(row, 2)?,
        version: col(row, 3)?,
        score: count_col(row, 4)?,
        total: count_col(row, 5)?,
        at: time_col(row, 6)?,
    })
}

pub(super) struct OutboxRows<'a> {
    channels: Vec<&'a str>,
    due: Vec<OffsetDateTime>,
    kinds: Vec<&'static str>,
    recipients: Vec<&'a str>,
    langs: Vec<&'a str>,
    messages: Vec<Json<serde_json::Value>>,
}

impl<'a> OutboxRows<'a> {
    pub fn new(items: &'a [Outgoing]) -> Result<Self, StoreError> {
        let mut rows = OutboxRows {
            channels: Vec::new(),
            due: Vec::new(),
            kinds: Vec::new(),
            recipients: Vec::new(),
            langs: Vec::new(),
            messages: Vec::new(),
        };
        for item in items {
            let (kind, to) = match &item.to {
                Recipient::Learner { id } => ("learner", id.as_str()),
                Recipient::Group { chat } => ("group", chat.as_str()),
            };
            rows.channels.push(&item.channel);
            rows.due.push(ts(item.not_before)?);
            rows.kinds.push(kind);
            rows.recipients.push(to);
            rows.langs.push(item.lang.as_str());
            rows.messages.push(Json(json(&item.message)));
        }
        Ok(rows)
    }

    pub fn is_empty(&self) -> bool {
        self.channels.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 6] {
        [
            &self.channels,
            &self.due,
            &self.kinds,
            &self.recipients,
            &self.langs,
            &self.messages,
        ]
    }
}

pub(super) fn queued(row: &Row) -> Result<Queued, Fail> {
    let seq: i64 = col(row, 0)?;
    let channel: String = col(row, 1)?;
    let due = time_col(row, 2)?;
    let kind: String = col(row, 3)?;
    let to: String = col(row, 4)?;
    let to = match kind.as_str() {
        "learner" => Recipient::Learner {
            id: LearnerId::new(to).ok_or_else(|| Fail::Store(corrupt(row, "bad recipient")))?,
        },
        "group" => Recipient::Group { chat: to },
        other => return Err(Fail::Store(corrupt(row, format!("recipient kind {other}")))),
    };
    let message: Message = json_col(row, 6)?;
    Ok(Queued {
        id: QueuedId {
            channel: channel.clone(),
            due,
            seq: seq as u64,
        },
        item: Outgoing {
            channel,
            to,
            lang: Lang::new(col::<String>(row, 5)?),
            message,
            not_before: due,
        },
    })
}

/// Counter changes merged per key and sorted (the lock order), zeros left out.
pub(super) struct CounterRows {
    scopes: Vec<String>,
    quarters: Vec<i32>,
    metrics: Vec<String>,
    deltas: Vec<i64>,
}

impl CounterRows {
    pub fn new(changes: &[(CounterKey, i64)]) -> Result<Self, StoreError> {
        Self::build(changes, false)
    }

    /// Values as exported, zeros kept (a counter brought back to zero by a
    /// learner who moved is still a row).
    pub fn values(values: &[(CounterKey, i64)]) -> Result<Self, StoreError> {
        Self::build(values, true)
    }

    fn build(changes: &[(CounterKey, i64)], keep_zero: bool) -> Result<Self, StoreError> {
        let mut merged: BTreeMap<&CounterKey, i64> = BTreeMap::new();
        for (key, delta) in changes {
            *merged.entry(key).or_default() += delta;
        }
        let mut rows = CounterRows {
            scopes: Vec::new(),
            quarters: Vec::new(),
            metrics: Vec::new(),
            deltas: Vec::new(),
        };
        for (key, delta) in merged.into_iter().filter(|(_, d)| keep_zero || *d != 0) {
            rows.scopes.push(clean(&key.scope).into_owned());
            rows.quarters
                .push(i32::try_from(key.quarter).map_err(|_| {
                    StoreError::Io(format!("quarter {} is too large", key.quarter))
                })?);
            rows.metrics.push(clean(&key.metric).into_owned());
            rows.deltas.push(delta);
        }
        Ok(rows)
    }

    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 4] {
        [&self.scopes, &self.quarters, &self.metrics, &self.deltas]
    }
}

pub(super) struct StaffRow<'a> {
    who: &'a str,
    staff: &'a Staff,
    role: &'static str,
    since: OffsetDateTime,
    granted_by: &'a str,
}

impl<'a> StaffRow<'a> {
    pub fn new(who: &'a LearnerId, staff: &'a Staff) -> Result<Self, StoreError> {
        Ok(StaffRow {
            who: who.as_str(),
            staff,
            role: staff.role.as_str(),
            since: ts(staff.since)?,
            granted_by: staff.granted_by.as_str(),
        })
    }

    pub fn params(&self) -> [Param<'_>; 7] {
        let s = self.staff;
        [
            &self.who,
            &self.role,
            &s.area,
            &self.since,
            &self.granted_by,
            &s.mentor_code,
            &s.groups,
        ]
    }
}

pub(super) fn staff(row: &Row) -> Result<(LearnerId, Staff), Fail> {
    let role_text: String = col(row, 1)?;
    let role = role(&role_text)
        .ok_or_else(|| Fail::Store(corrupt(row, format!("unknown role {role_text}"))))?;
    Ok((
        id_col(row, 0)?,
        Staff {
            role,
            area: col(row, 2)?,
            since: time_col(row, 3)?,
            granted_by: id_col(row, 4)?,
            mentor_code: col(row, 5)?,
            groups: col(row, 6)?,
        },
    ))
}

pub(super) struct LinkRow<'a> {
    link: &'a Link,
    kind: &'static str,
    role: Option<&'static str>,
    area: Option<&'a str>,
    mentor: Option<&'a str>,
    channel: Option<&'a str>,
    lang: Option<&'a str>,
    chat: Option<&'a str>,
    title: Option<&'a str>,
    created_by: &'a str,
    created: OffsetDateTime,
    expires: Option<OffsetDateTime>,
    used_by: Option<&'a str>,
}

impl<'a> LinkRow<'a> {
    pub fn new(link: &'a Link) -> Result<Self, StoreError> {
        let mut row = LinkRow {
            link,
            kind: "",
            role: None,
            area: None,
            mentor: None,
            channel: None,
            lang: None,
            chat: None,
            title: None,
            created_by: link.created_by.as_str(),
            created: ts(link.created)?,
            expires: link.expires.map(ts).transpose()?,
            used_by: link.used_by.as_ref().map(LearnerId::as_str),
        };
        match &link.kind {
            LinkKind::Invite { role, area } => {
                row.kind = "invite";
                row.role = Some(role.as_str());
                row.area = Some(area);
            }
            LinkKind::Mentor {
                mentor,
                channel,
                lang,
            } => {
                row.kind = "mentor";
                row.mentor = Some(mentor.as_str());
                row.channel = Some(channel);
                row.lang = Some(lang.as_str());
            }
            LinkKind::Group {
                channel,
                chat,
                title,
                area,
            } => {
                row.kind = "group";
                row.channel = Some(channel);
                row.chat = Some(chat);
                row.title = title.as_deref();
                row.area = area.as_deref();
            }
        }
        Ok(row)
    }

    pub fn params(&self) -> [Param<'_>; 13] {
        let l = self.link;
        [
            &l.code,
            &self.kind,
            &self.role,
            &self.area,
            &self.mentor,
            &self.channel,
            &self.lang,
            &self.chat,
            &self.created_by,
            &self.created,
            &self.expires,
            &self.used_by,
            &self.title,
        ]
    }
}

pub(super) fn link(row: &Row) -> Result<Link, Fail> {
    let kind: String = col(row, 1)?;
    let text = |i: usize| -> Result<String, Fail> {
        col::<Option<String>>(row, i)?
            .ok_or_else(|| Fail::Store(corrupt(row, format!("a {kind} link lacks column {i}"))))
    };
    let kind = match kind.as_str() {
        "invite" => LinkKind::Invite {
            role: role(&text(2)?).ok_or_else(|| Fail::Store(corrupt(row, "unknown role")))?,
            area: text(3)?,
        },
        "mentor" => LinkKind::Mentor {
            mentor: LearnerId::new(text(4)?)
                .ok_or_else(|| Fail::Store(corrupt(row, "bad mentor id")))?,
            channel: text(5)?,
            lang: Lang::new(text(6)?),
        },
        "group" => LinkKind::Group {
            channel: text(5)?,
            chat: text(7)?,
            title: col(row, 12)?,
            area: col(row, 3)?,
        },
        other => return Err(Fail::Store(corrupt(row, format!("link kind {other}")))),
    };
    let used_by = match col::<Option<String>>(row, 11)? {
        Some(u) => {
            Some(LearnerId::new(u).ok_or_else(|| Fail::Store(corrupt(row, "bad used_by id")))?)
        }
        None => None,
    };
    Ok(Link {
        code: col(row, 0)?,
        kind,
        created_by: id_col(row, 8)?,
        created: time_col(row, 9)?,
        expires: opt_time_col(row, 10)?,
        used_by,
    })
}

pub(super) struct CertificateRow<'a> {
    cert: &'a Certificate,
    learner: &'a str,
    name: Cow<'a, str>,
    at: OffsetDateTime,
    lessons: Json<&'a Vec<CertifiedLesson>>,
}

impl<'a> CertificateRow<'a> {
    pub fn new(cert: &'a Certificate) -> Result<Self, StoreError> {
        Ok(CertificateRow {
            cert,
            learner: cert.learner.as_str(),
            name: clean(&cert.name),
            at: ts(cert.at)?,
            lessons: Json(&cert.lessons),
        })
    }

    pub fn params(&self) -> [Param<'_>; 6] {
        let c = self.cert;
        [
            &c.code,
            &self.learner,
            &self.name,
            &c.topic,
            &self.at,
            &self.lessons,
        ]
    }
}

pub(super) fn certificate(row: &Row) -> Result<Certificate, Fail> {
    Ok(Certificate {
        code: col(row, 0)?,
        learner: id_col(row, 1)?,
        name: col(row, 2)?,
        topic: col(row, 3)?,
        at: time_col(row, 4)?,
        lessons: json_col(row, 5)?,
        // Forgetting a learner (which withdraws certificates) is not built
        // for PostgreSQL yet: see `Store::forget`.
        revoked: None,
    })
}

pub(super) struct AuditRow<'a> {
    actor: &'a str,
    at: OffsetDateTime,
    action: String,
    summary: String,
    detail: Json<serde_json::Value>,
}

impl<'a> AuditRow<'a> {
    pub fn new(entry: &'a AuditEntry) -> Result<Self, StoreError> {
        let detail = json(&entry.action);
        let action = detail
            .get("what")
            .and_then(|w| w.as_str())
            .unwrap_or("unknown")
            .to_string();
        Ok(AuditRow {
            actor: entry.actor.as_str(),
            at: ts(entry.at)?,
            action,
            summary: clean(&entry.action.to_string()).into_owned(),
            detail: Json(detail),
        })
    }

    pub fn params(&self) -> [Param<'_>; 5] {
        [
            &self.at,
            &self.actor,
            &self.action,
            &self.summary,
            &self.detail,
        ]
    }
}

pub(super) fn audit(row: &Row) -> Result<AuditEntry, Fail> {
    let action: AuditAction = json_col(row, 2)?;
    Ok(AuditEntry {
        at: time_col(row, 0)?,
        actor: id_col(row, 1)?,
        action,
    })
}

/// Many learners and all their progress as column arrays, for `import`.
#[derive(Default)]
pub(super) struct LearnerColumns<'a> {
    ids: Vec<&'a str>,
    channels: Vec<&'a str>,
    names: Vec<Cow<'a, str>>,
    langs: Vec<Option<&'a str>>,
    created: Vec<OffsetDateTime>,
    last_active: Vec<OffsetDateTime>,
    started: Vec<Option<OffsetDateTime>>,
    areas: Vec<Option<&'a str>>,
    asked: Vec<bool>,
    mentors: Vec<Option<&'a str>>,
    mentor_channels: Vec<Option<&'a str>>,
    mentor_langs: Vec<Option<&'a str>>,
    via_groups: Vec<Option<&'a str>>,
    push_groups: Vec<Option<&'a str>>,
    pending: Vec<Option<&'a str>>,
    sessions: Vec<Json<&'a Session>>,
    stamps: Vec<Json<&'a BTreeMap<String, CertificateStamp>>>,
    states: Vec<Json<serde_json::Value>>,
    p_learners: Vec<&'a str>,
    p_lessons: Vec<&'a str>,
    p_steps: Vec<i32>,
    p_updated: Vec<OffsetDateTime>,
    p_completed: Vec<Option<OffsetDateTime>>,
    p_scores: Vec<Option<i32>>,
    p_totals: Vec<Option<i32>>,
}

impl<'a> LearnerColumns<'a> {
    pub fn push(&mut self, l: &'a Learner) -> Result<(), StoreError> {
        let mentor = l.mentor.as_ref();
        self.ids.push(l.id.as_str());
        self.channels.push(&l.channel);
        self.names.push(clean(&l.display_name));
        self.langs.push(l.lang.as_ref().map(Lang::as_str));
        self.created.push(ts(l.created)?);
        self.last_active.push(ts(l.last_active)?);
        self.started.push(l.started.map(ts).transpose()?);
        self.areas.push(l.area.as_deref());
        self.asked.push(l.area_asked);
        self.mentors.push(mentor.map(|m| m.id.as_str()));
        self.mentor_channels
            .push(mentor.map(|m| m.channel.as_str()));
        self.mentor_langs.push(mentor.map(|m| m.lang.as_str()));
        self.via_groups.push(l.via_group.as_deref());
        self.push_groups.push(l.push_group.as_deref());
        self.pending.push(l.pending_start.as_deref());
        self.sessions.push(Json(&l.session));
        self.stamps.push(Json(&l.certificates));
        self.states.push(Json(learner_state(l)));
        for (lesson, p) in &l.progress {
            self.p_learners.push(l.id.as_str());
            self.p_lessons.push(lesson);
            self.p_steps.push(int(p.step, "a step")?);
            self.p_updated.push(ts(p.updated)?);
            let done = p.completed.as_ref();
            self.p_completed.push(done.map(|c| ts(c.at)).transpose()?);
            self.p_scores
                .push(done.map(|c| int(c.score, "a score")).transpose()?);
            self.p_totals
                .push(done.map(|c| int(c.total, "a total")).transpose()?);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn learner_params(&self) -> [Param<'_>; 18] {
        [
            &self.ids,
            &self.channels,
            &self.names,
            &self.langs,
            &self.created,
            &self.last_active,
            &self.started,
            &self.areas,
            &self.asked,
            &self.mentors,
            &self.mentor_channels,
            &self.mentor_langs,
            &self.via_groups,
            &self.push_groups,
            &self.pending,
            &self.sessions,
            &self.stamps,
            &self.states,
        ]
    }

    pub fn progress_params(&self) -> [Param<'_>; 7] {
        [
            &self.p_learners,
            &self.p_lessons,
            &self.p_steps,
            &self.p_updated,
            &self.p_completed,
            &self.p_scores,
            &self.p_totals,
        ]
    }
}

/// Many certificates as column arrays, for `import`.
#[derive(Default)]
pub(super) struct CertificateColumns<'a> {
    codes: Vec<&'a str>,
    learners: Vec<&'a str>,
    names: Vec<Cow<'a, str>>,
    topics: Vec<&'a str>,
    at: Vec<OffsetDateTime>,
    lessons: Vec<Json<&'a Vec<CertifiedLesson>>>,
}

impl<'a> CertificateColumns<'a> {
    pub fn push(&mut self, c: &'a Certificate) -> Result<(), StoreError> {
        self.codes.push(&c.code);
        self.learners.push(c.learner.as_str());
        self.names.push(clean(&c.name));
        self.topics.push(&c.topic);
        self.at.push(ts(c.at)?);
        self.lessons.push(Json(&c.lessons));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 6] {
        [
            &self.codes,
            &self.learners,
            &self.names,
            &self.topics,
            &self.at,
            &self.lessons,
        ]
    }
}

/// A question thread's columns, for `SAVE_THREAD`/`NEW_THREAD`.
pub(super) struct ThreadRow<'a> {
    thread: &'a HelpThread,
    version: i32,
    previous: i32,
    learner: &'a str,
    asked: OffsetDateTime,
    level: i32,
    state: &'static str,
    is_open: bool,
    first_answer: Option<OffsetDateTime>,
    json: Json<serde_json::Value>,
}

impl<'a> ThreadRow<'a> {
    pub fn new(thread: &'a HelpThread) -> Result<Self, StoreError> {
        let version = i32::try_from(thread.version)
            .map_err(|_| StoreError::Io(format!("thread version {} too large", thread.version)))?;
        Ok(ThreadRow {
            thread,
            version,
            previous: version - 1,
            learner: thread.learner.as_str(),
            asked: ts(thread.asked)?,
            level: int(thread.level, "a level")?,
            state: match thread.state {
                ThreadState::Open => "open",
                ThreadState::Taken { .. } => "taken",
                ThreadState::Closed { .. } => "closed",
            },
            is_open: thread.is_open(),
            first_answer: thread.first_answer.map(ts).transpose()?,
            json: Json(json(thread)),
        })
    }

    pub fn is_new(&self) -> bool {
        self.version == 1
    }

    pub fn params(&self) -> [Param<'_>; 12] {
        let t = self.thread;
        [
            &t.id,
            &self.version,
            &self.learner,
            &t.area,
            &t.lesson,
            &self.asked,
            &self.level,
            &self.state,
            &self.is_open,
            &self.first_answer,
            &self.json,
            &self.previous,
        ]
    }
}

pub(super) fn thread(row: &Row) -> Result<HelpThread, Fail> {
    json_col(row, 0)
}

/// Timers as column arrays.
#[derive(Default)]
pub(super) struct TimerRows<'a> {
    due: Vec<OffsetDateTime>,
    learners: Vec<&'a str>,
    kinds: Vec<String>,
    timers: Vec<Json<serde_json::Value>>,
}

impl<'a> TimerRows<'a> {
    pub fn push(&mut self, timer: &'a Timer) -> Result<(), StoreError> {
        let value = json(timer);
        self.due.push(ts(timer.due)?);
        self.learners.push(timer.learner.as_str());
        self.kinds.push(
            value
                .get("kind")
                .and_then(|k| k.get("kind").or(Some(k)))
                .and_then(|k| k.as_str())
                .unwrap_or("unknown")
                .to_string(),
        );
        self.timers.push(Json(value));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.due.is_empty()
    }

    pub fn params(&self) -> [Param<'_>; 4] {
        [&self.due, &self.learners, &self.kinds, &self.timers]
    }
}

pub(super) fn timer(row: &Row) -> Result<(TimerId, Timer), Fail> {
    let seq: i64 = col(row, 0)?;
    let timer: Timer = json_col(row, 1)?;
    Ok((
        TimerId {
            due: timer.due,
            seq: seq as u64,
        },
        timer,
    ))
}

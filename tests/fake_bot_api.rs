//! A fake Telegram Bot API server on loopback (axum on 127.0.0.1:0) that
//! speaks the real JSON wire format. It records every request (method and
//! fields, JSON or multipart), hands queued updates to `getUpdates`, and can
//! be told to fail: a queued error answer per method or per chat, a slow
//! answer (per method or per chat), or a blocked chat. In enforcing mode it
//! counts sends over sliding windows (overall per second, per chat per
//! second, per group per minute) and answers 429 with `retry_after` when a
//! limit is exceeded, like Telegram's flood control. By default it hands
//! each update out once; with `keep_until_confirmed` it keeps them, like
//! Telegram, until a `getUpdates` offset past them is answered.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use tokio::sync::Notify;

pub const BOT_USERNAME: &str = "hocvuso_test_bot";

#[derive(Debug, Clone)]
pub struct Request {
    /// Lower-cased (teloxide sends PascalCase, Telegram ignores case).
    pub method: String,
    pub fields: Value,
    pub at: Instant,
    /// Wall-clock arrival, to compare with a store's unix timestamps.
    pub wall: SystemTime,
    /// Answered with an error (a canned failure, a blocked chat, a 429).
    pub failed: bool,
}

impl Request {
    pub fn chat_id(&self) -> Option<i64> {
        match &self.fields["chat_id"] {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn text(&self) -> &str {
        self.fields["text"]
            .as_str()
            .or_else(|| self.fields["caption"].as_str())
            .unwrap_or_default()
    }

    /// Every button's `callback_data` or `url`, in order.
    pub fn buttons(&self) -> Vec<String> {
        buttons(&self.fields)
    }
}

/// Every button's `callback_data` or `url` in a send's fields, in order.
pub fn buttons(fields: &Value) -> Vec<String> {
    let markup = match &fields["reply_markup"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    };
    markup["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| {
            b["callback_data"]
                .as_str()
                .or_else(|| b["url"].as_str())
                .map(str::to_string)
        })
        .collect()
}

/// The limits an enforcing fake checks, like Telegram's flood control.
#[derive(Debug, Clone, Copy)]
pub struct Enforce {
    pub per_second: usize,
    pub chat_per_second: usize,
    pub group_per_minute: usize,
    /// What a 429 asks the bot to wait, in seconds.
    pub retry_after: u64,
    /// The window `group_per_minute` counts over: a minute, or shorter to
    /// keep a test short (the bot's limit scaled the same way).
    pub group_window: Duration,
}

impl Enforce {
    /// Telegram's published limits.
    pub fn telegram() -> Self {
        Enforce {
            per_second: 30,
            chat_per_second: 1,
            group_per_minute: 20,
            retry_after: 1,
            group_window: Duration::from_secs(60),
        }
    }
}

/// Accepted sends, for the enforcing mode's sliding windows.
#[derive(Default)]
struct Windows {
    all: VecDeque<Instant>,
    per_chat: HashMap<i64, VecDeque<Instant>>,
}

impl Windows {
    /// `None` if a send to `chat` now keeps every limit (and records it),
    /// else the limit it would exceed.
    fn admit(&mut self, limits: &Enforce, chat: i64, now: Instant) -> Option<&'static str> {
        let second = Duration::from_secs(1);
        let minute = limits.group_window;
        let count = |q: &VecDeque<Instant>, w: Duration| {
            q.iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < w)
                .count()
        };
        if count(&self.all, second) >= limits.per_second {
            return Some("overall per second");
        }
        let chat_sends = self.per_chat.entry(chat).or_default();
        if count(chat_sends, second) >= limits.chat_per_second {
            return Some("per chat per second");
        }
        if chat < 0 && count(chat_sends, minute) >= limits.group_per_minute {
            return Some("per group per minute");
        }
        chat_sends.push_back(now);
        self.all.push_back(now);
        while self
            .all
            .front()
            .is_some_and(|t| now.duration_since(*t) > second)
        {
            self.all.pop_front();
        }
        while chat_sends
            .front()
            .is_some_and(|t| now.duration_since(*t) > minute)
        {
            chat_sends.pop_front();
        }
        None
    }
}

#[derive(Default)]
struct Inner {
    requests: Vec<Request>,
    updates: VecDeque<Value>,
    /// Canned error answers, per lower-cased method, used before succeeding.
    failures: HashMap<String, VecDeque<(u16, Value)>>,
    blocked: HashSet<i64>,
    next_message_id: i64,
    /// When each update was handed out (for latency measurements).
    handed_out: HashMap<i64, Instant>,
    /// Canned error answers for sends to one chat.
    chat_failures: HashMap<i64, VecDeque<(u16, Value)>>,
    /// Answers of `method` wait this long first (after being recorded).
    delays: HashMap<String, VecDeque<Duration>>,
    enforce: Option<Enforce>,
    windows: Windows,
    /// 429s answered by the enforcing mode, with the limit hit.
    floods: Vec<(i64, &'static str)>,
    /// Sends to a chat wait this long first (after being recorded).
    chat_delays: HashMap<i64, VecDeque<Duration>>,
    /// Updates stay until a `getUpdates` offset past them is answered.
    keep_until_confirmed: bool,
    /// Offsets are not applied (a confirmation lost on its way).
    hold_confirmations: bool,
    /// How many times each update was handed out.
    handouts: HashMap<i64, usize>,
    /// Sees each accepted send (chat, fields) and may queue updates: a
    /// learner who answers what they read.
    responder: Option<Responder>,
}

type Responder = Box<dyn FnMut(i64, &Value, &HashMap<i64, Instant>) -> Vec<Value> + Send>;

/// Methods that send a message to a chat.
const SENDS: [&str; 3] = ["sendmessage", "sendphoto", "senddocument"];

#[derive(Clone)]
pub struct FakeBotApi {
    inner: Arc<Mutex<Inner>>,
    notify: Arc<Notify>,
    pub url: String,
    record: bool,
}

impl FakeBotApi {
    /// Starts the server on a free loopback port, in the current runtime.
    pub async fn start() -> Self {
        Self::start_with(true).await
    }

    /// `record: false` keeps only what latency measurements need.
    pub async fn start_with(record: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeBotApi {
            inner: Arc::new(Mutex::new(Inner {
                next_message_id: 1000,
                ..Inner::default()
            })),
            notify: Arc::new(Notify::new()),
            url,
            record,
        };
        let app = Router::new()
            .route("/{bot}/{method}", post(answer))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    pub fn push_update(&self, update: Value) {
        self.inner.lock().unwrap().updates.push_back(update);
        self.notify.notify_one();
    }

    pub fn push_updates(&self, updates: impl IntoIterator<Item = Value>) {
        self.inner.lock().unwrap().updates.extend(updates);
        self.notify.notify_one();
    }

    /// The next call of `method` gets this error answer.
    pub fn fail_next(&self, method: &str, status: u16, body: Value) {
        self.inner
            .lock()
            .unwrap()
            .failures
            .entry(method.to_lowercase())
            .or_default()
            .push_back((status, body));
    }

    /// The next send to `chat_id` gets this error answer.
    pub fn fail_next_for(&self, chat_id: i64, status: u16, body: Value) {
        self.inner
            .lock()
            .unwrap()
            .chat_failures
            .entry(chat_id)
            .or_default()
            .push_back((status, body));
    }

    /// The next call of `method` is answered only after `delay`.
    pub fn delay_next(&self, method: &str, delay: Duration) {
        self.inner
            .lock()
            .unwrap()
            .delays
            .entry(method.to_lowercase())
            .or_default()
            .push_back(delay);
    }

    /// The next send to `chat_id` is answered only after `delay`.
    pub fn delay_next_for(&self, chat_id: i64, delay: Duration) {
        self.inner
            .lock()
            .unwrap()
            .chat_delays
            .entry(chat_id)
            .or_default()
            .push_back(delay);
    }

    /// Updates are kept, as Telegram keeps them, until confirmed by a
    /// `getUpdates` whose offset is past them (applied when it is answered).
    pub fn keep_until_confirmed(&self) {
        self.inner.lock().unwrap().keep_until_confirmed = true;
    }

    /// While `hold` is true, offsets confirm nothing, as if the requests
    /// carrying them never reached Telegram.
    pub fn hold_confirmations(&self, hold: bool) {
        self.inner.lock().unwrap().hold_confirmations = hold;
    }

    /// How many times update `id` was handed out.
    pub fn handouts(&self, id: i64) -> usize {
        self.inner
            .lock()
            .unwrap()
            .handouts
            .get(&id)
            .copied()
            .unwrap_or(0)
    }

    /// Calls `respond(chat, fields, handed_out)` for every accepted send;
    /// the updates it returns are queued at once (`handed_out` says when
    /// each update was given to the bot).
    pub fn respond_with(
        &self,
        respond: impl FnMut(i64, &Value, &HashMap<i64, Instant>) -> Vec<Value> + Send + 'static,
    ) {
        self.inner.lock().unwrap().responder = Some(Box::new(respond));
    }

    /// From now on, sends over `limits` are answered 429.
    pub fn enforce(&self, limits: Enforce) {
        self.inner.lock().unwrap().enforce = Some(limits);
    }

    /// The 429s the enforcing mode answered: (chat, limit exceeded).
    pub fn floods(&self) -> Vec<(i64, &'static str)> {
        self.inner.lock().unwrap().floods.clone()
    }

    /// Successful sends (of any kind) whose text or caption contains `marker`.
    pub fn delivered(&self, marker: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| {
                !r.failed && SENDS.contains(&r.method.as_str()) && r.text().contains(marker)
            })
            .collect()
    }

    pub fn block_chat(&self, chat_id: i64) {
        self.inner.lock().unwrap().blocked.insert(chat_id);
    }

    /// How many requests went to `chat_id`.
    pub fn sent_to(&self, chat_id: i64) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.chat_id() == Some(chat_id))
            .count()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// How many successful calls of `method` so far, counted in place (no
    /// copy of the log, which would hold the lock and slow every answer).
    pub fn count_ok(&self, method: &str) -> usize {
        let method = method.to_lowercase();
        let inner = self.inner.lock().unwrap();
        inner
            .requests
            .iter()
            .filter(|r| r.method == method && !r.failed)
            .count()
    }

    pub fn calls(&self, method: &str) -> Vec<Request> {
        let method = method.to_lowercase();
        self.requests()
            .into_iter()
            .filter(|r| r.method == method)
            .collect()
    }

    pub fn handed_out(&self) -> HashMap<i64, Instant> {
        self.inner.lock().unwrap().handed_out.clone()
    }

    pub fn pending_updates(&self) -> usize {
        self.inner.lock().unwrap().updates.len()
    }

    /// Waits (up to 10 s) until `done` holds for the recorded requests.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Request]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if done(&self.inner.lock().unwrap().requests) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; requests: {:#?}",
                self.requests()
                    .iter()
                    .map(|r| (&r.method, r.text()))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

async fn answer(
    State(fake): State<FakeBotApi>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let method = method.to_lowercase();
    let fields = parse_fields(&headers, &body);
    let timeout = fields["timeout"].as_u64().unwrap_or(0);
    {
        let mut inner = fake.inner.lock().unwrap();
        if fake.record || method != "getupdates" {
            inner.requests.push(Request {
                method: method.clone(),
                fields: if fake.record {
                    fields.clone()
                } else {
                    json!({"chat_id": fields["chat_id"]})
                },
                at: Instant::now(),
                wall: SystemTime::now(),
                failed: false,
            });
        }
        if let Some(answer) = refusal(&mut inner, &method, &fields) {
            if let Some(last) = inner.requests.last_mut() {
                last.failed = true;
            }
            return answer;
        }
    }
    let delay = {
        let mut inner = fake.inner.lock().unwrap();
        let for_chat = SENDS
            .contains(&method.as_str())
            .then(|| chat_of(&fields))
            .and_then(|chat| inner.chat_delays.get_mut(&chat)?.pop_front());
        for_chat.or_else(|| inner.delays.get_mut(&method).and_then(VecDeque::pop_front))
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    if method == "getupdates" {
        let deadline = Instant::now() + Duration::from_secs(timeout);
        let offset = fields["offset"].as_i64().unwrap_or(0);
        loop {
            let notified = fake.notify.notified();
            {
                let mut inner = fake.inner.lock().unwrap();
                let limit = fields["limit"].as_u64().unwrap_or(100) as usize;
                let keep = inner.keep_until_confirmed;
                if keep && !inner.hold_confirmations {
                    // Telegram forgets what the offset confirms.
                    inner
                        .updates
                        .retain(|u| u["update_id"].as_i64().is_none_or(|id| id >= offset));
                }
                let waiting = inner
                    .updates
                    .iter()
                    .any(|u| !keep || u["update_id"].as_i64().is_none_or(|id| id >= offset));
                if waiting || Instant::now() >= deadline {
                    let n = limit;
                    let batch: Vec<Value> = if keep {
                        let from =
                            |u: &&Value| u["update_id"].as_i64().is_none_or(|id| id >= offset);
                        inner.updates.iter().filter(from).take(n).cloned().collect()
                    } else {
                        let n = n.min(inner.updates.len());
                        inner.updates.drain(..n).collect()
                    };
                    let now = Instant::now();
                    for u in &batch {
                        if let Some(id) = u["update_id"].as_i64() {
                            inner.handed_out.entry(id).or_insert(now);
                            *inner.handouts.entry(id).or_default() += 1;
                        }
                    }
                    return ok(json!(batch));
                }
            }
            let _ = tokio::time::timeout(deadline - Instant::now(), notified).await;
        }
    }
    let mut inner = fake.inner.lock().unwrap();
    let chat_id = chat_of(&fields);
    if SENDS.contains(&method.as_str()) && inner.blocked.contains(&chat_id) {
        if let Some(last) = inner.requests.last_mut() {
            last.failed = true;
        }
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"ok": false, "error_code": 403,
                              "description": "Forbidden: bot was blocked by the user"})),
        );
    }
    if SENDS.contains(&method.as_str()) {
        let inner = &mut *inner;
        if let Some(respond) = inner.responder.as_mut() {
            let next = respond(chat_id, &fields, &inner.handed_out);
            if !next.is_empty() {
                inner.updates.extend(next);
                fake.notify.notify_one();
            }
        }
    }
    inner.next_message_id += 1;
    let message_id = inner.next_message_id;
    let chat = json!({"id": chat_id, "type": if chat_id > 0 { "private" } else { "group" },
                      "first_name": "Lan"});
    match method.as_str() {
        "getme" => ok(json!({"id": 42, "is_bot": true, "first_name": "Học vụ số",
                             "username": BOT_USERNAME, "can_join_groups": true,
                             "can_read_all_group_messages": false,
                             "supports_inline_queries": false})),
        "sendmessage" => ok(json!({"message_id": message_id, "date": 1_700_000_000,
                                   "chat": chat, "text": fields["text"]})),
        "sendphoto" => {
            let file_id = format!("photo-{message_id}");
            ok(
                json!({"message_id": message_id, "date": 1_700_000_000, "chat": chat,
                "photo": [
                    {"file_id": format!("{file_id}-small"), "file_unique_id": "u1", "width": 90, "height": 90},
                    {"file_id": file_id, "file_unique_id": "u2", "width": 800, "height": 800}
                ]}),
            )
        }
        "senddocument" => ok(json!({"message_id": message_id, "date": 1_700_000_000,
            "chat": chat, "document": {"file_id": format!("doc-{message_id}"),
                                       "file_unique_id": "d1"}})),
        "editmessagetext" | "editmessagereplymarkup" => ok(json!({
            "message_id": fields["message_id"], "date": 1_700_000_000, "chat": chat,
            "text": "edited"})),
        "getwebhookinfo" => ok(json!({"url": "", "has_custom_certificate": false,
                                      "pending_update_count": 0})),
        _ => ok(json!(true)),
    }
}

/// Successful sends in `requests` whose text or caption contains `marker`
/// (for `wait_for` conditions, which must not call back into the fake).
pub fn delivered<'a>(
    requests: &'a [Request],
    marker: &'a str,
) -> impl Iterator<Item = &'a Request> {
    requests.iter().filter(move |r| {
        !r.failed && SENDS.contains(&r.method.as_str()) && r.text().contains(marker)
    })
}

fn chat_of(fields: &Value) -> i64 {
    match &fields["chat_id"] {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// A canned failure for the method or the chat, or flood control.
fn refusal(
    inner: &mut Inner,
    method: &str,
    fields: &Value,
) -> Option<(StatusCode, axum::Json<Value>)> {
    let canned =
        |(status, body): (u16, Value)| (StatusCode::from_u16(status).unwrap(), axum::Json(body));
    if let Some(failure) = inner.failures.get_mut(method).and_then(VecDeque::pop_front) {
        return Some(canned(failure));
    }
    if !SENDS.contains(&method) {
        return None;
    }
    let chat = chat_of(fields);
    if let Some(failure) = inner
        .chat_failures
        .get_mut(&chat)
        .and_then(VecDeque::pop_front)
    {
        return Some(canned(failure));
    }
    let limits = inner.enforce?;
    let limit = inner.windows.admit(&limits, chat, Instant::now())?;
    inner.floods.push((chat, limit));
    Some(canned((429, too_many(limits.retry_after))))
}

/// Telegram's flood control answer.
pub fn too_many(retry_after: u64) -> Value {
    json!({"ok": false, "error_code": 429,
           "description": format!("Too Many Requests: retry after {retry_after}"),
           "parameters": {"retry_after": retry_after}})
}

fn ok(result: Value) -> (StatusCode, axum::Json<Value>) {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
}

/// JSON bodies as they are; multipart fields as strings, files as `<file NAME BYTES>`.
fn parse_fields(headers: &HeaderMap, body: &Bytes) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    if body.is_empty() {
        return json!({});
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

// The multipart reading both fake servers share.
include!("fake_multipart.rs");

/// A private text message from user `user` (chat id = user id).
pub fn text_update(update_id: i64, user: i64, text: &str) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000,
        "chat": {"id": user, "type": "private", "first_name": "Lan"},
        "from": {"id": user, "is_bot": false, "first_name": "Lan", "language_code": "vi"},
        "text": text}})
}

/// A text message from user `user` in group `group` (a negative id).
pub fn group_update(update_id: i64, user: i64, group: i64, text: &str) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_700_000_000,
        "chat": {"id": group, "type": "supergroup", "title": "Hội người cao tuổi"},
        "from": {"id": user, "is_bot": false, "first_name": "Lan"},
        "text": text}})
}

/// A press by `user`, in group `group`, of a button carrying `data`.
pub fn group_button_update(update_id: i64, user: i64, group: i64, data: &str) -> Value {
    let chat = json!({"id": group, "type": "supergroup", "title": "Hội người cao tuổi"});
    press_update(update_id, user, chat, update_id, data)
}

/// A press of a button carrying `data` on bot message `message_id`.
pub fn button_update(update_id: i64, user: i64, message_id: i64, data: &str) -> Value {
    let chat = json!({"id": user, "type": "private", "first_name": "Lan"});
    press_update(update_id, user, chat, message_id, data)
}

fn press_update(update_id: i64, user: i64, chat: Value, message_id: i64, data: &str) -> Value {
    json!({"update_id": update_id, "callback_query": {
        "id": format!("q{update_id}"),
        "from": {"id": user, "is_bot": false, "first_name": "Lan"},
        "chat_instance": "1",
        "message": {"message_id": message_id, "date": 1_700_000_000,
                    "chat": chat,
                    "from": {"id": 42, "is_bot": true, "first_name": "Học vụ số"},
                    "text": "…"},
        "data": data}})
}

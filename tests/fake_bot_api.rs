//! A fake Telegram Bot API server on loopback (axum on 127.0.0.1:0) that
//! speaks the real JSON wire format. It records every request (method and
//! fields, JSON or multipart), hands queued updates to `getUpdates`, and can
//! be told to fail: a queued error answer per method, or a blocked chat.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    /// Answered with an error (a canned failure or a blocked chat).
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
        let markup = match &self.fields["reply_markup"] {
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
}

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
                failed: false,
            });
        }
        if let Some((status, body)) = inner
            .failures
            .get_mut(&method)
            .and_then(VecDeque::pop_front)
        {
            if let Some(last) = inner.requests.last_mut() {
                last.failed = true;
            }
            return (StatusCode::from_u16(status).unwrap(), axum::Json(body));
        }
    }
    if method == "getupdates" {
        let deadline = Instant::now() + Duration::from_secs(timeout);
        loop {
            let notified = fake.notify.notified();
            {
                let mut inner = fake.inner.lock().unwrap();
                let limit = fields["limit"].as_u64().unwrap_or(100) as usize;
                if !inner.updates.is_empty() || Instant::now() >= deadline {
                    let n = limit.min(inner.updates.len());
                    let batch: Vec<Value> = inner.updates.drain(..n).collect();
                    let now = Instant::now();
                    for u in &batch {
                        if let Some(id) = u["update_id"].as_i64() {
                            inner.handed_out.entry(id).or_insert(now);
                        }
                    }
                    return ok(json!(batch));
                }
            }
            let _ = tokio::time::timeout(deadline - Instant::now(), notified).await;
        }
    }
    let mut inner = fake.inner.lock().unwrap();
    let chat_id = match &fields["chat_id"] {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    };
    if matches!(method.as_str(), "sendmessage" | "sendphoto") && inner.blocked.contains(&chat_id) {
        if let Some(last) = inner.requests.last_mut() {
            last.failed = true;
        }
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({"ok": false, "error_code": 403,
                              "description": "Forbidden: bot was blocked by the user"})),
        );
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
        "editmessagetext" | "editmessagereplymarkup" => ok(json!({
            "message_id": fields["message_id"], "date": 1_700_000_000, "chat": chat,
            "text": "edited"})),
        "getwebhookinfo" => ok(json!({"url": "", "has_custom_certificate": false,
                                      "pending_update_count": 0})),
        _ => ok(json!(true)),
    }
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

fn parse_multipart(body: &[u8], boundary: &str) -> Value {
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let Some(name) = head
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        else {
            continue;
        };
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        let value = match head
            .split("filename=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
        {
            Some(file) => format!("<file {file} {}>", value.len()),
            None => value.to_string(),
        };
        fields.insert(name.to_string(), Value::String(value));
    }
    Value::Object(fields)
}

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

/// A press of a button carrying `data` on bot message `message_id`.
pub fn button_update(update_id: i64, user: i64, message_id: i64, data: &str) -> Value {
    json!({"update_id": update_id, "callback_query": {
        "id": format!("q{update_id}"),
        "from": {"id": user, "is_bot": false, "first_name": "Lan"},
        "chat_instance": "1",
        "message": {"message_id": message_id, "date": 1_700_000_000,
                    "chat": {"id": user, "type": "private", "first_name": "Lan"},
                    "from": {"id": 42, "is_bot": true, "first_name": "Học vụ số"},
                    "text": "…"},
        "data": data}})
}

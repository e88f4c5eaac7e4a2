//! A fake Zalo server on loopback (axum on 127.0.0.1:0) speaking the
//! documented JSON: OA calls with an `access_token` header answered
//! `{"error": 0, "data": ...}` or `{"error": -216, ...}` for a token it does
//! not know; uploads (multipart `file`); the OAuth refresh, which issues
//! `A<n>`/`R<n>` and spends the refresh token used. It records every
//! request, can be told to fail (or answer late) the next call of a path,
//! and posts signed webhook events to the bot as Zalo would.

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

pub const APP_ID: &str = "4242";
pub const APP_SECRET: &str = "test-app-secret";
pub const OA_SECRET: &str = "test-oa-secret";

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub access_token: Option<String>,
    pub fields: Value,
    pub at: Instant,
    /// Answered with an error (a canned failure or a refused token).
    pub failed: bool,
}

impl Request {
    pub fn is_send(&self) -> bool {
        self.path == "/v3.0/oa/message/cs" && !self.failed
    }

    pub fn text(&self) -> &str {
        self.fields["message"]["text"].as_str().unwrap_or_default()
    }

    /// The payload of every button, in order.
    pub fn buttons(&self) -> Vec<String> {
        self.fields["message"]["attachment"]["payload"]["buttons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["payload"].as_str().map(str::to_string))
            .collect()
    }

    pub fn reply_to(&self) -> Option<&str> {
        self.fields["recipient"]["message_id"].as_str()
    }

    pub fn user_id(&self) -> Option<&str> {
        self.fields["recipient"]["user_id"].as_str()
    }

    pub fn image(&self) -> Option<&str> {
        self.fields["message"]["attachment"]["payload"]["elements"][0]["attachment_id"].as_str()
    }
}

struct Inner {
    requests: Vec<Request>,
    access: String,
    refresh: String,
    issued: u32,
    failures: HashMap<String, VecDeque<(u16, Value)>>,
    next_id: u64,
    /// Messages sent per recipient (user id or replied message id).
    sent: HashMap<String, usize>,
    /// When the last message to each recipient arrived (for latency).
    last_sent: HashMap<String, Instant>,
    /// Calls of a path are answered only after these waits, in turn.
    delays: HashMap<String, VecDeque<Duration>>,
}

#[derive(Clone)]
pub struct FakeZalo {
    inner: Arc<Mutex<Inner>>,
    pub url: String,
    record: bool,
}

impl FakeZalo {
    /// Starts the server, accepting `access` and `refresh` as the current pair.
    pub async fn start(access: &str, refresh: &str) -> Self {
        Self::start_with(access, refresh, true).await
    }

    /// `record: false` keeps only counts (for the benchmark).
    pub async fn start_with(access: &str, refresh: &str, record: bool) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let fake = FakeZalo {
            inner: Arc::new(Mutex::new(Inner {
                requests: Vec::new(),
                access: access.to_string(),
                refresh: refresh.to_string(),
                issued: 0,
                failures: HashMap::new(),
                next_id: 0,
                sent: HashMap::new(),
                last_sent: HashMap::new(),
                delays: HashMap::new(),
            })),
            url,
            record,
        };
        let app = Router::new()
            .route("/{*path}", post(answer))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        fake
    }

    /// The next call of `path` gets this answer.
    pub fn fail_next(&self, path: &str, status: u16, body: Value) {
        self.lock()
            .failures
            .entry(path.to_string())
            .or_default()
            .push_back((status, body));
    }

    /// The next call of `path` is answered (normally) only after `delay`.
    pub fn delay_next(&self, path: &str, delay: Duration) {
        self.lock()
            .delays
            .entry(path.to_string())
            .or_default()
            .push_back(delay);
    }

    /// The current access token stops working (as after its expiry).
    pub fn expire_access(&self) {
        self.lock().access = String::new();
    }

    /// The pair the server accepts now.
    pub fn current(&self) -> (String, String) {
        let inner = self.lock();
        (inner.access.clone(), inner.refresh.clone())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.lock().requests.clone()
    }

    pub fn calls(&self, path: &str) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn sends(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(Request::is_send)
            .collect()
    }

    /// Messages sent to a recipient key (a replied `message_id` or a `user_id`).
    pub fn sent_to(&self, key: &str) -> usize {
        self.lock().sent.get(key).copied().unwrap_or(0)
    }

    /// When the last message to each recipient arrived.
    pub fn last_sent(&self) -> HashMap<String, Instant> {
        self.lock().last_sent.clone()
    }

    /// How many recipients got at least one message.
    pub fn recipients(&self) -> usize {
        self.lock().sent.len()
    }

    pub fn total_sent(&self) -> usize {
        self.lock().sent.values().sum()
    }

    /// Waits (up to 10 s) until `done` holds for the recorded requests.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Request]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if done(&self.lock().requests) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; requests: {:#?}",
                self.requests()
                    .iter()
                    .map(|r| (&r.path, r.text(), r.failed))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }
}

async fn answer(
    State(fake): State<FakeZalo>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let path = format!("/{path}");
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let access_token = header("access_token");
    let fields = parse_fields(&headers, &body);
    let delay = fake
        .lock()
        .delays
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let answer = respond(&fake, path, &headers, fields, access_token);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    answer
}

/// Records the call and makes its answer (Zalo has already done the work
/// when a delayed answer is still on its way).
fn respond(
    fake: &FakeZalo,
    path: String,
    headers: &HeaderMap,
    fields: Value,
    access_token: Option<String>,
) -> (StatusCode, axum::Json<Value>) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let mut inner = fake.inner.lock().unwrap();
    let recorded = fake.record || path != "/v3.0/oa/message/cs";
    if recorded {
        inner.requests.push(Request {
            path: path.clone(),
            access_token: access_token.clone(),
            fields: fields.clone(),
            at: Instant::now(),
            failed: false,
        });
    }
    let fail = |inner: &mut Inner| {
        if recorded && let Some(last) = inner.requests.last_mut() {
            last.failed = true;
        }
    };
    if let Some((status, body)) = inner.failures.get_mut(&path).and_then(VecDeque::pop_front) {
        fail(&mut inner);
        return (StatusCode::from_u16(status).unwrap(), axum::Json(body));
    }
    if path == "/v4/oa/access_token" {
        let ok = header("secret_key").as_deref() == Some(APP_SECRET)
            && fields["grant_type"] == "refresh_token"
            && fields["app_id"] == APP_ID
            && fields["refresh_token"].as_str() == Some(inner.refresh.as_str());
        if !ok {
            fail(&mut inner);
            return ok_json(json!({"error": -14020, "error_name": "invalid_grant",
                                  "error_description": "refresh token already used or expired"}));
        }
        inner.issued += 1;
        let n = inner.issued;
        inner.access = format!("A{n}");
        inner.refresh = format!("R{n}");
        return ok_json(
            json!({"access_token": inner.access, "refresh_token": inner.refresh,
                              "expires_in": "90000"}),
        );
    }
    if access_token.as_deref() != Some(inner.access.as_str()) || inner.access.is_empty() {
        fail(&mut inner);
        return ok_json(json!({"error": -216, "message": "Access token is invalid"}));
    }
    inner.next_id += 1;
    let id = inner.next_id;
    match path.as_str() {
        "/v3.0/oa/message/cs" | "/v3.0/oa/group/message" => {
            let recipient = &fields["recipient"];
            let key = ["message_id", "user_id", "group_id"]
                .iter()
                .find_map(|k| recipient[*k].as_str())
                .unwrap_or_default()
                .to_string();
            *inner.sent.entry(key.clone()).or_default() += 1;
            inner.last_sent.insert(key, Instant::now());
            ok_json(json!({"error": 0, "message": "Success",
                           "data": {"message_id": format!("out-{id}"), "user_id": recipient["user_id"],
                                    "quota": {"quota_type": "reply"}}}))
        }
        "/v2.0/oa/upload/image" => ok_json(
            json!({"error": 0, "message": "Success", "data": {"attachment_id": format!("img-{id}")}}),
        ),
        "/v2.0/oa/upload/file" => ok_json(
            json!({"error": 0, "message": "Success", "data": {"token": format!("file-{id}")}}),
        ),
        _ => ok_json(json!({"error": -201, "message": "unknown api"})),
    }
}

fn ok_json(body: Value) -> (StatusCode, axum::Json<Value>) {
    (StatusCode::OK, axum::Json(body))
}

/// JSON bodies as they are; forms and multipart fields as strings (files as
/// `<file NAME BYTES>`).
fn parse_fields(headers: &HeaderMap, body: &Bytes) -> Value {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = content_type.split("boundary=").nth(1) {
        return parse_multipart(body, boundary.trim_matches('"'));
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let text = String::from_utf8_lossy(body);
        let fields: serde_json::Map<String, Value> = text
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (decode(k), Value::String(decode(v))))
            .collect();
        return Value::Object(fields);
    }
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// The multipart reading both fake servers share.
include!("fake_multipart.rs");

/// A `user_send_text` event (a typed text, or a button press with `#hv:`).
pub fn text_event(user: &str, msg_id: &str, text: &str) -> Value {
    json!({"app_id": APP_ID, "user_id_by_app": format!("app-{user}"),
           "event_name": "user_send_text", "timestamp": "1700000000000",
           "sender": {"id": user}, "recipient": {"id": "9000"},
           "message": {"msg_id": msg_id, "text": text}})
}

pub fn follow_event(user: &str, timestamp: &str) -> Value {
    json!({"app_id": APP_ID, "oa_id": "9000", "event_name": "follow", "timestamp": timestamp,
           "follower": {"id": user}, "source": "oa_profile"})
}

/// Posts an event to the bot's webhook as Zalo would, signed with `secret`
/// (`None`: no signature header). Returns the HTTP status.
pub async fn post_event(
    client: &reqwest::Client,
    url: &str,
    event: &Value,
    secret: Option<&str>,
) -> u16 {
    let body = serde_json::to_vec(event).unwrap();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body.clone());
    if let Some(secret) = secret {
        let mac = hocvuso::channel::zalo::signature_header(APP_ID, &body, secret).unwrap();
        request = request.header("X-ZEvent-Signature", mac);
    }
    request.send().await.unwrap().status().as_u16()
}

//! The Zalo channel, for real, against the fake Zalo server on loopback:
//! signed webhook events in, customer-service messages out.

use std::sync::Arc;
use std::time::Duration;

use hocvuso::app::App;
use hocvuso::channel::zalo::{
    RetryPolicy, SEEN_KEY, Secret, Settings, TOKENS_KEY, TokenRecord, Zalo,
};
use hocvuso::core::{Lang, Learner, LearnerId, Message, Outgoing, Phrase, Recipient};
use hocvuso::lesson::load_tree;
use hocvuso::store::{Change, MemoryStore, SledStore, Store};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::fake_zalo_api::{
    APP_ID, APP_SECRET, FakeZalo, OA_SECRET, Request, follow_event, post_event, text_event,
};
use crate::support::{localizer, repo};

const LAN: &str = "8001";

fn settings(fake: &FakeZalo) -> Settings {
    let mut s = Settings::new(
        APP_ID,
        Secret::new(APP_SECRET).unwrap(),
        Secret::new(OA_SECRET).unwrap(),
    );
    s.access_token = Secret::new("A0");
    s.refresh_token = Secret::new("R0");
    s.api_url = fake.url.clone();
    s.oauth_url = fake.url.clone();
    s.request_timeout = Duration::from_secs(2);
    s.retry = RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(10),
        max: Duration::from_millis(40),
        ..RetryPolicy::default()
    };
    s.workers = 8;
    s.persist_every = Duration::from_millis(50);
    s.outbox_poll = Duration::from_millis(20);
    s.outbox_pause = Duration::ZERO;
    s.oa_link = Some("https://zalo.me/9000".to_string());
    s.listener.header_timeout = Duration::from_secs(1);
    s.listener.body_timeout = Duration::from_secs(1);
    s.listener.shutdown_grace = Duration::from_millis(500);
    s
}

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    url: String,
    client: reqwest::Client,
    next: u64,
}

async fn start(fake: &FakeZalo, store: Arc<dyn Store>) -> Running {
    start_with(store, settings(fake)).await
}

async fn start_with(store: Arc<dyn Store>, settings: Settings) -> Running {
    start_as(store, settings, Vec::new()).await
}

/// The bot with `admins` named in its configuration.
async fn start_as(store: Arc<dyn Store>, settings: Settings, admins: Vec<LearnerId>) -> Running {
    let tree = load_tree(&repo("tests/fixtures/good")).unwrap();
    let localizer = localizer();
    let core = hocvuso::core::Core::new(Arc::new(tree), localizer.languages()).with_admins(admins);
    let app = Arc::new(App::with_core(core, localizer, store));
    let path = settings.webhook_path.clone();
    let zalo = Zalo::new(app, settings).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(async move { zalo.run(listener, shutdown).await.unwrap() });
    Running {
        stop,
        task,
        url,
        client: reqwest::Client::new(),
        next: 0,
    }
}

impl Running {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the channel stops promptly")
            .unwrap();
    }

    async fn post(&self, event: &Value) -> u16 {
        post_event(&self.client, &self.url, event, Some(OA_SECRET)).await
    }

    fn msg_id(&mut self) -> String {
        self.next += 1;
        format!("in-{}", self.next)
    }
}

/// Posts `event` and waits until the bot's answer is in (the last message
/// of an answer always has buttons).
async fn exchange(fake: &FakeZalo, bot: &Running, event: Value) -> Vec<Request> {
    let before = fake.requests().len();
    assert_eq!(bot.post(&event).await, 200);
    fake.wait_for("an answer with buttons", |r| {
        r[before..]
            .iter()
            .rfind(|r| r.is_send())
            .is_some_and(|l| !l.buttons().is_empty())
    })
    .await;
    // Let any later message of the same answer arrive.
    tokio::time::sleep(Duration::from_millis(30)).await;
    fake.requests()[before..].to_vec()
}

async fn say(fake: &FakeZalo, bot: &mut Running, text: &str) -> Vec<Request> {
    let id = bot.msg_id();
    exchange(fake, bot, text_event(LAN, &id, text)).await
}

/// Presses a button the bot offered in its last answer.
async fn press(
    fake: &FakeZalo,
    bot: &mut Running,
    offered: &[Request],
    data: &str,
) -> Vec<Request> {
    let payload = format!("#hv:{data}");
    let all: Vec<String> = offered.iter().flat_map(Request::buttons).collect();
    assert!(all.contains(&payload), "{payload} not offered in {all:?}");
    let id = bot.msg_id();
    exchange(fake, bot, text_event(LAN, &id, &payload)).await
}

fn texts(answer: &[Request]) -> String {
    answer
        .iter()
        .filter(|r| r.is_send())
        .map(Request::text)
        .collect::<Vec<_>>()
        .join("\n")
}

fn lan() -> LearnerId {
    LearnerId::new(format!("zalo:{LAN}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_finishes_a_lesson_and_its_quiz() {
    let fake = FakeZalo::start("A0", "R0").await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start(&fake, store.clone()).await;

    let a = say(&fake, &mut bot, "/start").await;
    assert!(
        texts(&a).contains("Bác hãy bấm chọn ngôn ngữ"),
        "{}",
        texts(&a)
    );
    // Answers are free replies to the learner's message, never by user id.
    assert!(
        a.iter()
            .filter(|r| r.is_send())
            .all(|r| r.reply_to() == Some("in-1"))
    );
    let a = press(&fake, &mut bot, &a, "1:lang:vi").await;
    let topic = a
        .iter()
        .flat_map(Request::buttons)
        .find(|b| b.starts_with("#hv:1:t:"))
        .unwrap();
    let a = press(&fake, &mut bot, &a, topic.trim_start_matches("#hv:")).await;
    let a = press(&fake, &mut bot, &a, "1:l:basics-phone").await;
    let text = texts(&a);
    assert!(text.contains("▌ Mở khóa màn hình · Bước 1/2"), "{text}");
    assert!(text.contains("💡 Nút nguồn thường ở cạnh phải."), "{text}");
    let button = &a.iter().rfind(|r| r.is_send()).unwrap().fields["message"]["attachment"];
    assert_eq!(button["type"], "template");
    assert_eq!(button["payload"]["buttons"][0]["type"], "oa.query.hide");

    // Step 2 has a picture: uploaded once, sent as an image attachment, then the text.
    let a = press(&fake, &mut bot, &a, "1:s:basics-phone:1").await;
    let uploads = fake.calls("/v2.0/oa/upload/image");
    assert_eq!(uploads.len(), 1);
    assert!(
        uploads[0].fields["file"]
            .as_str()
            .unwrap()
            .starts_with("<file swipe.png")
    );
    let sends: Vec<&Request> = a.iter().filter(|r| r.is_send()).collect();
    let image = sends[0].image().expect("an image first");
    assert!(image.starts_with("img-"));
    assert!(sends[1].text().contains("Bước 2/2"));
    assert!(
        sends[1]
            .buttons()
            .contains(&"#hv:1:q:basics-phone:0".to_string())
    );

    let a = press(&fake, &mut bot, &a, "1:q:basics-phone:0").await;
    let a = press(&fake, &mut bot, &a, "1:a:basics-phone:0:1").await;
    assert!(texts(&a).contains("✅ Đúng rồi!"));
    let a = press(&fake, &mut bot, &a, "1:q:basics-phone:1").await;
    let a = press(&fake, &mut bot, &a, "1:a:basics-phone:1:0").await;
    let text = texts(&a);
    assert!(text.contains("Bác đã học xong bài"), "{text}");
    assert!(text.contains("2/2"), "{text}");
    assert_eq!(store.completions(&lan()).unwrap().len(), 1);

    // The picture again: the cached attachment id, no second upload.
    let step2 = [sends[1].clone()];
    let a = press(&fake, &mut bot, &step2, "1:q:basics-phone:0").await;
    assert!(!a.is_empty());
    let id = bot.msg_id();
    let a = exchange(&fake, &bot, text_event(LAN, &id, "#hv:1:s:basics-phone:1")).await;
    assert_eq!(a.iter().find_map(Request::image), Some(image));
    assert_eq!(fake.calls("/v2.0/oa/upload/image").len(), 1);
    assert!(fake.sends().iter().all(|r| r.user_id().is_none()));

    // The topic's other lesson: the topic certificate and (the fixture's one
    // core topic being done) the basic-skills one are drawn and uploaded.
    for data in [
        "1:l:basics-call",
        "1:q:basics-call:0",
        "1:a:basics-call:0:0",
    ] {
        let id = bot.msg_id();
        exchange(&fake, &bot, text_event(LAN, &id, &format!("#hv:{data}"))).await;
    }
    fake.wait_for("two certificate uploads", |r| {
        r.iter()
            .filter(|r| {
                r.fields["file"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("<file chung-nhan-"))
            })
            .count()
            == 2
    })
    .await;
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_missing_signature_is_refused_and_nothing_is_stored() {
    let fake = FakeZalo::start("A0", "R0").await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let event = text_event(LAN, "forged-1", "/start");
    assert_eq!(
        post_event(&bot.client, &bot.url, &event, Some("not-the-secret")).await,
        401
    );
    assert_eq!(post_event(&bot.client, &bot.url, &event, None).await, 401);
    // A body changed after signing.
    let body = serde_json::to_vec(&event).unwrap();
    let mac = hocvuso::channel::zalo::signature_header(APP_ID, &body, OA_SECRET).unwrap();
    let tampered = text_event(LAN, "forged-1", "/start l_basics-phone");
    let status = bot
        .client
        .post(&bot.url)
        .header("X-ZEvent-Signature", mac)
        .body(serde_json::to_vec(&tampered).unwrap())
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
    tokio::time::sleep(Duration::from_millis(150)).await;
    bot.stop().await;
    assert!(fake.sends().is_empty());
    assert!(store.load(&lan()).unwrap().is_none());
    let seen = store.channel_get(SEEN_KEY).unwrap().unwrap_or_default();
    assert!(!seen.contains("forged-1"), "{seen}");
    assert!(
        store
            .channel_get(&hocvuso::channel::zalo::quota_key(LAN))
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_access_token_is_refreshed_and_the_new_pair_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeZalo::start("A0", "R0").await;
    let valid_for_hours = hocvuso::channel::zalo::TokenRecord {
        access_token: "A0".into(),
        refresh_token: "R0".into(),
        expires_at: unix_now() + 10 * 3600,
    };
    {
        let store = Arc::new(SledStore::open(dir.path()).unwrap());
        valid_for_hours.save(store.as_ref()).unwrap();
        let mut bot = start(&fake, store.clone()).await;
        // Zalo no longer takes A0 (it expired early, or was revoked).
        fake.expire_access();
        let a = say(&fake, &mut bot, "/start").await;
        assert!(
            a.iter()
                .any(|r| r.is_send() && r.access_token.as_deref() == Some("A1"))
        );
        let refreshes = fake.calls("/v4/oa/access_token");
        assert_eq!(refreshes.len(), 1);
        assert_eq!(refreshes[0].fields["refresh_token"], "R0");
        let stored = TokenRecord::load(store.as_ref()).unwrap().unwrap();
        assert_eq!(
            (stored.access_token.as_str(), stored.refresh_token.as_str()),
            ("A1", "R1")
        );
        assert!(stored.expires_at > unix_now() + 24 * 3600);
        bot.stop().await;
    }
    // Restart with the same configuration (A0/R0): the stored pair wins.
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let mut bot = start(&fake, store.clone()).await;
    bot.next = 100;
    let a = say(&fake, &mut bot, "/menu").await;
    assert!(
        a.iter()
            .filter(|r| r.is_send())
            .all(|r| r.access_token.as_deref() == Some("A1"))
    );
    assert_eq!(fake.calls("/v4/oa/access_token").len(), 1);
    // The next refresh spends R1, never the configured R0.
    fake.expire_access();
    say(&fake, &mut bot, "/menu").await;
    let refreshes = fake.calls("/v4/oa/access_token");
    assert_eq!(refreshes.len(), 2);
    assert_eq!(refreshes[1].fields["refresh_token"], "R1");
    assert!(refreshes.iter().all(|r| !r.failed));
    bot.stop().await;
    let json = store.channel_get(TOKENS_KEY).unwrap().unwrap();
    assert!(json.contains("\"R2\""), "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_event_twice_is_processed_once() {
    let fake = FakeZalo::start("A0", "R0").await;
    let store = Arc::new(MemoryStore::new());
    let bot = start(&fake, store.clone()).await;
    let event = text_event(LAN, "dup-1", "/start");
    let (a, b) = tokio::join!(bot.post(&event), bot.post(&event));
    assert_eq!((a, b), (200, 200));
    exchange(&fake, &bot, text_event("8002", "other-1", "/start")).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let answered = fake.sent_to("dup-1");
    assert!(answered >= 1);
    assert_eq!(bot.post(&event).await, 200);
    exchange(&fake, &bot, text_event("8003", "other-2", "/start")).await;
    bot.stop().await;
    assert_eq!(fake.sent_to("dup-1"), answered);
    // Persisted, so a restart skips it as well.
    let bot = start(&fake, store.clone()).await;
    assert_eq!(bot.post(&event).await, 200);
    exchange(&fake, &bot, text_event("8004", "other-3", "/start")).await;
    bot.stop().await;
    assert_eq!(fake.sent_to("dup-1"), answered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_fails_with_a_server_error_is_retried() {
    let fake = FakeZalo::start("A0", "R0").await;
    let mut bot = start(&fake, Arc::new(MemoryStore::new())).await;
    fake.fail_next(
        "/v3.0/oa/message/cs",
        502,
        json!({"error": -1, "message": "Bad Gateway"}),
    );
    fake.fail_next("/v3.0/oa/message/cs", 500, Value::Null);
    let a = say(&fake, &mut bot, "/start").await;
    let tries: Vec<&Request> = a
        .iter()
        .filter(|r| r.path == "/v3.0/oa/message/cs")
        .collect();
    assert!(tries[0].failed && tries[1].failed && !tries[2].failed);
    assert_eq!(tries[0].fields, tries[2].fields, "the same message again");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_free_replies_run_out_the_learner_is_told_to_write() {
    let fake = FakeZalo::start("A0", "R0").await;
    let mut s = settings(&fake);
    s.quota.replies_per_message = 1;
    let mut bot = start_with(Arc::new(MemoryStore::new()), s).await;
    let a = say(&fake, &mut bot, "/start").await;
    // Choosing the language answers with two messages; one free reply is left.
    let a = press(&fake, &mut bot, &a, "1:lang:vi").await;
    let sends: Vec<&Request> = a.iter().filter(|r| r.is_send()).collect();
    assert_eq!(sends.len(), 1, "{}", texts(&a));
    assert!(sends[0].text().contains("học tiếp"), "{}", sends[0].text());
    assert_eq!(sends[0].buttons(), ["#hv:1:c"]);
    // Pressing it is a new message: the learner carries on.
    let a = press(&fake, &mut bot, &a, "1:c").await;
    assert!(
        a.iter()
            .flat_map(Request::buttons)
            .any(|b| b.starts_with("#hv:1:t:"))
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_posts_reach_groups_and_wait_for_learners_who_cannot_be_reached() {
    let fake = FakeZalo::start("A0", "R0").await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start(&fake, store.clone()).await;
    say(&fake, &mut bot, "/start").await;
    let post = |to: Recipient, text: &str| Outgoing {
        channel: "zalo".into(),
        to,
        lang: Lang::new("en"),
        message: Message::default().para(Phrase::Content(text.into())),
        not_before: 0,
    };
    let volunteer = Learner::new(LearnerId::new("zalo:7000").unwrap(), "zalo", "", 0);
    let items = [
        post(
            Recipient::Group {
                chat: "g-42".into(),
            },
            "New lesson for everyone",
        ),
        post(Recipient::Learner { id: lan() }, "A reminder for Lan"),
        post(
            Recipient::Learner {
                id: LearnerId::new("zalo:8009").unwrap(),
            },
            "For Minh",
        ),
    ];
    store
        .commit(&Change {
            outbox: &items,
            ..Change::of(&volunteer)
        })
        .unwrap();
    fake.wait_for("the group post and the reminder", |r| {
        r.iter().any(|r| r.path == "/v3.0/oa/group/message")
            && r.iter().any(|r| r.text() == "A reminder for Lan")
    })
    .await;
    let group = fake.calls("/v3.0/oa/group/message").pop().unwrap();
    assert_eq!(group.fields["recipient"]["group_id"], "g-42");
    assert!(group.text().contains("New lesson for everyone"));
    assert!(group.text().contains("https://zalo.me/9000"));
    assert!(group.fields["message"].get("attachment").is_none());
    // Lan wrote recently: a free reply. Minh never wrote: the push waits.
    let reminder = fake
        .sends()
        .into_iter()
        .find(|r| r.text() == "A reminder for Lan")
        .unwrap();
    assert_eq!(reminder.reply_to(), Some("in-1"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(store.outbox_due("zalo", i64::MAX, 10).unwrap().is_empty());
    assert!(!fake.sends().iter().any(|r| r.text() == "For Minh"));
    // Minh follows the OA: the greeting, then the waiting push.
    assert_eq!(bot.post(&follow_event("8009", "1700000000001")).await, 200);
    fake.wait_for("the waiting push", |r| {
        r.iter().any(|r| r.text() == "For Minh")
    })
    .await;
    let minh = fake
        .sends()
        .into_iter()
        .find(|r| r.text() == "For Minh")
        .unwrap();
    assert_eq!(minh.user_id(), Some("8009"));
    bot.stop().await;
    assert_eq!(
        store
            .channel_get(&hocvuso::channel::zalo::deferred_key("8009"))
            .unwrap()
            .as_deref(),
        Some("[]")
    );
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_pushes_a_card_from_a_zalo_group() {
    let fake = FakeZalo::start("A0", "R0").await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start_as(store.clone(), settings(&fake), vec![lan()]).await;
    let a = say(&fake, &mut bot, "/start").await;
    press(&fake, &mut bot, &a, "1:lang:vi").await;

    // In the group: a short note there (GMF, no buttons), the picker privately.
    let group_event = json!({"app_id": crate::fake_zalo_api::APP_ID, "event_name": "user_send_group_text",
        "timestamp": "1700000000500", "sender": {"id": LAN}, "recipient": {"id": "7007"},
        "message": {"msg_id": "grp-1", "text": "/push"}});
    assert_eq!(bot.post(&group_event).await, 200);
    fake.wait_for("the note and the picker", |r| {
        r.iter().any(|r| r.path == "/v3.0/oa/group/message")
            && r.iter()
                .any(|r| r.buttons().contains(&"#hv:1:pt:basics".to_string()))
    })
    .await;
    let note = fake.calls("/v3.0/oa/group/message").pop().unwrap();
    assert_eq!(note.fields["recipient"]["group_id"], "7007");
    assert!(note.text().contains("trò chuyện riêng"), "{}", note.text());
    // Chatter in the group that is not a command gets no answer.
    let chatter = json!({"app_id": crate::fake_zalo_api::APP_ID, "event_name": "user_send_group_text",
        "timestamp": "1700000000600", "sender": {"id": "8100"}, "recipient": {"id": "7007"},
        "message": {"msg_id": "grp-2", "text": "chào cả nhà"}});
    assert_eq!(bot.post(&chatter).await, 200);

    for data in ["1:pt:basics", "1:pl:basics-phone"] {
        let id = bot.msg_id();
        exchange(&fake, &bot, text_event(LAN, &id, &format!("#hv:{data}"))).await;
    }
    // The confirmation has no buttons: post the press and wait for the card.
    let id = bot.msg_id();
    let queued = text_event(LAN, &id, "#hv:1:ps:basics-phone:0");
    assert_eq!(bot.post(&queued).await, 200);
    // The card reaches the group with the line that opens the lesson.
    fake.wait_for("the card", |r| {
        r.iter()
            .any(|r| r.path == "/v3.0/oa/group/message" && r.text().contains("/start g_"))
    })
    .await;
    let posts = fake.calls("/v3.0/oa/group/message");
    assert_eq!(
        posts.len(),
        2,
        "the note and the card, nothing for the chatter"
    );
    assert!(
        posts[1].text().contains("_basics-phone"),
        "{}",
        posts[1].text()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_may_have_arrived_is_repeated_once_and_no_more() {
    let fake = FakeZalo::start("A0", "R0").await;
    let mut s = settings(&fake);
    s.request_timeout = Duration::from_millis(300);
    let bot = start_with(Arc::new(MemoryStore::new()), s).await;
    // Zalo takes every send but its answers never come back in time.
    for _ in 0..4 {
        fake.delay_next("/v3.0/oa/message/cs", Duration::from_millis(900));
    }
    assert_eq!(bot.post(&text_event(LAN, "slow-1", "/start")).await, 200);
    fake.wait_for("the send and its repeat", |r| {
        r.iter().filter(|r| r.path == "/v3.0/oa/message/cs").count() >= 2
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    bot.stop().await;
    let tries = fake.calls("/v3.0/oa/message/cs");
    assert_eq!(
        tries.len(),
        2,
        "one repeat at most: the learner may already have it"
    );
    assert_eq!(tries[0].fields, tries[1].fields);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsigned_request_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fake = FakeZalo::start("A0", "R0").await;
    let bot = start(&fake, Arc::new(MemoryStore::new())).await;
    let addr = bot
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    // 5 MB announced, none sent, no signature: refused at once.
    let started = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = "POST /zalo HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
                content-length: 5000000\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 256];
    let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut answer))
        .await
        .map_or(0, |r| r.unwrap_or(0));
    let answer = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // A signed-looking request whose body never comes holds up no shutdown.
    let mut held = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let half = format!(
        "POST /zalo HTTP/1.1\r\nhost: x\r\nx-zevent-signature: mac={}\r\n\
         content-length: 100\r\n\r\n{{",
        "0".repeat(64)
    );
    held.write_all(half.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = std::time::Instant::now();
    bot.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "{:?}",
        stopping.elapsed()
    );
    drop(held);
}

//! The Telegram outbox sender against the fake Bot API: every queued message
//! arrives once, within the configured limits (checked by the fake's
//! enforcing mode), scheduled ones not early; failures are handled as
//! ARCHITECTURE.md says.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hocvuso::channel::telegram::{Limits, Settings, blocked_key};
use hocvuso::core::{
    Attachment, Document, Lang, Learner, LearnerId, Message, Outgoing, Phrase, Recipient, Timestamp,
};
use hocvuso::store::{Change, MemoryStore, Store};

use crate::fake_bot_api::{Enforce, FakeBotApi, Request, delivered, too_many};
use crate::support::repo;
use crate::telegram::{settings, start_with};

pub fn unix_now() -> Timestamp {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as Timestamp
}

/// A text message to `to` carrying a unique `marker`.
pub fn note(to: Recipient, marker: &str, not_before: Timestamp) -> Outgoing {
    Outgoing {
        channel: "telegram".into(),
        to,
        lang: Lang::new("vi"),
        message: Message::default().para(Phrase::Content(format!("Thông báo {marker}"))),
        not_before,
    }
}

pub fn group(chat: i64) -> Recipient {
    Recipient::Group {
        chat: chat.to_string(),
    }
}

pub fn learner(user: i64) -> Recipient {
    Recipient::Learner {
        id: LearnerId::new(format!("tg:{user}")).unwrap(),
    }
}

/// `item 0007`: markers that are never a part of one another.
pub fn marker(i: usize) -> String {
    format!("item {i:04}.")
}

/// Puts messages in the outbox as other code does: with a change.
pub fn queue(store: &dyn Store, items: &[Outgoing]) {
    let ops = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "Ops", 0);
    store
        .commit(&Change {
            outbox: items,
            ..Change::of(&ops)
        })
        .unwrap();
}

pub fn outbox_left(store: &dyn Store) -> usize {
    store
        .outbox_due("telegram", Timestamp::MAX - 1, 100_000)
        .unwrap()
        .len()
}

/// Both sides at five times Telegram's limits, so tests stay short.
fn fast_settings(fake: &FakeBotApi) -> Settings {
    fake.enforce(Enforce {
        per_second: 150,
        chat_per_second: 5,
        group_per_minute: 100,
        retry_after: 1,
        group_window: Duration::from_secs(60),
    });
    let mut s = settings(fake);
    s.outbox.limits = Limits {
        per_second: 150.0,
        group_per_minute: 100.0,
        chat_per_second: 5.0,
    };
    s
}

/// Whether items `0..n` have all arrived.
pub fn all_delivered(requests: &[Request], n: usize) -> bool {
    (0..n).all(|i| delivered(requests, &marker(i)).next().is_some())
}

fn delivered_to(fake: &FakeBotApi, chat: i64) -> Vec<Request> {
    fake.requests()
        .into_iter()
        .filter(|r| r.chat_id() == Some(chat) && !r.failed)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_posts_reach_every_group_and_learner_once_within_the_limits() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let now = unix_now();
    let mut items = Vec::new();
    for i in 0..60 {
        let to = if i % 5 == 0 {
            group(-100 - (i as i64 % 3))
        } else {
            learner(7000 + i as i64 % 25)
        };
        items.push(note(to, &marker(i), now));
    }
    let mut picture = note(group(-100), &marker(60), now);
    picture.message.attachment = Some(Attachment::Picture(repo(
        "tests/fixtures/good/01-basics/images/swipe.png",
    )));
    let mut export = note(learner(7001), &marker(61), now);
    export.message.attachment = Some(Attachment::Document(Document {
        name: "thong-ke.csv".into(),
        content: b"lesson,completions\nbasics-phone,12\n".to_vec(),
    }));
    items.extend([picture, export]);
    queue(store.as_ref(), &items);

    let bot = start_with(&fake, store.clone(), fast_settings(&fake)).await;
    fake.wait_for("every item", |r| all_delivered(r, items.len()))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    bot.stop().await;

    for i in 0..items.len() {
        assert_eq!(fake.delivered(&marker(i)).len(), 1, "{}", marker(i));
    }
    assert_eq!(fake.floods(), [], "no limit exceeded");
    assert_eq!(outbox_left(store.as_ref()), 0);
    // Each chat's messages in the order they were queued.
    for chat in [-100, -101, 7003] {
        let order: Vec<String> = delivered_to(&fake, chat)
            .iter()
            .map(|r| r.text().to_string())
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted, "chat {chat}");
    }
    let photo = fake.delivered(&marker(60)).pop().unwrap();
    assert_eq!(photo.method, "sendphoto");
    let document = fake.delivered(&marker(61)).pop().unwrap();
    assert_eq!(document.method, "senddocument");
    assert!(
        document.fields["document"]
            .as_str()
            .unwrap()
            .starts_with("<file thong-ke.csv"),
        "{:?}",
        document.fields
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_that_chat_for_retry_after_while_others_go_on() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let now = unix_now();
    let flooded = 7100;
    fake.fail_next_for(flooded, 429, too_many(1));
    let mut items = vec![note(learner(flooded), &marker(0), now)];
    // Others: enough that some are sent during the second the chat waits.
    items.extend((1..40).map(|i| note(learner(7200 + i as i64 % 8), &marker(i), now)));
    queue(store.as_ref(), &items);
    let bot = start_with(&fake, store.clone(), fast_settings(&fake)).await;
    fake.wait_for("every item", |r| all_delivered(r, items.len()))
        .await;
    bot.stop().await;

    let to_flooded: Vec<Request> = fake
        .requests()
        .into_iter()
        .filter(|r| r.chat_id() == Some(flooded))
        .collect();
    assert_eq!(to_flooded.len(), 2, "the 429, then the message once");
    assert!(to_flooded[0].failed && !to_flooded[1].failed);
    let (refused, sent) = (to_flooded[0].at, to_flooded[1].at);
    assert!(
        sent - refused >= Duration::from_secs(1),
        "{:?}",
        sent - refused
    );
    let meanwhile = fake
        .requests()
        .iter()
        .filter(|r| r.at > refused && r.at < sent && r.chat_id() != Some(flooded) && !r.failed)
        .count();
    assert!(meanwhile > 0, "other chats went on during the pause");
    assert_eq!(fake.floods(), []);
    assert_eq!(outbox_left(store.as_ref()), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_message_is_not_sent_before_its_time() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let now = unix_now();
    let later = now + 2;
    queue(
        store.as_ref(),
        &[
            note(learner(7300), &marker(1), later),
            note(learner(7301), &marker(0), now),
        ],
    );
    let bot = start_with(&fake, store.clone(), settings(&fake)).await;
    fake.wait_for("the scheduled item", |r| all_delivered(r, 2))
        .await;
    bot.stop().await;
    let early = fake.delivered(&marker(0)).pop().unwrap();
    let scheduled = fake.delivered(&marker(1)).pop().unwrap();
    let secs = |r: &Request| r.wall.duration_since(UNIX_EPOCH).unwrap().as_secs() as Timestamp;
    assert!(secs(&scheduled) >= later, "{} < {later}", secs(&scheduled));
    assert!(early.at < scheduled.at);
    assert_eq!(outbox_left(store.as_ref()), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_dropped_blocked_chats_marked_and_server_errors_retried() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let now = unix_now();
    let (blocked, refused, flaky, fine) = (7401, 7402, 7403, 7404);
    fake.block_chat(blocked);
    fake.fail_next_for(
        refused,
        400,
        serde_json::json!({"ok": false, "error_code": 400,
                           "description": "Bad Request: chat not found"}),
    );
    fake.fail_next_for(
        flaky,
        502,
        serde_json::json!({"ok": false, "error_code": 502, "description": "Bad Gateway"}),
    );
    let elsewhere = Recipient::Learner {
        id: LearnerId::new("zalo:77").unwrap(),
    };
    queue(
        store.as_ref(),
        &[
            note(learner(blocked), &marker(0), now),
            note(learner(blocked), &marker(1), now),
            note(learner(refused), &marker(2), now),
            note(learner(flaky), &marker(3), now),
            note(elsewhere, &marker(4), now),
            note(learner(fine), &marker(5), now),
        ],
    );
    let bot = start_with(&fake, store.clone(), settings(&fake)).await;
    fake.wait_for("the retried and the fine item", |r| {
        [3, 5]
            .iter()
            .all(|i| delivered(r, &marker(*i)).next().is_some())
    })
    .await;
    for _ in 0..100 {
        if outbox_left(store.as_ref()) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.stop().await;
    assert_eq!(
        outbox_left(store.as_ref()),
        0,
        "dropped or sent, all removed"
    );
    assert_eq!(
        fake.sent_to(blocked),
        1,
        "a 403 once; the next message unsent"
    );
    assert_eq!(
        store.channel_get(&blocked_key(blocked)).unwrap().as_deref(),
        Some("1")
    );
    assert_eq!(fake.sent_to(refused), 1, "a 400 is not retried");
    assert_eq!(fake.sent_to(flaky), 2, "a 502, then the retry");
    assert_eq!(fake.delivered(&marker(4)).len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_the_send_in_flight_and_removes_it() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    queue(
        store.as_ref(),
        &[note(learner(7500), &marker(0), unix_now())],
    );
    fake.delay_next("sendMessage", Duration::from_millis(400));
    let bot = start_with(&fake, store.clone(), settings(&fake)).await;
    fake.wait_for("the send", |r| r.iter().any(|r| r.method == "sendmessage"))
        .await;
    bot.stop().await;
    assert_eq!(
        outbox_left(store.as_ref()),
        0,
        "sent, so removed before stopping"
    );
    assert_eq!(fake.delivered(&marker(0)).len(), 1);
}

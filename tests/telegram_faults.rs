//! The Telegram adapter on a bad day, against the fake Bot API: one chat
//! under flood control or answering slowly, a group pushed to again and
//! again under enforced limits, a group with thousands of queued cards, a
//! lesson picture gone missing, certificates sent again, webhook updates out
//! of order and webhook clients that misbehave.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hocvuso::channel::telegram::Limits;
use hocvuso::core::LearnerId;
use hocvuso::store::{MemoryStore, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::fake_bot_api::{
    Enforce, FakeBotApi, Request, button_update, delivered, group_update, text_update, too_many,
};
use crate::support::repo;
use crate::telegram::{
    Feed, LAN, VOLUNTEER, app, exchange, finish_the_lesson, post_update, settings, start,
    start_app, start_webhook, start_with, texts,
};
use crate::telegram_outbox::{group, learner, marker, note, queue, unix_now};

/// Whether a request is a message that reached `chat`.
fn answered(r: &Request, chat: i64) -> bool {
    !r.failed
        && r.chat_id() == Some(chat)
        && matches!(r.method.as_str(), "sendmessage" | "sendphoto")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_under_flood_control_never_delays_another_learner() {
    let fake = FakeBotApi::start().await;
    let bot = start(&fake, Arc::new(MemoryStore::new())).await;
    let (flooded, other) = (6101, 6102);
    fake.fail_next_for(flooded, 429, too_many(3));
    fake.push_update(text_update(1, flooded, "/start"));
    fake.wait_for("the 429", |r| {
        r.iter().any(|r| r.failed && r.chat_id() == Some(flooded))
    })
    .await;
    // The flooded chat's answer now waits 3 s; another learner writes.
    let asked = Instant::now();
    fake.push_update(text_update(2, other, "/start"));
    fake.wait_for("the other learner's answer", |r| {
        r.iter().any(|r| answered(r, other))
    })
    .await;
    let waited = asked.elapsed();
    assert!(waited < Duration::from_millis(800), "{waited:?}");
    fake.wait_for("the flooded chat's answer", |r| {
        r.iter().any(|r| answered(r, flooded))
    })
    .await;
    bot.stop().await;
    let to_flooded: Vec<Request> = fake
        .requests()
        .into_iter()
        .filter(|r| r.chat_id() == Some(flooded))
        .collect();
    assert_eq!(to_flooded.len(), 2, "the 429, then the answer once");
    assert!(to_flooded[1].at - to_flooded[0].at >= Duration::from_secs(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_goes_on_while_a_slow_answer_is_being_sent() {
    let fake = FakeBotApi::start().await;
    let bot = start(&fake, Arc::new(MemoryStore::new())).await;
    let (slow, other) = (6201, 6202);
    fake.delay_next_for(slow, Duration::from_secs(2));
    fake.push_update(text_update(1, slow, "/start"));
    fake.wait_for("the slow send to start", |r| {
        r.iter().any(|r| r.chat_id() == Some(slow))
    })
    .await;
    let asked = Instant::now();
    fake.push_update(text_update(2, other, "/start"));
    fake.wait_for("the other learner's answer", |r| {
        r.iter().any(|r| answered(r, other))
    })
    .await;
    let waited = asked.elapsed();
    assert!(waited < Duration::from_millis(800), "{waited:?}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twelve_pushes_in_a_group_stay_within_its_limit_and_hold_up_no_one() {
    let fake = FakeBotApi::start().await;
    // Telegram's limits with the group's minute shortened to 6 s (and the
    // bot's group rate scaled the same way), so the group limit is what
    // binds and the test stays short.
    fake.enforce(Enforce {
        per_second: 150,
        chat_per_second: 5,
        group_per_minute: 20,
        retry_after: 1,
        group_window: Duration::from_secs(6),
    });
    let mut s = settings(&fake);
    s.outbox.limits = Limits {
        per_second: 150.0,
        group_per_minute: 200.0,
        chat_per_second: 5.0,
    };
    let store = Arc::new(MemoryStore::new());
    let bot = start_with(&fake, store.clone(), s).await;
    let chat = -100_900;
    const CARDS: usize = 16;
    let cards: Vec<_> = (0..CARDS)
        .map(|i| note(group(chat), &marker(i), unix_now()))
        .collect();
    queue(store.as_ref(), &cards);
    // A volunteer types /push in the group twelve times in a row.
    fake.push_updates((0..12).map(|i| group_update(10 + i, VOLUNTEER, chat, "/push")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile a learner in a private chat is answered at once.
    let asked = Instant::now();
    fake.push_update(text_update(50, LAN, "/start"));
    fake.wait_for("the learner's answer", |r| {
        r.iter().any(|r| answered(r, LAN))
    })
    .await;
    let waited = asked.elapsed();
    assert!(waited < Duration::from_millis(800), "{waited:?}");
    fake.wait_for("every card", |r| {
        (0..CARDS).all(|i| delivered(r, &marker(i)).next().is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    bot.stop().await;

    assert_eq!(fake.floods(), [], "no limit exceeded");
    let to_group: Vec<Request> = fake
        .requests()
        .into_iter()
        .filter(|r| answered(r, chat))
        .collect();
    let is_card = |r: &Request| r.text().contains("Thông báo item");
    let notices: Vec<&Request> = to_group.iter().filter(|r| !is_card(r)).collect();
    assert!(!notices.is_empty(), "the group heard about the pushes");
    // Live replies go first: the notices did not queue behind the cards.
    let last_notice = notices.last().unwrap().at;
    let cards_before = to_group
        .iter()
        .filter(|r| is_card(r) && r.at < last_notice)
        .count();
    assert!(
        cards_before <= 3,
        "{cards_before} cards went before the notices"
    );
    // Every picker reached the volunteer privately.
    assert!(fake.sent_to(VOLUNTEER) >= 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_with_thousands_of_queued_cards_does_not_delay_anyone_else() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let now = unix_now();
    let crowded = -100_901;
    let mut items: Vec<_> = (0..5000)
        .map(|i| note(group(crowded), &format!("card {i}."), now))
        .collect();
    // Queued after all of them: a mentor's notice and another group's post.
    items.push(note(learner(6301), &marker(0), now));
    items.push(note(group(-100_902), &marker(1), now));
    queue(store.as_ref(), &items);
    let started = Instant::now();
    let bot = start(&fake, store.clone()).await;
    fake.wait_for("the notice and the other post", |r| {
        (0..2).all(|i| delivered(r, &marker(i)).next().is_some())
    })
    .await;
    let waited = started.elapsed();
    bot.stop().await;
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    let crowded_sent = fake
        .requests()
        .iter()
        .filter(|r| answered(r, crowded))
        .count();
    assert!(
        crowded_sent <= 5,
        "the group keeps its own pace: {crowded_sent}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lesson_picture_removed_while_running_leaves_the_step_and_its_buttons() {
    let lessons = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(repo("tests/fixtures/good/01-basics"))
        .arg(lessons.path())
        .status()
        .unwrap();
    assert!(status.success());
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let mut bot = start_app(&fake, app(store, lessons.path()), settings(&fake)).await;
    // Validated at start; then someone deletes it.
    std::fs::remove_file(lessons.path().join("01-basics/images/swipe.png")).unwrap();
    bot.next_id += 1;
    let id = bot.next_id;
    let a = exchange(&fake, &bot, text_update(id, LAN, "/start l_basics-phone")).await;
    assert!(texts(&a).contains("ngôn ngữ"), "{}", texts(&a));
    let a = exchange(&fake, &bot, button_update(id + 1, LAN, 2, "1:lang:vi")).await;
    assert!(texts(&a).contains("Bước 1/2"), "{}", texts(&a));
    let a = exchange(
        &fake,
        &bot,
        button_update(id + 2, LAN, 3, "1:s:basics-phone:1"),
    )
    .await;
    bot.stop().await;
    let step = a
        .iter()
        .rfind(|r| answered(r, LAN))
        .expect("the step was sent");
    assert_eq!(step.method, "sendmessage", "without the picture");
    assert!(step.text().contains("Bước 2/2"), "{}", step.text());
    assert!(!step.buttons().is_empty(), "the learner keeps the buttons");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_sent_again_is_neither_drawn_nor_uploaded_again() {
    let fake = FakeBotApi::start().await;
    let mut bot = start(&fake, Arc::new(MemoryStore::new())).await;
    finish_the_lesson(&fake, &mut bot).await;
    let mut id = 900;
    let mut go = |data: &str| {
        id += 1;
        button_update(id, LAN, 70, data)
    };
    for data in [
        "1:l:basics-call",
        "1:q:basics-call:0",
        "1:a:basics-call:0:0",
    ] {
        exchange(&fake, &bot, go(data)).await;
    }
    let uploads = |fake: &FakeBotApi| {
        fake.calls("sendPhoto")
            .iter()
            .filter(|r| {
                r.fields["photo"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("<file chung-nhan-"))
            })
            .count()
    };
    // The topic is the only core topic: its certificate and the overall one.
    fake.wait_for("both certificates", |r| {
        r.iter()
            .filter(|r| {
                r.method == "sendphoto"
                    && r.fields["photo"]
                        .as_str()
                        .is_some_and(|p| p.starts_with("<file chung-nhan-"))
            })
            .count()
            >= 2
    })
    .await;
    let drawn = uploads(&fake);
    let photos = fake.calls("sendPhoto").len();
    for _ in 0..2 {
        exchange(&fake, &bot, go("1:ce:basics")).await;
    }
    bot.stop().await;
    let again: Vec<Request> = fake.calls("sendPhoto")[photos..].to_vec();
    assert_eq!(again.len(), 2, "sent twice more");
    assert_eq!(uploads(&fake), drawn, "no new drawing or upload");
    for photo in &again {
        let file_id = photo.fields["photo"].as_str().unwrap();
        assert!(file_id.starts_with("photo-"), "{file_id}");
        assert!(
            photo.text().contains("Mã"),
            "the caption still goes: {}",
            photo.text()
        );
    }
}

fn webhook_feed(bot: &crate::telegram::Running) -> (String, String) {
    match &bot.feed {
        Feed::Webhook { url, secret } => (url.clone(), secret.clone()),
        Feed::Polling => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_update_older_than_one_handled_before_a_restart_is_still_handled() {
    let fake = FakeBotApi::start().await;
    let store = Arc::new(MemoryStore::new());
    let (early, late) = (6401, 6402);
    let bot = start_webhook(&fake, store.clone(), "s3cret").await;
    let (url, secret) = webhook_feed(&bot);
    let later = text_update(5011, late, "/start");
    assert_eq!(post_update(&url, Some(&secret), &later).await, 200);
    fake.wait_for("the later update's answer", |r| {
        r.iter().any(|r| answered(r, late))
    })
    .await;
    bot.stop().await;

    let bot = start_webhook(&fake, store.clone(), "s3cret").await;
    let (url, secret) = webhook_feed(&bot);
    // Telegram delivers an older update only now: it was never handled.
    let older = text_update(5010, early, "/start");
    assert_eq!(post_update(&url, Some(&secret), &older).await, 200);
    fake.wait_for("the older update's answer", |r| {
        r.iter().any(|r| answered(r, early))
    })
    .await;
    // The later one again: already handled, nothing new.
    assert_eq!(post_update(&url, Some(&secret), &later).await, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    bot.stop().await;
    assert_eq!(fake.sent_to(late), 1);
    let learner = LearnerId::new(format!("tg:{early}")).unwrap();
    assert!(store.load(&learner).unwrap().is_some());
}

/// Writes `head` on a fresh connection to the webhook; what came back
/// within `wait`, and how long it took.
async fn raw_request(url: &str, head: &str, wait: Duration) -> (String, Duration) {
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let started = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(wait, stream.read(&mut answer))
        .await
        .map_or(0, |r| r.unwrap_or(0));
    (
        String::from_utf8_lossy(&answer[..n]).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_webhook_refuses_a_stranger_before_reading_the_body_and_stops_despite_slow_clients() {
    let fake = FakeBotApi::start().await;
    let bot = start_webhook(&fake, Arc::new(MemoryStore::new()), "s3cret").await;
    let (url, _) = webhook_feed(&bot);
    let path = format!(
        "/{}",
        url.trim_start_matches("http://").split_once('/').unwrap().1
    );
    // A wrong secret announcing 5 MB it never sends: refused at once.
    let stranger = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
         x-telegram-bot-api-secret-token: guess\r\ncontent-length: 5000000\r\n\r\n"
    );
    let (answer, took) = raw_request(&url, &stranger, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    // A client that never finishes its headers is cut off…
    let (answer, took) = raw_request(
        &url,
        &format!("POST {path} HTTP/1.1\r\nhost: x\r\n"),
        Duration::from_secs(5),
    )
    .await;
    assert!(!answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // …and one holding a half-sent request does not hold up shutdown.
    let addr = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut held = tokio::net::TcpStream::connect(addr).await.unwrap();
    let half = format!(
        "POST {path} HTTP/1.1\r\nhost: x\r\nx-telegram-bot-api-secret-token: s3cret\r\n\
         content-length: 100\r\n\r\n{{"
    );
    held.write_all(half.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopping = Instant::now();
    bot.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(2),
        "{:?}",
        stopping.elapsed()
    );
    drop(held);
}

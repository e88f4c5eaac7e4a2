//! How close the Telegram outbox sender drains to its configured rate,
//! against the fake Bot API in enforcing mode (which answers 429 whenever a
//! limit is exceeded over a sliding window).
//!
//! Two runs, each with a sled store holding the messages (so every removal
//! is a real flush): 3,000 messages to 200 chats (20 groups, 180 learners)
//! with bot and fake both at ten times Telegram's limits (300/s overall,
//! 10/s a chat, 200/min a group), then 600 messages to 200 chats at
//! Telegram's own limits (30/s, 1/s, 20/min), about 20 s. Reported: the
//! achieved rate (sends after the first, over the time from the first to
//! the last), its ratio to the configured rate (target ≥ 95 %), and 429s.

#[path = "../tests/fake_bot_api.rs"]
mod fake_bot_api;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fake_bot_api::{Enforce, FakeBotApi};
use hocvuso::app::App;
use hocvuso::channel::telegram::{Limits, Secret, Settings, Telegram};
use hocvuso::core::{Lang, Learner, LearnerId, Message, Outgoing, Phrase, Recipient};
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::{Change, SledStore, Store};

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        run("10× Telegram's limits", 3_000, 10.0).await;
        run("Telegram's limits", 600, 1.0).await;
    });
}

async fn run(name: &str, messages: usize, scale: f64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    fill(store.as_ref(), messages);
    let fake = FakeBotApi::start().await;
    fake.enforce(Enforce {
        per_second: (30.0 * scale) as usize,
        chat_per_second: scale as usize,
        group_per_minute: (20.0 * scale) as usize,
        retry_after: 1,
        group_window: Duration::from_secs(60),
    });
    let limits = Limits {
        per_second: 30.0 * scale,
        group_per_minute: 20.0 * scale,
        chat_per_second: scale,
    };
    let mut settings = Settings::new(Secret::for_url("1:BENCH").unwrap());
    settings.api_url = fake.url.clone();
    settings.poll_timeout = Duration::from_secs(1);
    settings.outbox.limits = limits;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = Arc::new(load_tree(&root.join("tests/fixtures/good")).unwrap());
    let localizer = Arc::new(Localizer::load(&root.join("locales")).unwrap());
    let app = Arc::new(App::with_store(tree, localizer, store.clone()));
    let bot = Telegram::connect(app, settings).await.unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(bot.run_polling(shutdown));
    loop {
        let sent = fake.count_ok("sendMessage");
        if sent >= messages {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
    let sends: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "sendmessage" && !r.failed)
        .map(|r| r.at)
        .collect();
    let span = *sends.last().unwrap() - sends[0];
    let achieved = (sends.len() - 1) as f64 / span.as_secs_f64();
    let left = store
        .outbox_due("telegram", i64::MAX - 1, 10)
        .unwrap()
        .len();
    println!(
        "telegram outbox ({name}): {} messages to 200 chats in {span:.2?}: {achieved:.1}/s of {:.0}/s configured = {:.1} %; 429s: {}; left in the outbox: {left}",
        sends.len(),
        limits.per_second,
        100.0 * achieved / limits.per_second,
        fake.floods().len(),
    );
}

/// `messages` outbox items spread over 20 groups and 180 learners.
fn fill(store: &dyn Store, messages: usize) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let items: Vec<Outgoing> = (0..messages)
        .map(|i| {
            let chat = i % 200;
            let to = if chat < 20 {
                Recipient::Group {
                    chat: format!("-100{chat}"),
                }
            } else {
                Recipient::Learner {
                    id: LearnerId::new(format!("tg:{}", 9_000 + chat)).unwrap(),
                }
            };
            Outgoing {
                channel: "telegram".into(),
                to,
                lang: Lang::new("vi"),
                message: Message::default().para(Phrase::Content(format!(
                    "Bản tin số {i}: lớp học VNeID chiều nay."
                ))),
                not_before: now,
            }
        })
        .collect();
    let ops = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "Ops", now);
    store
        .commit(&Change {
            outbox: &items,
            ..Change::of(&ops)
        })
        .unwrap();
}

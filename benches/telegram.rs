//! End to end through the real Telegram adapter against the fake Bot API on
//! loopback: a sled store holding 100,000 learners, then 20,000 updates from
//! 20,000 of them. Reports updates/s, p50/p99 handling latency (from the
//! moment the fake handed an update out to the bot's last request for that
//! chat) and resident memory. Targets: ≥ 2,000 updates/s, p99 < 50 ms, RSS < 100 MB.

#[path = "../tests/fake_bot_api.rs"]
mod fake_bot_api;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::channel::telegram::{Settings, Telegram, Token};
use hocvuso::core::{Callback, Input, Lang, LearnerId, Place};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::SledStore;

const LEARNERS: i64 = 100_000;
const UPDATES: i64 = 20_000;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let tree = Arc::new(load_tree(&root.join("tests/fixtures/good")).unwrap());
    let localizer = Arc::new(Localizer::load(&root.join("locales")).unwrap());
    let store = Arc::new(SledStore::open(dir.path()).unwrap());
    let app = Arc::new(App::with_store(tree, localizer, store));
    let started = Instant::now();
    for user in 0..LEARNERS {
        let event = Event {
            learner: LearnerId::new(format!("tg:{}", 1_000_000 + user)).unwrap(),
            channel: "telegram",
            display_name: "Lan".into(),
            place: Place::Private,
            input: Input::Button(Callback::SetLang(Lang::new("vi")).encode()),
            now: 1_700_000_000,
        };
        app.engine.handle(&event).unwrap();
    }
    eprintln!(
        "{LEARNERS} learners stored in {:?}; RSS {} MB",
        started.elapsed(),
        rss_mb()
    );

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let fake = fake_bot_api::FakeBotApi::start_with(false).await;
        let mut settings = Settings::new(Token::new("1:BENCH").unwrap());
        settings.api_url = fake.url.clone();
        settings.poll_timeout = Duration::from_secs(1);
        let bot = Telegram::connect(app, settings).await.unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(bot.run_polling(shutdown));
        // Half button presses (topic screen), half typed commands (menu).
        let updates = (0..UPDATES).map(|i| {
            let user = 1_000_000 + (i * 5) % LEARNERS;
            if i % 2 == 0 {
                fake_bot_api::button_update(i + 1, user, 1, "1:t:basics")
            } else {
                fake_bot_api::text_update(i + 1, user, "/menu")
            }
        });
        let started = Instant::now();
        fake.push_updates(updates);
        let expected = UPDATES as usize;
        loop {
            let answered = fake
                .requests()
                .iter()
                .filter(|r| r.method == "sendmessage")
                .count();
            if answered >= expected && fake.pending_updates() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let elapsed = started.elapsed();
        stop.send(true).unwrap();
        task.await.unwrap().unwrap();

        let handed = fake.handed_out();
        let mut last_per_chat: HashMap<i64, Instant> = HashMap::new();
        for r in fake.requests() {
            if let Some(chat) = r.chat_id() {
                last_per_chat.insert(chat, r.at);
            }
        }
        let mut latencies: Vec<Duration> = (0..UPDATES)
            .filter_map(|i| {
                let user = 1_000_000 + (i * 5) % LEARNERS;
                Some(last_per_chat.get(&user)?.duration_since(*handed.get(&(i + 1))?))
            })
            .collect();
        latencies.sort();
        let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
        println!(
            "telegram: {UPDATES} updates in {elapsed:?} = {:.0} updates/s; latency p50 {:?} p99 {:?}; RSS {} MB",
            UPDATES as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            rss_mb()
        );
    });
}

fn rss_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

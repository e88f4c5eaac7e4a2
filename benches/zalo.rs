//! End to end through the real Zalo channel against the fake Zalo server on
//! loopback: a sled store holding 100,000 learners, then 20,000 signed
//! webhook events from 20,000 of them, twice: posted by 64 concurrent
//! senders as fast as they can (throughput), then offered at 2,000 events/s
//! (latency). Reports events/s and p50/p99 latency from the moment an event was posted
//! to the webhook (signature check included) to the fake server receiving the
//! last reply to it, and resident memory. Targets: ≥ 2,000 events/s, p99 < 50 ms.

#[path = "../tests/fake_zalo_api.rs"]
mod fake_zalo_api;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::channel::zalo::{Secret, Settings, Zalo, signature_header};
use hocvuso::core::{Callback, Input, Lang, LearnerId, Place};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::SledStore;

const LEARNERS: u64 = 100_000;
const EVENTS: u64 = 20_000;
const SENDERS: usize = 64;

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
            learner: LearnerId::new(format!("zalo:{}", 1_000_000 + user)).unwrap(),
            channel: "zalo",
            display_name: String::new(),
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
        let fake = fake_zalo_api::FakeZalo::start_with("A0", "R0", false).await;
        let mut settings = Settings::new(
            fake_zalo_api::APP_ID,
            Secret::new(fake_zalo_api::APP_SECRET).unwrap(),
            Secret::new(fake_zalo_api::OA_SECRET).unwrap(),
        );
        settings.access_token = Secret::new("A0");
        settings.refresh_token = Secret::new("R0");
        settings.api_url = fake.url.clone();
        settings.oauth_url = fake.url.clone();
        let path = settings.webhook_path.clone();
        let zalo = Zalo::new(app, settings).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{path}", listener.local_addr().unwrap());
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(zalo.run(listener, shutdown));

        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(SENDERS)
            .build()
            .unwrap();
        // As fast as the senders can post: the throughput.
        let (elapsed, _) = load(&client, &url, &fake, "sat", None).await;
        println!(
            "zalo: saturated: {EVENTS} webhook events answered in {elapsed:?} = {:.0} events/s",
            EVENTS as f64 / elapsed.as_secs_f64()
        );
        // Offered at 2,000 events/s: the latency at the target rate.
        let (elapsed, latencies) = load(&client, &url, &fake, "paced", Some(2000)).await;
        let pct = |p: f64| {
            latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)]
        };
        println!(
            "zalo: at 2,000 events/s offered: {EVENTS} events in {elapsed:?} = {:.0} events/s; latency p50 {:?} p99 {:?} max {:?} (n={}); RSS {} MB",
            EVENTS as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            latencies.last().copied().unwrap_or_default(),
            latencies.len(),
            rss_mb()
        );
        stop.send(true).unwrap();
        task.await.unwrap().unwrap();

    });
}

/// Posts `EVENTS` signed events (bodies made before the clock starts: half
/// button presses for the topic screen, half typed `/menu`), by `SENDERS`
/// concurrent senders, or at `rate` events/s; waits for every answer. Returns
/// the time until the last answer and the sorted latencies (post → last reply).
async fn load(
    client: &reqwest::Client,
    url: &str,
    fake: &fake_zalo_api::FakeZalo,
    tag: &str,
    rate: Option<u64>,
) -> (Duration, Vec<Duration>) {
    let requests: Vec<(String, Vec<u8>, String)> = (0..EVENTS)
        .map(|i| {
            let user = (1_000_000 + (i * 5 + u64::from(rate.is_some())) % LEARNERS).to_string();
            let msg_id = format!("{tag}-{i}");
            let text = if i % 2 == 0 {
                "#hv:1:t:basics"
            } else {
                "/menu"
            };
            let event = fake_zalo_api::text_event(&user, &msg_id, text);
            let body = serde_json::to_vec(&event).unwrap();
            let mac =
                signature_header(fake_zalo_api::APP_ID, &body, fake_zalo_api::OA_SECRET).unwrap();
            (msg_id, body, mac)
        })
        .collect();
    let before = fake.recipients();
    let posted_all: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let posted = posted_all.clone();
    let (client, url) = (client.clone(), url.to_string());
    let post = move |(msg_id, body, mac): (String, Vec<u8>, String)| {
        let (client, url, posted) = (client.clone(), url.clone(), posted.clone());
        async move {
            let at = Instant::now();
            let status = client
                .post(&url)
                .header("content-type", "application/json")
                .header("X-ZEvent-Signature", mac)
                .body(body)
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200);
            posted.lock().unwrap().insert(msg_id, at);
        }
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    match rate {
        None => {
            let queue = Arc::new(Mutex::new(requests));
            for _ in 0..SENDERS {
                let (queue, post) = (queue.clone(), post.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        let Some(request) = queue.lock().unwrap().pop() else {
                            return;
                        };
                        post(request).await;
                    }
                }));
            }
        }
        Some(rate) => {
            // 10 events per tick keeps the timer coarse enough to be exact.
            let tick = Duration::from_micros(10_000_000 / rate);
            let mut interval = tokio::time::interval(tick);
            let mut requests = requests.into_iter();
            'ticks: loop {
                interval.tick().await;
                for _ in 0..10 {
                    let Some(request) = requests.next() else {
                        break 'ticks;
                    };
                    tasks.push(tokio::spawn(post(request)));
                }
            }
        }
    }
    for task in tasks {
        task.await.unwrap();
    }
    let posted = posted_all;
    while fake.recipients() < before + EVENTS as usize {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let last = fake.last_sent();
    let posted = posted.lock().unwrap();
    let end = posted
        .keys()
        .filter_map(|id| last.get(id))
        .max()
        .copied()
        .unwrap_or_else(Instant::now);
    let mut latencies: Vec<Duration> = posted
        .iter()
        .filter_map(|(id, at)| Some(last.get(id)?.duration_since(*at)))
        .collect();
    latencies.sort();
    (end.duration_since(started), latencies)
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

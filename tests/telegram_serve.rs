//! `hocvuso serve` as a real process against the fake Bot API: a clean stop
//! on SIGTERM with the learner's progress on disk, a clear refusal without a
//! token, a token that never shows in the output, a kill -9 in the middle
//! of an outbox broadcast that loses nothing and repeats at most the message
//! in flight, and a kill -9 after a tap's effects were stored but before
//! Telegram heard it was handled, which repeats nothing.

use std::io::Read;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hocvuso::core::LearnerId;
use hocvuso::store::{SledStore, Store};

use crate::fake_bot_api::{
    FakeBotApi, Request, button_update, delivered, group_update, text_update,
};
use crate::support::hocvuso;
use crate::telegram::{LAN, VOLUNTEER, texts};
use crate::telegram_outbox::{all_delivered, learner, marker, note, outbox_left, queue, unix_now};

const TOKEN: &str = "123456:SECRET-token-never-printed";

/// A running `hocvuso serve`, its stderr collected as it comes.
struct Serve {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Serve {
    /// Starts the bot on the fixture lessons, polling `fake`, storing in `data`.
    fn start(fake: &FakeBotApi, data: &Path, config: Option<&Path>) -> Serve {
        let mut command = hocvuso("tests/fixtures/good");
        command
            .arg("serve")
            .arg("--api-url")
            .arg(&fake.url)
            .arg("--data")
            .arg(data)
            .env("TELEGRAM_BOT_TOKEN", TOKEN)
            .env("RUST_LOG", "debug")
            .env_remove("HOCVUSO_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let mut child = command.spawn().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Serve { child, stderr }
    }

    fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to end (generous: a slow machine is not a bug).
    async fn exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                tokio::time::sleep(Duration::from_millis(50)).await;
                return status;
            }
            assert!(Instant::now() < deadline, "hocvuso serve did not stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends an update and waits for the bot's answer with buttons to `LAN`.
async fn answer(fake: &FakeBotApi, update: serde_json::Value) -> Vec<Request> {
    let before = fake.requests().len();
    fake.push_update(update);
    fake.wait_for("an answer with buttons", |r| {
        r[before..]
            .iter()
            .any(|r| r.chat_id() == Some(LAN) && !r.buttons().is_empty())
    })
    .await;
    fake.requests()[before..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_cleanly_on_sigterm_with_progress_on_disk_and_no_token_in_the_logs() {
    let fake = FakeBotApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let mut serve = Serve::start(&fake, data.path(), None);
    let a = answer(&fake, text_update(1, LAN, "/start l_basics-phone")).await;
    assert!(texts(&a).contains("ngôn ngữ"), "{}", texts(&a));
    let a = answer(&fake, button_update(2, LAN, 10, "1:lang:vi")).await;
    assert!(texts(&a).contains("Bước 1/2"), "{}", texts(&a));
    let a = answer(&fake, button_update(3, LAN, 11, "1:s:basics-phone:1")).await;
    assert!(texts(&a).contains("Bước 2/2"), "{}", texts(&a));

    serve.signal("TERM");
    let status = serve.exit().await;
    let stderr = serve.stderr();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("running on Telegram as @hocvuso_test_bot"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("SECRET-token"),
        "the token leaked:\n{stderr}"
    );
    assert!(!stderr.contains(TOKEN), "the token leaked:\n{stderr}");

    let store = SledStore::open(data.path()).unwrap();
    let learner = store
        .load(&LearnerId::new(format!("tg:{LAN}")).unwrap())
        .unwrap()
        .expect("the learner was saved");
    assert_eq!(learner.lang.as_ref().map(|l| l.as_str()), Some("vi"));
    assert_eq!(learner.progress["basics-phone"].step, 1);
    assert_eq!(
        store
            .channel_get(hocvuso::channel::telegram::LAST_UPDATE_KEY)
            .unwrap()
            .as_deref(),
        Some("3")
    );
}

#[test]
fn serve_without_a_token_or_zalo_says_so_and_fails() {
    let data = tempfile::tempdir().unwrap();
    let output = hocvuso("tests/fixtures/good")
        .arg("serve")
        .arg("--data")
        .arg(data.path())
        .arg("--api-url")
        .arg("http://127.0.0.1:9")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("HOCVUSO_CONFIG")
        .env_remove("ZALO_APP_ID")
        .env_remove("ZALO_ACCESS_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("nothing to serve"), "{stderr}");
    assert!(stderr.contains("TELEGRAM_BOT_TOKEN"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_broadcast_loses_nothing_and_repeats_at_most_the_send_in_flight() {
    const ITEMS: usize = 45;
    let fake = FakeBotApi::start().await;
    let data = tempfile::tempdir().unwrap();
    // One send in flight at a time, so "the one in flight" is exact.
    let config = data.path().join("outbox.toml");
    std::fs::write(&config, "[telegram.outbox]\nmax_in_flight = 1\n").unwrap();
    let store_dir = data.path().join("store");
    {
        let store = SledStore::open(&store_dir).unwrap();
        let items: Vec<_> = (0..ITEMS)
            .map(|i| note(learner(8000 + i as i64), &marker(i), unix_now()))
            .collect();
        queue(&store, &items);
    }

    let mut serve = Serve::start(&fake, &store_dir, Some(&config));
    // At 30 messages a second, 45 take 1.5 s: kill in the middle.
    fake.wait_for("a part of the broadcast", |r| {
        r.iter().filter(|r| r.method == "sendmessage").count() >= 15
    })
    .await;
    serve.signal("KILL");
    serve.exit().await;
    let before_kill = fake.requests();
    let left: Vec<String> = {
        let store = SledStore::open(&store_dir).unwrap();
        store
            .outbox_due("telegram", i64::MAX - 1, 1000)
            .unwrap()
            .iter()
            .map(|q| texts_of(&q.item))
            .collect()
    };
    assert!(
        !left.is_empty() && left.len() < ITEMS,
        "killed mid-way: {} left",
        left.len()
    );

    let mut serve = Serve::start(&fake, &store_dir, Some(&config));
    fake.wait_for("every item", |r| all_delivered(r, ITEMS))
        .await;
    serve.signal("TERM");
    assert_eq!(serve.exit().await.code(), Some(0), "{}", serve.stderr());

    let all = fake.requests();
    let mut repeated = Vec::new();
    for i in 0..ITEMS {
        let m = marker(i);
        let copies = delivered(&all, &m).count();
        let was_left = left.iter().any(|t| t.contains(&m));
        assert!(copies >= 1, "{m} lost");
        if !was_left {
            assert_eq!(copies, 1, "{m} was removed before the kill, yet sent again");
        }
        if copies > 1 {
            repeated.push(m);
        }
    }
    // Only a message whose send had landed but whose removal had not can
    // repeat: with one send in flight, at most one, and only if it had
    // arrived before the kill.
    assert!(repeated.len() <= 1, "{repeated:?}");
    for m in &repeated {
        assert_eq!(delivered(&before_kill, m).count(), 1);
    }
    assert_eq!(outbox_left(&SledStore::open(&store_dir).unwrap()), 0);
}

fn texts_of(item: &hocvuso::core::Outgoing) -> String {
    format!("{:?}", item.message)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_admins_and_areas_from_the_config_file() {
    let fake = FakeBotApi::start().await;
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("hocvuso.toml");
    std::fs::write(
        &config,
        format!(
            "admins = [\"tg:{LAN}\"]\nareas = {:?}\n",
            crate::support::repo("areas.toml")
        ),
    )
    .unwrap();
    let store = data.path().join("store");
    let _serve = Serve::start(&fake, &store, Some(&config));
    answer(&fake, text_update(1, LAN, "/start")).await;
    answer(&fake, button_update(2, LAN, 10, "1:lang:vi")).await;
    let a = answer(&fake, text_update(3, LAN, "/stats")).await;
    assert!(texts(&a).contains("Số liệu: Tỉnh Mẫu"), "{}", texts(&a));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_after_a_tap_is_stored_but_not_confirmed_repeats_nothing() {
    let fake = FakeBotApi::start().await;
    fake.keep_until_confirmed();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("hocvuso.toml");
    std::fs::write(&config, format!("admins = [\"tg:{VOLUNTEER}\"]\n")).unwrap();
    let store = data.path().join("store");
    let group = -100_779;
    let to_volunteer = |r: &[Request]| {
        r.iter()
            .filter(|r| !r.failed && r.method == "sendmessage" && r.chat_id() == Some(VOLUNTEER))
            .count()
    };
    let cards = |r: &[Request]| {
        r.iter()
            .filter(|r| {
                r.chat_id() == Some(group) && r.buttons().iter().any(|b| b.contains("?start=g_"))
            })
            .count()
    };
    // Polled again after update `id` was stored: the offset confirms it.
    let confirmed = |r: &[Request], id: i64| {
        r.iter()
            .any(|r| r.method == "getupdates" && r.fields["offset"].as_i64() > Some(id))
    };

    let mut serve = Serve::start(&fake, &store, Some(&config));
    fake.push_update(group_update(1, VOLUNTEER, group, "/push@hocvuso_test_bot"));
    fake.wait_for("the private picker", |r| to_volunteer(r) >= 1)
        .await;
    for (id, data) in [(2, "1:pt:basics"), (3, "1:pl:basics-phone")] {
        let before = to_volunteer(&fake.requests());
        fake.push_update(button_update(id, VOLUNTEER, 50 + id, data));
        fake.wait_for("the next screen, and the poll after it", |r| {
            to_volunteer(r) > before && confirmed(r, id)
        })
        .await;
    }
    // The last tap: stored with its card, but its answer hangs and the
    // polls that would confirm it never reach Telegram.
    fake.delay_next_for(VOLUNTEER, Duration::from_secs(60));
    fake.hold_confirmations(true);
    fake.push_update(button_update(4, VOLUNTEER, 60, "1:ps:basics-phone:0"));
    fake.wait_for("the card in the group", |r| cards(r) >= 1)
        .await;
    serve.signal("KILL");
    serve.exit().await;
    assert_eq!(fake.handouts(4), 1);
    fake.hold_confirmations(false);

    let restarted = fake.requests().len();
    let mut serve = Serve::start(&fake, &store, Some(&config));
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.handouts(4) < 2 {
        assert!(Instant::now() < deadline, "the tap was not delivered again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fake.wait_for("the repeat confirmed", |r| confirmed(&r[restarted..], 4))
        .await;
    // Long enough for the outbox to send a second card, were there one.
    tokio::time::sleep(Duration::from_secs(1)).await;
    serve.signal("TERM");
    assert_eq!(serve.exit().await.code(), Some(0), "{}", serve.stderr());

    let all = fake.requests();
    assert_eq!(cards(&all), 1, "the group got the card once");
    let queued = all
        .iter()
        .filter(|r| r.chat_id() == Some(VOLUNTEER) && r.text().contains("Đã xếp bài"))
        .count();
    assert_eq!(queued, 1, "the volunteer read it once");
}

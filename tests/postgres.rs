//! The bot on PostgreSQL from the outside: `--store postgres://…`, and
//! `store copy` between sled and PostgreSQL. The server is a throwaway
//! cluster the test starts itself; without one the test fails.

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use hocvuso::core::LearnerId;
use hocvuso::store::pg::TestCluster;
use hocvuso::store::{PgStore, SledStore, Store};

use crate::support::{first_lesson_script, hocvuso};

fn database() -> String {
    let cluster = TestCluster::shared().unwrap_or_else(|e| {
        panic!("the PostgreSQL tests need a server and none could be started: {e}")
    });
    cluster.database().unwrap_or_else(|e| panic!("{e}"))
}

fn chat(store: &str, input: &str) -> String {
    let mut child = hocvuso("tests/fixtures/good")
        .args(["chat", "--user", "lan", "--store", store])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn store_copy(from: &str, to: &str, force: bool) -> Output {
    let mut command = hocvuso("tests/fixtures/good");
    command.args(["store", "copy", "--from", from, "--to", to]);
    if force {
        command.arg("--force");
    }
    command.stdin(Stdio::null()).output().unwrap()
}

fn lan() -> LearnerId {
    LearnerId::new("console:lan").unwrap()
}

#[test]
fn a_lesson_on_postgres_then_a_restart_that_resumes() {
    let url = database();
    let first = chat(&url, &first_lesson_script());
    assert!(
        first.contains("Bác đã học xong bài \"Mở khóa màn hình\""),
        "{first}"
    );
    let second = chat(&url, "1\n");
    assert!(second.contains("Chào mừng lan quay lại!"), "{second}");
    assert!(second.contains("[1] ▶ Học tiếp: Gọi điện"), "{second}");

    let store = PgStore::open(&url).unwrap();
    let completions = store.completion_log().unwrap();
    assert_eq!(completions.len(), 1);
    assert_eq!(completions[0].lesson, "basics-phone");
    assert!(
        store
            .load(&lan())
            .unwrap()
            .unwrap()
            .is_completed("basics-phone")
    );
}

#[test]
fn store_copy_moves_a_bot_from_sled_to_postgres_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let sled_dir = dir.path().join("data");
    let sled = format!("sled:{}", sled_dir.display());
    let first = chat(&sled, &first_lesson_script());
    assert!(first.contains("Bác đã học xong bài"), "{first}");

    let url = database();
    let out = store_copy(&sled, &url, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("copied and checked"), "{stdout}");
    assert!(
        stdout.contains("1 learners") && stdout.contains("1 completions"),
        "{stdout}"
    );

    // The bot goes on from PostgreSQL where it was.
    let on_pg = chat(&url, "1\n");
    assert!(on_pg.contains("[1] ▶ Học tiếp: Gọi điện"), "{on_pg}");

    // A second copy into the same database is refused, and changes nothing.
    let again = store_copy(&sled, &url, false);
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains("not empty") && stderr.contains("--force"),
        "{stderr}"
    );

    // And back, into a new sled folder.
    let back_dir = dir.path().join("back");
    let out = store_copy(&url, back_dir.to_str().unwrap(), false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pg = PgStore::open(&url).unwrap();
    let back = SledStore::open(&back_dir).unwrap();
    assert_eq!(back.load(&lan()).unwrap(), pg.load(&lan()).unwrap());
    assert_eq!(back.completion_log().unwrap(), pg.completion_log().unwrap());
}

#[test]
fn store_copy_from_nowhere_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let out = store_copy(missing.to_str().unwrap(), &database(), false);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("there is no store at"), "{stderr}");
    assert!(!Path::new(&missing).exists(), "no empty store was made");
}

/// A running `hocvuso serve` polling the fake Bot API, on a PostgreSQL store.
struct Serve {
    child: std::process::Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Serve {
    fn start(fake: &crate::fake_bot_api::FakeBotApi, store: &str) -> Serve {
        use std::io::Read;
        let mut child = hocvuso("tests/fixtures/good")
            .args(["serve", "--api-url", &fake.url, "--store", store])
            .env("TELEGRAM_BOT_TOKEN", "123456:pg-test-token")
            .env_remove("HOCVUSO_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
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

    async fn wait_for_line(&self, text: &str, seconds: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
        while !self.stderr.lock().unwrap().contains(text) {
            assert!(
                std::time::Instant::now() < deadline,
                "no {text:?} in:\n{}",
                self.stderr.lock().unwrap()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    async fn stop(&mut self) {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        for _ in 0..500 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{}", self.stderr.lock().unwrap());
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("hocvuso serve did not stop");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two polling instances on one database: the second stands by, and takes
/// over when the first stops; the learner goes on where they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_polling_instance_stands_by_and_takes_over() {
    use crate::fake_bot_api::{FakeBotApi, button_update, text_update};
    use crate::telegram::{LAN, texts};
    let url = database();
    let fake = FakeBotApi::start().await;
    let answered = |before: usize| {
        move |r: &[crate::fake_bot_api::Request]| {
            r[before..]
                .iter()
                .any(|r| r.chat_id() == Some(LAN) && !r.buttons().is_empty())
        }
    };
    let mut first = Serve::start(&fake, &url);
    let before = fake.requests().len();
    fake.push_update(text_update(1, LAN, "/start l_basics-phone"));
    fake.wait_for("the first instance's answer", answered(before))
        .await;
    let second = Serve::start(&fake, &url);
    second.wait_for_line("standing by", 30).await;

    let before = fake.requests().len();
    fake.push_update(button_update(2, LAN, 10, "1:lang:vi"));
    fake.wait_for("the lesson's first step", answered(before))
        .await;
    assert!(texts(&fake.requests()[before..]).contains("Bước 1/2"));

    first.stop().await;
    second.wait_for_line("polling now", 30).await;
    let before = fake.requests().len();
    fake.push_update(button_update(3, LAN, 11, "1:s:basics-phone:1"));
    fake.wait_for("the second instance's answer", answered(before))
        .await;
    assert!(texts(&fake.requests()[before..]).contains("Bước 2/2"));
}

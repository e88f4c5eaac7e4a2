//! End to end through the real Telegram adapter against the fake Bot API,
//! with the fake in its own process (and on another core) so the bot is
//! measured alone, on one core.
//!
//! The bench binary runs twice: as the bot (no environment variable) and,
//! re-executed by it with `HOCVUSO_BENCH_FAKE=<store dir>`, as the fake. The
//! bot writes a lesson tree (one topic of 150 lessons, 6 steps and 3
//! questions each); the fake fills a sled store with 20,000 learners and
//! closes it; the bot opens it and long-polls the fake. With `taskset`
//! available the bot pins itself to CPU 0 and the fake runs on CPU 1.
//!
//! The fake plays the learners: each presses the next button of the lesson
//! as soon as the message offering it arrives (steps, questions, the right
//! answers, then the next lesson), so every update is a real step through a
//! lesson, completions (flushed to disk) included.
//!
//! 1. 500 learners at once walk lessons until 30,000 presses are answered:
//!    updates/s, and p50/p99 from an update's hand-out to the answer that
//!    offers the next button. Target: ≥ 3,500 updates/s. Also the presses
//!    per CPU-second the bot used (its own core's worth on a shared machine).
//! 2. One learner alone walks lessons for 1,200 presses: p50/p99 of a
//!    press, measured the same way. Target: p99 < 3 ms.
//!
//! The bot also reports its resident memory (VmRSS, peak VmHWM).
//! Protocol on the fake's stdin/stdout: it prints `URL <url>`, waits for
//! `GO`, prints `PHASE` when the crowd is done, then `DONE <updates/s> <p50
//! µs> <p99 µs> <single p50 µs> <single p99 µs>`, and serves until its stdin
//! closes.

#[path = "../tests/fake_bot_api.rs"]
mod fake_bot_api;
mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::channel::telegram::{Secret, Settings, Telegram};
use hocvuso::core::{Callback, Input, Lang, LearnerId, Place};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::SledStore;
use serde_json::Value;

const LEARNERS: i64 = 20_000;
/// Enough that no learner reaches the end of the topic during a run.
const LESSONS: usize = 150;
const AT_ONCE: usize = 500;
const PRESSES: usize = 30_000;
const SINGLE_PRESSES: usize = 1_200;
const FAKE_ENV: &str = "HOCVUSO_BENCH_FAKE";
const LESSONS_ENV: &str = "HOCVUSO_BENCH_LESSONS";

fn main() {
    match std::env::var(FAKE_ENV) {
        Ok(dir) => {
            let lessons = PathBuf::from(std::env::var(LESSONS_ENV).unwrap());
            fake_process(Path::new(&dir), &lessons)
        }
        Err(_) => bot_process(),
    }
}

fn app(store_dir: &Path, lessons: &Path) -> Arc<App> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = Arc::new(load_tree(lessons).unwrap());
    let localizer = Arc::new(Localizer::load(&root.join("locales")).unwrap());
    let store = Arc::new(SledStore::open(store_dir).unwrap());
    Arc::new(App::with_store(tree, localizer, store))
}

fn user(i: usize) -> i64 {
    1_000_000 + i as i64
}

/// Runs `taskset` with `args`; whether it worked.
fn taskset(args: &[&str]) -> bool {
    Command::new("taskset")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn bot_process() {
    let dir = tempfile::tempdir().unwrap();
    let lessons = tempfile::tempdir().unwrap();
    support::write_tree(lessons.path(), 1, LESSONS);
    let exe = std::env::current_exe().unwrap();
    let pinned = taskset(&["-c", "1", "true"]);
    let mut command = if pinned {
        let mut c = Command::new("taskset");
        c.arg("-c").arg("1").arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let mut fake = command
        .env(FAKE_ENV, dir.path())
        .env(LESSONS_ENV, lessons.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Before the runtime exists, so every thread it starts inherits it.
    let pinned = pinned && taskset(&["-a", "-p", "-c", "0", &std::process::id().to_string()]);
    let mut from_fake = BufReader::new(fake.stdout.take().unwrap());
    let mut to_fake = fake.stdin.take().unwrap();
    let mut line = String::new();
    from_fake.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("URL ")
        .expect("the fake's address")
        .to_string();

    let app = app(dir.path(), lessons.path());
    eprintln!("bot: store with {LEARNERS} learners opened; {}", memory());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let report = runtime.block_on(async move {
        let mut settings = Settings::new(Secret::for_url("1:BENCH").unwrap());
        settings.api_url = url;
        settings.poll_timeout = Duration::from_secs(1);
        let bot = Telegram::connect(app, settings).await.unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(bot.run_polling(shutdown));
        let cpu_at_go = cpu_seconds();
        writeln!(to_fake, "GO").unwrap();
        let report = tokio::task::spawn_blocking(move || {
            // The crowd's phase ends with `PHASE`: the bot's CPU time then.
            let mut phase = String::new();
            from_fake.read_line(&mut phase).unwrap();
            let cpu = cpu_seconds() - cpu_at_go;
            let mut line = String::new();
            from_fake.read_line(&mut line).unwrap();
            format!("{} {cpu}", line.trim())
        })
        .await
        .unwrap();
        let memory = memory();
        stop.send(true).unwrap();
        task.await.unwrap().unwrap();
        drop(to_fake);
        (report, memory)
    });
    fake.wait().unwrap();
    let (done, memory) = report;
    let fields: Vec<f64> = done
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let [
        rate,
        p50,
        p99,
        single_p50,
        single_p99,
        step_p50,
        step_p99,
        finish_p50,
        finish_p99,
        cpu,
    ] = fields[..]
    else {
        panic!("the fake reported {done:?}")
    };
    // What one core of its own would do: the presses over the CPU time the
    // bot used for them (the machine may be shared).
    let per_cpu = PRESSES as f64 / cpu;
    let cores = if pinned {
        "bot on CPU 0, fake on CPU 1"
    } else {
        "not pinned: taskset unavailable"
    };
    println!(
        "telegram: {AT_ONCE} learners at once walking lessons, {PRESSES} presses: {rate:.0} updates/s \
         ({per_cpu:.0} per CPU-second of the bot, {cpu:.1} s); latency p50 {:.2} ms p99 {:.2} ms\n\
         telegram: one learner alone, {SINGLE_PRESSES} presses: latency p50 {:.2} ms p99 {:.2} ms; \
         without the lesson's last answer p50 {:.2} ms p99 {:.2} ms; the last answer (flushed) p50 {:.2} ms p99 {:.2} ms\n\
         bot process {memory} ({LEARNERS} learners in the store; {cores})",
        p50 / 1000.0,
        p99 / 1000.0,
        single_p50 / 1000.0,
        single_p99 / 1000.0,
        step_p50 / 1000.0,
        step_p99 / 1000.0,
        finish_p50 / 1000.0,
        finish_p99 / 1000.0
    );
}

/// The presses of lesson `n`, in order, each offered by the answer to the
/// one before; the last opens the next lesson.
fn plan(n: usize) -> Vec<String> {
    let id = |n: usize| format!("t0-lesson{}", n % LESSONS);
    let lesson = id(n);
    let mut presses: Vec<String> = (1..6)
        .map(|s| Callback::Step(lesson.clone(), s).encode())
        .collect();
    for q in 0..3 {
        presses.push(Callback::Question(lesson.clone(), q).encode());
        // The right answer is the second option in the generated lessons.
        presses.push(Callback::Answer(lesson.clone(), q, 1).encode());
    }
    presses.push(Callback::Lesson(id(n + 1)).encode());
    presses
}

/// One simulated learner: the press they wait to be offered.
struct Walker {
    lesson: usize,
    plan: Vec<String>,
    next: usize,
    /// The update that is being answered.
    pending: Option<i64>,
    /// Whether it finishes a lesson (its commit waits for the disk).
    completes: bool,
    /// The buttons of the last message that did not offer the next press.
    passed: Vec<String>,
}

/// Every learner of a phase, and what their presses took.
struct Walk {
    walkers: HashMap<i64, Walker>,
    next_id: i64,
    pushed: usize,
    limit: usize,
    latencies: Vec<Duration>,
    /// The same, for the presses that finished a lesson.
    completing: Vec<Duration>,
    finished: bool,
}

impl Walk {
    fn new(next_id: i64, limit: usize) -> Self {
        Walk {
            walkers: HashMap::new(),
            next_id,
            pushed: 0,
            limit,
            latencies: Vec::new(),
            completing: Vec::new(),
            finished: false,
        }
    }

    /// A learner starts lesson `lesson`: their first press.
    fn start(&mut self, user: i64, lesson: usize) -> Value {
        let id = self.take_id();
        let data = Callback::Lesson(format!("t0-lesson{}", lesson % LESSONS)).encode();
        self.walkers.insert(
            user,
            Walker {
                lesson,
                plan: plan(lesson),
                next: 0,
                pending: Some(id),
                completes: false,
                passed: Vec::new(),
            },
        );
        fake_bot_api::button_update(id, user, 1, &data)
    }

    fn take_id(&mut self) -> i64 {
        self.next_id += 1;
        self.pushed += 1;
        self.next_id
    }

    /// A send reached `chat`: if it offers the learner's next press, they
    /// press it (until the phase has its presses).
    fn on_send(&mut self, chat: i64, fields: &Value, handed: &HashMap<i64, Instant>) -> Vec<Value> {
        let Some(walker) = self.walkers.get(&chat) else {
            return Vec::new();
        };
        let offered = fake_bot_api::buttons(fields);
        let want = &walker.plan[walker.next];
        if !offered.iter().any(|b| b == want) {
            self.walkers.get_mut(&chat).unwrap().passed = offered;
            return Vec::new();
        }
        let want = want.clone();
        let (answered, completed) = (walker.pending, walker.completes);
        if let Some(at) = answered.and_then(|id| handed.get(&id)) {
            self.latencies.push(at.elapsed());
            if completed {
                self.completing.push(at.elapsed());
            }
        }
        if self.pushed >= self.limit {
            self.walkers.get_mut(&chat).unwrap().pending = None;
            if self.walkers.values().all(|w| w.pending.is_none()) {
                self.finished = true;
            }
            return Vec::new();
        }
        let id = self.take_id();
        let walker = self.walkers.get_mut(&chat).unwrap();
        walker.pending = Some(id);
        // The last answer of a lesson finishes it.
        walker.completes = walker.next + 2 == walker.plan.len();
        walker.next += 1;
        if walker.next == walker.plan.len() {
            walker.lesson += 1;
            walker.plan = plan(walker.lesson);
            walker.next = 0;
        }
        vec![fake_bot_api::button_update(id, chat, 1, &want)]
    }
}

/// The fake's process: fill the store, serve, play the learners, measure.
fn fake_process(store_dir: &Path, lessons: &Path) {
    fill_store(store_dir, lessons);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let fake = fake_bot_api::FakeBotApi::start_with(false).await;
        println!("URL {}", fake.url);
        let stdin = tokio::task::spawn_blocking(|| {
            let mut lines = BufReader::new(std::io::stdin()).lines();
            let go = lines.next();
            assert!(matches!(go, Some(Ok(ref l)) if l == "GO"), "{go:?}");
            lines
        })
        .await
        .unwrap();

        let walk = Arc::new(Mutex::new(Walk::new(0, PRESSES)));
        {
            let walk = Arc::clone(&walk);
            fake.respond_with(move |chat, fields, handed| {
                walk.lock().unwrap().on_send(chat, fields, handed)
            });
        }
        let first: Vec<Value> = {
            let mut walk = walk.lock().unwrap();
            (0..AT_ONCE).map(|i| walk.start(user(i), i % 40)).collect()
        };
        let started = Instant::now();
        fake.push_updates(first);
        wait_until(&walk).await;
        let elapsed = started.elapsed();
        let (rate, mut latencies) = {
            let walk = walk.lock().unwrap();
            (
                walk.pushed as f64 / elapsed.as_secs_f64(),
                walk.latencies.clone(),
            )
        };
        let (p50, p99) = percentiles(&mut latencies);
        println!("PHASE");

        // One learner alone, after the crowd has gone.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let alone = Arc::new(Mutex::new(Walk::new(10_000_000, SINGLE_PRESSES)));
        {
            let alone = Arc::clone(&alone);
            fake.respond_with(move |chat, fields, handed| {
                alone.lock().unwrap().on_send(chat, fields, handed)
            });
        }
        let first = alone.lock().unwrap().start(user(AT_ONCE + 1), 0);
        fake.push_update(first);
        wait_until(&alone).await;
        let (mut single, mut finishing) = {
            let alone = alone.lock().unwrap();
            (alone.latencies.clone(), alone.completing.clone())
        };
        let (single_p50, single_p99) = percentiles(&mut single);
        let (finish_p50, finish_p99) = percentiles(&mut finishing);
        // The steps, questions and answers without the lesson's last answer.
        let mut steps: Vec<Duration> = {
            let alone = alone.lock().unwrap();
            let mut all = alone.latencies.clone();
            for d in &alone.completing {
                if let Some(i) = all.iter().position(|x| x == d) {
                    all.swap_remove(i);
                }
            }
            all
        };
        let (step_p50, step_p99) = percentiles(&mut steps);
        println!(
            "DONE {rate:.1} {} {} {} {} {} {} {} {}",
            p50.as_micros(),
            p99.as_micros(),
            single_p50.as_micros(),
            single_p99.as_micros(),
            step_p50.as_micros(),
            step_p99.as_micros(),
            finish_p50.as_micros(),
            finish_p99.as_micros()
        );
        // Serve the bot's shutdown calls until it lets us go.
        tokio::task::spawn_blocking(move || for _ in stdin {})
            .await
            .unwrap();
    });
}

async fn wait_until(walk: &Mutex<Walk>) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !walk.lock().unwrap().finished {
        if Instant::now() > deadline {
            let walk = walk.lock().unwrap();
            let stuck: Vec<_> = walk
                .walkers
                .iter()
                .filter(|(_, w)| w.pending.is_some())
                .take(3)
                .map(|(chat, w)| (chat, &w.plan[w.next], &w.passed))
                .collect();
            panic!(
                "the walk did not finish: {} presses; stuck: {stuck:?}",
                walk.pushed
            );
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn percentiles(latencies: &mut [Duration]) -> (Duration, Duration) {
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    (pct(0.50), pct(0.99))
}

fn fill_store(dir: &Path, lessons: &Path) {
    let app = app(dir, lessons);
    let started = Instant::now();
    for i in 0..LEARNERS {
        let event = Event {
            learner: LearnerId::new(format!("tg:{}", 1_000_000 + i)).unwrap(),
            channel: "telegram",
            display_name: "Lan".into(),
            place: Place::Private,
            input: Input::Button(Callback::SetLang(Lang::new("vi")).encode()),
            now: 1_700_000_000,
        };
        app.engine.handle(&event).unwrap();
    }
    app.engine.store().flush().unwrap();
    eprintln!(
        "fake: {LEARNERS} learners stored in {:?}",
        started.elapsed()
    );
}

/// CPU time (user and system) this process has used, from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name in parentheses: utime and stime are fields 14
    // and 15 of the line, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0.0))
        .collect();
    (fields.get(11).unwrap_or(&0.0) + fields.get(12).unwrap_or(&0.0)) / 100.0
}

/// This process's resident memory now and at its peak, from /proc.
fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    format!(
        "RSS {} MB (peak {} MB)",
        field("VmRSS:") / 1024,
        field("VmHWM:") / 1024
    )
}

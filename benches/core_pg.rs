//! Button events through engine + core + PostgreSQL, 100,000 learners in a
//! warm store (target: ≥ 5,000 events/s in total), with the latency each
//! learner waits (p50, p99). PostgreSQL runs on this same machine, a
//! throwaway cluster with the server's default settings (fsync on).
//!
//! Measured with 1, 4 and 16 threads on one engine (one process), and with
//! three engines with their own pools on the same database, as three
//! instances would be; each thread presses buttons for its own learners.
//!
//! `HOCVUSO_BENCH_LEARNERS` scales it (default 100,000),
//! `HOCVUSO_BENCH_SECONDS` the length of each run (default 10).
//! Run: `cargo bench --bench core_pg`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::core::{Callback, Input, Lang, LearnerId, Place};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::pg::{PgOptions, PgStore, TestCluster};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test` runs benches once as tests: too big for that
    }
    let learners: usize = env("HOCVUSO_BENCH_LEARNERS", 100_000);
    let seconds: u64 = env("HOCVUSO_BENCH_SECONDS", 10);
    let cluster = TestCluster::start(&[]).expect("a PostgreSQL server for the benchmark");
    let url = cluster.database().unwrap();
    let lessons_dir = tempfile::tempdir().unwrap();
    support::write_tree(lessons_dir.path(), 20, 10);
    let tree = Arc::new(load_tree(lessons_dir.path()).unwrap());
    let localizer = Arc::new(
        Localizer::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap(),
    );
    let app = |pool_size| {
        let store = Arc::new(PgStore::open_with(&url, &PgOptions { pool_size }).unwrap());
        Arc::new(App::with_store(tree.clone(), localizer.clone(), store))
    };
    let lesson_ids: Arc<Vec<String>> = Arc::new(tree.lessons().map(|l| l.id.clone()).collect());

    // Warm the store: every learner has chosen a language and is inside a lesson.
    let one = app(16);
    let started = Instant::now();
    run_threads(8, |t| {
        for n in (t..learners).step_by(8) {
            let lang = Callback::SetLang(Lang::new("vi")).encode();
            one.engine
                .handle(&event(n, Input::Button(lang), 1))
                .unwrap();
            let open = Callback::Lesson(lesson_ids[n % lesson_ids.len()].clone()).encode();
            one.engine
                .handle(&event(n, Input::Button(open), 2))
                .unwrap();
        }
    });
    eprintln!(
        "warmed {learners} learners ({} events) in {:.1?}",
        2 * learners,
        started.elapsed()
    );

    for threads in [1, 4, 16] {
        let result = measure(
            std::slice::from_ref(&one),
            threads,
            learners,
            &lesson_ids,
            seconds,
        );
        println!(
            "core+pg button event, {learners} learners, 1 engine, {threads} threads: {result}"
        );
    }
    let three = [app(16), app(16), app(16)];
    let result = measure(&three, 16, learners, &lesson_ids, seconds);
    println!("core+pg button event, {learners} learners, 3 engines, 16 threads in all: {result}");
    println!("target: ≥ 5,000 events/s in total");
}

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(n: usize, input: Input, now: i64) -> Event {
    Event {
        learner: LearnerId::new(format!("tg:{n}")).unwrap(),
        channel: "bench",
        display_name: String::new(),
        place: Place::Private,
        input,
        now,
    }
}

fn run_threads(threads: usize, work: impl Fn(usize) + Sync) {
    std::thread::scope(|s| {
        for t in 0..threads {
            let work = &work;
            s.spawn(move || work(t));
        }
    });
}

/// `threads` threads, spread over `apps`, each pressing "Next"/"Back" for
/// its own learners for `seconds`: events per second and latencies.
fn measure(
    apps: &[Arc<App>],
    threads: usize,
    learners: usize,
    lesson_ids: &[String],
    seconds: u64,
) -> String {
    let until = Instant::now() + Duration::from_secs(seconds);
    let latencies = std::sync::Mutex::new(Vec::<Duration>::new());
    let started = Instant::now();
    run_threads(threads, |t| {
        let app = &apps[t % apps.len()];
        let mut mine = Vec::new();
        // Learners of this thread only: one learner's events never race.
        let per_thread = learners / threads;
        let mut k = 0usize;
        while Instant::now() < until {
            let i = t + threads * ((k * 7919) % per_thread);
            let step = Callback::Step(lesson_ids[i % lesson_ids.len()].clone(), k % 6).encode();
            let t0 = Instant::now();
            app.engine
                .handle(&event(i, Input::Button(step), 3))
                .unwrap();
            mine.push(t0.elapsed());
            k += 1;
        }
        latencies.lock().unwrap().extend(mine);
    });
    let elapsed = started.elapsed();
    let mut all = latencies.into_inner().unwrap();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    format!(
        "{:.0} events/s ({} events in {:.1?}), p50 {:.2?}, p99 {:.2?}",
        all.len() as f64 / elapsed.as_secs_f64(),
        all.len(),
        elapsed,
        pct(0.50),
        pct(0.99)
    )
}

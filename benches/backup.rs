//! Backups and restores of a large store: how long a snapshot of the
//! running store takes, how big it is, how long `hocvuso store restore`
//! takes (check the file, recount the figures, rebuild, reopen with every
//! check, verify every rule), and how long opening the store with its
//! integrity check takes; figures for 1,000,000 learners are extrapolated
//! from the size measured (the work is linear in the records).
//!
//! The store is filled as `benches/stats.rs` fills it: learners through
//! `Store::commit` with ten completions each, counters from
//! `stats::contributions`, certificates for finished topics.
//! `HOCVUSO_BENCH_LEARNERS` sets the size (default 100,000).
//! Run: `cargo bench --bench backup`.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use hocvuso::lesson::load_tree;
use hocvuso::store::backup::{self, BackupSettings, Backups};
use hocvuso::store::{SledStore, Store};

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test` runs benches once as tests: too big for that
    }
    let learners: usize = std::env::var("HOCVUSO_BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = load_tree(&repo.join("lessons")).unwrap();
    let areas = support::fill::generated_areas();
    let root = tempfile::tempdir_in(repo.join("target")).unwrap();
    let data = root.path().join("data");

    let started = Instant::now();
    let (events, certificates) = {
        let mut store = SledStore::open(&data).unwrap();
        store.set_durable(false);
        let filled = support::fill::fill(&store, learners, &tree, &areas);
        store.flush().unwrap();
        filled
    };
    eprintln!(
        "store filled: {learners} learners, {events} completion events, {certificates} certificates in {:.0?}",
        started.elapsed()
    );
    let scale = 1_000_000.0 / learners as f64;
    let line = |what: &str, secs: f64| {
        println!(
            "{what}: {secs:.2} s for {learners} learners → about {:.0} s for 1,000,000",
            secs * scale
        );
    };

    let t = Instant::now();
    let store = Arc::new(SledStore::open(&data).unwrap());
    line(
        "open with the full integrity check",
        t.elapsed().as_secs_f64(),
    );

    let backups = Backups::new(
        store.clone(),
        BackupSettings {
            every: None,
            dir: root.path().join("backups"),
            keep: 2,
        },
    );
    let t = Instant::now();
    let written = backups.make_now().unwrap();
    line(
        "snapshot of the running store (written and checked)",
        t.elapsed().as_secs_f64(),
    );
    println!(
        "snapshot size: {:.1} MB, {} records → about {:.0} MB for 1,000,000 learners",
        written.bytes as f64 / 1e6,
        written.summary.records,
        written.bytes as f64 / 1e6 * scale
    );
    drop(backups);
    drop(store);

    let target = root.path().join("restored");
    let t = Instant::now();
    let restored = backup::restore(&written.path, &target, &areas, false).unwrap();
    line(
        "restore (check, recount, rebuild, reopen, verify every rule)",
        t.elapsed().as_secs_f64(),
    );
    assert!(restored.corrected.is_empty(), "{:?}", restored.corrected);
    let reopened = SledStore::open(&target).unwrap();
    assert_eq!(
        reopened.completion_log().unwrap().len(),
        events,
        "every completion restored"
    );
}

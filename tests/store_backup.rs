//! Backups while the bot runs and restores from them: a snapshot taken
//! while events keep arriving is one consistent instant (its counters equal
//! a recount, every first completion is in its log), and a store restored
//! from a snapshot holds every record and every figure the original had.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use hocvuso::core::stats::{Period, area_scope};
use hocvuso::store::backup::{self, BackupSettings, Backups};
use hocvuso::store::integrity::Rules;
use hocvuso::store::{Record, SledStore, Store};

use crate::store_driver::{Driver, START, areas};
use crate::store_harness::sorted_records;

fn snapshot_records(path: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    backup::read_snapshot(path, &mut |r| {
        out.push(r);
        Ok(())
    })
    .unwrap();
    out.sort_by_cached_key(|r| serde_json::to_string(r).unwrap());
    out
}

/// An area, a period, and its counts by metric.
type Figures = Vec<(String, Period, Vec<(String, u64)>)>;

/// Every figure an official can see: each area, each period.
fn figures(store: &dyn Store) -> Figures {
    let tree = areas();
    let mut out = Vec::new();
    for area in tree.subtree("tinh-mau") {
        for period in Period::ALL {
            let counts = store
                .counts(&area_scope(&area.id), period.quarters(START))
                .unwrap();
            out.push((area.id.clone(), period, counts.into_iter().collect()));
        }
    }
    out
}

#[test]
fn a_snapshot_taken_while_learners_keep_finishing_lessons_restores_whole() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let store = Arc::new(SledStore::open(&data).unwrap());
    let mut bot = Driver::on(store.clone());
    let lessons = bot.lessons();
    bot.join("tg:1");
    for n in 0..12 {
        let who = format!("tg:{}", 100 + n);
        bot.join(&who);
        bot.finish(&who, &lessons[n % lessons.len()]);
    }
    bot.say("tg:1", "/grant tg:100 volunteer phuong-hoa-sen");

    // Learners keep arriving and finishing lessons while backups are taken.
    let stop = Arc::new(AtomicBool::new(false));
    let handled = Arc::new(AtomicUsize::new(0));
    let busy = {
        let (stop, handled, lessons) = (stop.clone(), handled.clone(), lessons.clone());
        let store = store.clone();
        std::thread::spawn(move || {
            let mut bot = Driver::on(store);
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let who = format!("tg:{}", 500 + n);
                bot.join(&who);
                for k in 0..3 {
                    bot.finish(&who, &lessons[(n + k) % lessons.len()]);
                }
                handled.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
        })
    };
    let backups = Backups::new(
        store.clone(),
        BackupSettings {
            every: None,
            dir: root.path().join("backups"),
            keep: 10,
        },
    );
    while handled.load(Ordering::SeqCst) < 2 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut under_load = Vec::new();
    for _ in 0..3 {
        let before = handled.load(Ordering::SeqCst);
        under_load.push(backups.make_now().unwrap());
        let after = handled.load(Ordering::SeqCst);
        eprintln!("snapshot while {} learners were served", after - before);
    }
    stop.store(true, Ordering::SeqCst);
    busy.join().unwrap();
    assert!(
        handled.load(Ordering::SeqCst) > 3,
        "events kept arriving during the snapshots"
    );

    // Each snapshot taken under load restores into a store that passes every
    // check: its counters needed no correction, so they were one instant.
    for (n, written) in under_load.iter().enumerate() {
        let target = root.path().join(format!("restored-{n}"));
        let restored = backup::restore(&written.path, &target, &areas(), false).unwrap();
        assert!(
            restored.corrected.is_empty(),
            "snapshot {n} counters differ from its learners: {:?}",
            restored.corrected
        );
        assert_eq!(restored.warnings, vec![], "snapshot {n} breaks no rule");
        let again = SledStore::open(&target).unwrap();
        let mut expected = snapshot_records(&written.path);
        let mut found = sorted_records(&again).unwrap();
        expected.retain(|r| !matches!(r, Record::Counter { value: 0, .. }));
        found.retain(|r| !matches!(r, Record::Counter { value: 0, .. }));
        assert_eq!(found, expected, "snapshot {n}: every record restored");
    }

    // Quiet now: a last snapshot equals the live store record for record,
    // and the restored store shows every figure the live one shows.
    let last = backups.make_now().unwrap();
    let live = sorted_records(store.as_ref()).unwrap();
    assert_eq!(snapshot_records(&last.path), live);
    let target = root.path().join("restored-last");
    let restored = backup::restore(&last.path, &target, &areas(), false).unwrap();
    assert!(restored.corrected.is_empty());
    let copy = SledStore::open(&target).unwrap();
    let mut copied = sorted_records(&copy).unwrap();
    let mut original = live.clone();
    copied.retain(|r| !matches!(r, Record::Counter { value: 0, .. }));
    original.retain(|r| !matches!(r, Record::Counter { value: 0, .. }));
    assert_eq!(copied, original);
    assert_eq!(figures(&copy), figures(store.as_ref()));
    let rules = Rules::check(&copy, Some(&areas()));
    assert_eq!(rules.problems, vec![], "{:?}", rules.passed);
    assert!(
        figures(&copy)
            .iter()
            .any(|(area, _, counts)| area == "tinh-mau" && !counts.is_empty()),
        "there are figures to compare"
    );

    // The restored store keeps working: sequence numbers go on after the
    // restored ones, and the bot on it sees the same learners.
    drop(copy);
    let copy = Arc::new(SledStore::open(&target).unwrap());
    let mut bot = Driver::on(copy.clone());
    bot.now = START + 10_000;
    let h = bot.finish("tg:100", &lessons[5 % lessons.len()]);
    assert!(crate::store_driver::keys(&h).contains(&"lesson-done".to_string()));
    assert_eq!(
        copy.completion_log().unwrap().len(),
        store.completion_log().unwrap().len() + 1
    );
}

#[test]
fn a_restore_refuses_a_store_in_the_way_unless_forced_and_keeps_it_aside() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let expected = crate::store_harness::populate(&data, 20, 3, false);
    let snapshot = root.path().join("s.snapshot");
    {
        let store = SledStore::open(&data).unwrap();
        backup::write_snapshot(&store, &snapshot).unwrap();
    }
    let err = backup::restore(&snapshot, &data, &areas(), false).unwrap_err();
    assert!(err.to_string().contains("add --force"), "{err}");
    let restored = backup::restore(&snapshot, &data, &areas(), true).unwrap();
    let aside = restored.set_aside.clone().unwrap();
    assert!(aside.exists(), "the store that was there is kept");
    let store = SledStore::open(&data).unwrap();
    assert_eq!(sorted_records(&store).unwrap(), expected);
    let text = restored.render(&snapshot, &data);
    assert!(text.contains("equal a recount"), "{text}");
    assert!(text.contains("is kept in"), "{text}");

    // A damaged snapshot is refused before anything is touched.
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    std::fs::write(&snapshot, &bytes).unwrap();
    let target = root.path().join("elsewhere");
    let err = backup::restore(&snapshot, &target, &areas(), false).unwrap_err();
    assert!(err.to_string().contains("not a usable backup"), "{err}");
    assert!(!target.exists(), "nothing was built from it");
}

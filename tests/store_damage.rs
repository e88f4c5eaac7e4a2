//! A damaged store never runs silently: bytes flipped at many positions of a
//! copy of a populated store, files cut short, files deleted; each time the
//! store opens with every record intact or refuses with the message that
//! says how to restore. A quick sample here; `cargo run --release --example
//! corrupt_soak` runs hundreds.

use std::path::Path;

use hocvuso::store::Record;

use crate::store_harness::{Damage, Outcome, Rng, copy_dir, judge, plan, populate, run, tally};

fn check(pristine: &Path, expected: &[Record], damages: Vec<Damage>) {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(pristine, &copy.path().join("s"));
    assert_eq!(judge(&copy.path().join("s"), expected), Outcome::Intact);
    let results = run(pristine, expected, &damages);
    for (d, o) in &results {
        eprintln!("{d}: {}", o.label());
    }
    eprintln!("{:?}", tally(&results));
    let bad: Vec<String> = results
        .iter()
        .filter(|(_, o)| !o.acceptable())
        .map(|(d, o)| format!("{d}: {o:?}"))
        .collect();
    assert!(bad.is_empty(), "damage not caught:\n{}", bad.join("\n"));
    assert!(
        results
            .iter()
            .any(|(_, o)| matches!(o, Outcome::Refused(_))),
        "some of these damages must be refused: {:?}",
        tally(&results)
    );
    // Deleting `db` is always refused: the store would otherwise start empty.
    let deleted_db = results
        .iter()
        .find(|(d, _)| matches!(d, Damage::Delete { file } if file == "db"))
        .unwrap();
    assert!(
        matches!(&deleted_db.1, Outcome::Refused(_)),
        "{:?}",
        deleted_db.1
    );
}

#[test]
fn a_store_closed_after_a_days_use_survives_damage_or_refuses_it() {
    let pristine = tempfile::tempdir().unwrap();
    let expected = populate(pristine.path(), 120, 7, false);
    assert!(
        expected.len() > 800,
        "a store worth damaging: {}",
        expected.len()
    );
    let mut damages = vec![Damage::Flip {
        file: "db".into(),
        offset: 200,
        mask: 0x01,
    }];
    damages.extend(plan(pristine.path(), 30, &mut Rng(0x5eed)));
    check(pristine.path(), &expected, damages);
}

/// The review's case: a store written by a short run of the bot, killed,
/// with one byte flipped near the start of `db`.
#[test]
fn a_short_run_killed_then_damaged_near_the_start_is_refused_not_emptied() {
    let pristine = tempfile::tempdir().unwrap();
    let expected = populate(pristine.path(), 5, 11, true);
    let mut damages: Vec<Damage> = [200, 64, 512, 1024, 2048, 3000]
        .into_iter()
        .map(|offset| Damage::Flip {
            file: "db".into(),
            offset,
            mask: 0x01,
        })
        .collect();
    damages.extend(plan(pristine.path(), 24, &mut Rng(0xbad)));
    check(pristine.path(), &expected, damages);
}

//! The corruption soak: hundreds of damages to copies of populated stores
//! (bytes flipped anywhere, a third of them in the first 4 KB of `db`,
//! files cut short, every file deleted), each judged as in `cargo test`:
//! the store opens with every record intact or refuses with the message
//! that says how to restore; it never opens with less, panics or hangs.
//!
//! `cargo run --release --example corrupt_soak [CASES] [SEED]`
//! (default 400 cases, half on a store closed after a day's use, half on a
//! short run killed without closing). Exits non-zero if any case fails.

#[path = "../tests/store_harness.rs"]
mod harness;

use std::process::ExitCode;

use harness::{Damage, Rng, plan, populate, run, tally};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let cases: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(400);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2026);
    let started = std::time::Instant::now();
    let mut failures = 0;
    let mut total = 0;
    for (name, learners, killed) in [
        ("closed after a day's use (300 learners)", 300, false),
        ("short run, killed (8 learners)", 8, true),
    ] {
        let pristine = tempfile::tempdir().unwrap();
        let expected = populate(pristine.path(), learners, seed, killed);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut damages = vec![Damage::Flip {
            file: "db".into(),
            offset: 200,
            mask: 1,
        }];
        damages.extend(plan(pristine.path(), cases / 2, &mut rng));
        let results = run(pristine.path(), &expected, &damages);
        let files: Vec<String> = harness::files(pristine.path())
            .into_iter()
            .map(|(n, s)| format!("{n} ({s} B)"))
            .collect();
        println!(
            "{name}: {} records in {}; {} damages",
            expected.len(),
            files.join(", "),
            results.len()
        );
        for (label, n) in tally(&results) {
            println!("  {label:<20} {n}");
        }
        let mut by_kind: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
        for (d, o) in &results {
            let kind = match d {
                Damage::Flip { file, offset, .. } if file == "db" && *offset < 4096 => {
                    "flip in db, first 4 KB".to_string()
                }
                Damage::Flip { file, .. } => format!("flip in {}", family(file)),
                Damage::Truncate { file, .. } => format!("truncate {}", family(file)),
                Damage::Delete { file } => format!("delete {}", family(file)),
            };
            let entry = by_kind.entry(kind).or_default();
            if matches!(o, harness::Outcome::Intact) {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
        }
        for (kind, (intact, refused)) in by_kind {
            println!("    {kind:<28} {intact:>4} intact, {refused:>4} refused");
        }
        for (d, o) in results.iter().filter(|(_, o)| !o.acceptable()) {
            println!("  FAILED: {d}: {o:?}");
            failures += 1;
        }
        total += results.len();
    }
    println!(
        "{total} damages, {failures} not caught, in {:.0?}",
        started.elapsed()
    );
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `snap.0000…` → `snap.*`, so outcomes group by kind of file.
fn family(file: &str) -> String {
    if file.starts_with("snap.") {
        "snap.*".into()
    } else {
        file.into()
    }
}

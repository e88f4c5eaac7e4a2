//! Resident memory of the loaded lesson tree + core with 200 generated
//! lessons (target: under 20 MB). Prints the figures; not a criterion bench.

mod support;

use std::sync::Arc;

use hocvuso::core::Core;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;

fn main() {
    // `cargo bench` passes --bench; a plain `cargo test` run passes nothing and
    // must stay quick, so only measure when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    support::write_tree(dir.path(), 20, 10);
    let before = support::rss_kib().unwrap_or(0);
    let tree = Arc::new(load_tree(dir.path()).unwrap());
    let localizer =
        Localizer::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap();
    let core = Core::new(tree.clone(), localizer.languages());
    let after = support::rss_kib().unwrap_or(0);
    println!(
        "lesson tree + core: {} lessons, process RSS {:.1} MiB (before loading {:.1} MiB, growth {:.1} MiB)",
        core.lessons().lessons().count(),
        after as f64 / 1024.0,
        before as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / 1024.0
    );
}

//! The layering the architecture promises, checked on the source: the core
//! imports no store, channel, i18n or I/O crate, and the validated data
//! (lessons, areas) knows nothing of the core. A new `use` that breaks this
//! fails here, with the file and line.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// Every line of the files under `dir` (or the one file) that names one of
/// `forbidden` as a path (`crate::store`, `sled::` …), as "file:line: text".
fn offending(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let files = if root.is_dir() {
        rust_files(&root)
    } else {
        vec![root]
    };
    let mut found = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("readable source");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for name in forbidden {
                let as_path = format!("{name}::");
                let as_use = format!("use {name};");
                if code.contains(&as_path) || code.contains(&as_use) {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_core_imports_no_store_channel_i18n_or_io_crate() {
    let found = offending(
        "src/core",
        &[
            "crate::store",
            "crate::channel",
            "crate::i18n",
            "crate::engine",
            "crate::present",
            "crate::render",
            "crate::app",
            "sled",
            "tokio",
            "reqwest",
            "teloxide",
            "fluent_bundle",
            "std::fs",
            "std::net",
            "std::time::SystemTime",
        ],
    );
    assert!(
        found.is_empty(),
        "the core must stay pure:\n{}",
        found.join("\n")
    );
}

#[test]
fn lessons_areas_and_the_language_know_nothing_of_the_core() {
    let mut found = Vec::new();
    for dir in ["src/lesson", "src/area.rs", "src/lang.rs"] {
        found.extend(offending(
            dir,
            &[
                "crate::core",
                "crate::store",
                "crate::channel",
                "crate::engine",
            ],
        ));
    }
    found.extend(offending("src/lang.rs", &["crate::lesson", "crate::area"]));
    assert!(
        found.is_empty(),
        "validated data must not depend on the core:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_itself_finds_a_forbidden_path() {
    // Guards against a check that can never fail.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("bad.rs");
    fs::write(
        &file,
        "// crate::store:: in a comment is fine\nuse crate::store::Store;\n",
    )
    .expect("write");
    let found = offending(file.to_str().expect("utf-8 path"), &["crate::store"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with(":2: use crate::store::Store;"));
}

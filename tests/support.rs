//! Shared helpers: the shipped folders, a bot on a memory store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hocvuso::app::App;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::{LessonTree, load_tree};
use hocvuso::store::MemoryStore;

pub fn repo(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn shipped_lessons() -> LessonTree {
    load_tree(&repo("lessons")).unwrap_or_else(|e| match e {
        hocvuso::lesson::LoadError::Invalid(problems) => {
            panic!(
                "{}",
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }
        other => panic!("{other}"),
    })
}

pub fn localizer() -> Arc<Localizer> {
    Arc::new(Localizer::load(&repo("locales")).unwrap())
}

pub fn app_with(tree: LessonTree) -> App {
    App::with_store(Arc::new(tree), localizer(), Arc::new(MemoryStore::new()))
}

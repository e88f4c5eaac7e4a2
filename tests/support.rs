//! Shared helpers: the shipped folders, a bot on a memory store.

use std::path::{Path, PathBuf};
use std::process::Command;
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

/// The `hocvuso` binary on the lesson tree `lessons` (relative to the repo)
/// and the shipped locales; add the subcommand and its flags.
pub fn hocvuso(lessons: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hocvuso"));
    command
        .arg("--lessons")
        .arg(repo(lessons))
        .arg("--locales")
        .arg(repo("locales"));
    command
}

/// `hocvuso lessons check <tree>`: (success, stdout).
pub fn lessons_check(tree: &str) -> (bool, String) {
    let output = hocvuso(tree)
        .args(["lessons", "check"])
        .arg(repo(tree))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// Typed into `hocvuso chat --user lan` on `tests/fixtures/good`: language,
/// topic, lesson, next step, quiz, the right answer (where this learner's
/// shuffle put it), next question, the right answer, then open the next
/// lesson and stop there.
pub fn first_lesson_script() -> String {
    let button = |question: usize, right: usize| {
        let order = hocvuso::core::option_order("console:lan", "basics-phone", question, 2);
        order.iter().position(|&o| o == right).unwrap() + 1
    };
    format!("1\n1\n1\n1\n2\n{}\n1\n{}\n1\n", button(0, 1), button(1, 0))
}

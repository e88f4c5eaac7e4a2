//! A broken lesson tree is reported whole, with files and lines, and never loaded.

use hocvuso::lesson::{LoadError, load_tree};

use crate::support::{hocvuso, lessons_check, repo};

const EXPECTED: [(&str, Option<usize>, &str); 9] = [
    ("01-broken/stray.vi.md", None, "not listed in topic.toml"),
    ("01-broken/broken-one.vi.md", Some(6), "step 1 has no text"),
    (
        "01-broken/broken-one.vi.md",
        Some(10),
        "images/nowhere.png` does not exist",
    ),
    (
        "01-broken/broken-one.vi.md",
        Some(12),
        "exactly one right option",
    ),
    (
        "01-broken/broken-two.vi.md",
        Some(6),
        "text before the first",
    ),
    (
        "01-broken/broken-two.vi.md",
        Some(11),
        "needs 2 to 4 options",
    ),
    (
        "01-broken/broken-two.vi.md",
        Some(11),
        "needs a `Giải thích:`",
    ),
    (
        "01-broken/topic.toml",
        None,
        "`missing-lesson` has no Vietnamese file",
    ),
    ("02-nolessons/topic.toml", Some(4), "unknown key `colour`"),
];

#[test]
fn every_problem_is_reported_with_file_and_line() {
    let Err(LoadError::Invalid(problems)) = load_tree(&repo("tests/fixtures/bad")) else {
        panic!("the bad tree loaded");
    };
    let found: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), EXPECTED.len(), "{found:#?}");
    for (file, line, message) in EXPECTED {
        let hit = problems
            .iter()
            .any(|p| p.file.ends_with(file) && p.line == line && p.message.contains(message));
        assert!(hit, "missing {file}:{line:?}: {message}\nfound: {found:#?}");
    }
}

#[test]
fn lessons_check_prints_every_problem_and_fails() {
    let (ok, stdout) = lessons_check("tests/fixtures/bad");
    assert!(!ok);
    assert!(
        stdout.contains("broken-one.vi.md:12: question 1 needs exactly one right option"),
        "{stdout}"
    );
    assert!(stdout.contains("9 problem(s) found"), "{stdout}");
}

#[test]
fn lessons_check_warns_about_a_guessable_quiz_and_still_passes() {
    let (ok, stdout) = lessons_check("tests/fixtures/guessable");
    assert!(ok, "warnings must not fail the check: {stdout}");
    let warnings: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    // Same position: once, on the Vietnamese file (English must follow it).
    // Lengths: the long vi answer to question 2 and the short en answer to
    // question 1 stand out; "Chỉ mình bác" is short but not under half.
    let expected = [
        "quiz-otp.vi.md:9: the right option is number 2 in all 2 questions",
        "quiz-otp.vi.md:22: question 2: the right option is much longer",
        "quiz-otp.en.md:13: question 1: the right option is much shorter",
    ];
    assert_eq!(warnings.len(), expected.len(), "{stdout}");
    for want in expected {
        assert!(
            warnings.iter().any(|w| w.contains(want)),
            "missing {want}\n{stdout}"
        );
    }
    assert!(stdout.contains("no problems, 3 warning(s)"), "{stdout}");
}

#[test]
fn lessons_check_passes_a_good_tree() {
    let (ok, stdout) = lessons_check("tests/fixtures/good");
    assert!(ok, "{stdout}");
}

#[test]
fn the_bot_refuses_to_start_on_a_broken_tree() {
    let dir = tempfile::tempdir().unwrap();
    let output = hocvuso("tests/fixtures/bad")
        .args(["chat", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("broken-two.vi.md:6: text before the first"),
        "{stderr}"
    );
    assert!(
        stderr.contains("9 problem(s) in the lesson tree"),
        "{stderr}"
    );
}

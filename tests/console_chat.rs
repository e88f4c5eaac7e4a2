//! The console channel driven through piped stdin, as a script would.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use hocvuso::core::LearnerId;
use hocvuso::store::{SledStore, Store};

use crate::support::hocvuso;

/// Runs `hocvuso chat` on the fixture tree with `input` typed line by line.
fn chat(data: &Path, input: &str) -> String {
    let mut child = hocvuso("tests/fixtures/good")
        .args(["chat", "--user", "lan", "--data"])
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs `hocvuso chat` with `flags` and no input, expects it to fail, returns stderr.
fn chat_refused(data: &Path, flags: &[&str]) -> String {
    let output = hocvuso("tests/fixtures/good")
        .arg("chat")
        .args(flags)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn a_whole_lesson_then_a_restart_that_resumes() {
    let data = tempfile::tempdir().unwrap();
    // Language, topic, lesson, next step, quiz, answer B (right), next
    // question, answer A (right), then open the next lesson and stop there.
    let first = chat(data.path(), "1\n1\n1\n1\n2\n2\n1\n1\n1\n");
    for expected in [
        "Bác hãy bấm chọn ngôn ngữ",
        "Mở khóa màn hình · Bước 1/2",
        "Mở khóa màn hình · Bước 2/2",
        "Câu hỏi 1/2",
        "✅ Đúng rồi!",
        "Bác đã học xong bài \"Mở khóa màn hình\"",
        "Số câu trả lời đúng ngay lần đầu: 2/2.",
        "Gọi điện · Bước 1/1",
        "Tạm biệt!",
    ] {
        assert!(
            first.contains(expected),
            "missing {expected:?} in:\n{first}"
        );
    }

    let second = chat(data.path(), "1\n");
    assert!(second.contains("Chào mừng lan quay lại!"), "{second}");
    assert!(second.contains("[1] ▶ Học tiếp: Gọi điện"), "{second}");
    let after_resume = second.split("[1] ▶ Học tiếp").nth(1).unwrap();
    assert!(after_resume.contains("Gọi điện · Bước 1/1"), "{second}");

    let store = SledStore::open(data.path()).unwrap();
    let completions = store.completion_log().unwrap();
    assert_eq!(completions.len(), 1);
    assert_eq!(completions[0].lesson, "basics-phone");
    assert_eq!((completions[0].score, completions[0].total), (2, 2));
    let learner = store
        .load(&LearnerId::new("console:lan").unwrap())
        .unwrap()
        .unwrap();
    assert!(learner.is_completed("basics-phone"));
}

#[test]
fn numbers_that_are_not_buttons_and_odd_text_get_a_kind_hint() {
    let data = tempfile::tempdir().unwrap();
    let out = chat(data.path(), "2\n99\n\u{202e}xin chào\n/nonsense\n");
    assert!(
        out.contains("Switched") || out.contains("Welcome!"),
        "{out}"
    );
    assert_eq!(
        out.matches("Just tap the buttons below").count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("The bot does not know the command \"/nonsense\""),
        "{out}"
    );
}

#[test]
fn a_store_in_use_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let _held = SledStore::open(data.path()).unwrap();
    let stderr = chat_refused(data.path(), &[]);
    assert!(stderr.contains("in use by another process"), "{stderr}");
}

#[test]
fn a_store_killed_mid_chat_reopens_with_every_completion_it_reported() {
    let data = tempfile::tempdir().unwrap();
    // Language, then finish lesson one over and over: each round is
    // topic, lesson, next, quiz, right, next question, right, menu.
    let round = "1\n1\n1\n2\n2\n1\n1\n2\n";
    let script = format!("1\n{}", round.repeat(200));
    let mut reported = 0;
    for attempt in 0..4u64 {
        let mut child = hocvuso("tests/fixtures/good")
            .args(["chat", "--user", "kim", "--data"])
            .arg(data.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(script.as_bytes());
        std::thread::sleep(std::time::Duration::from_millis(30 + attempt * 40));
        child.kill().unwrap(); // SIGKILL: no chance to flush
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        reported += stdout.matches("Bác đã học xong bài").count();

        let store = SledStore::open(data.path()).expect("the store reopens after kill -9");
        let log = store.completion_log().unwrap();
        let kim = LearnerId::new("console:kim").unwrap();
        let learner = store.load(&kim).unwrap();
        // Stdout may be cut mid-message, but never shows a completion the
        // store lacks. Retakes update the learner's completion and append
        // nothing, so the log holds the first one only.
        if reported > 0 {
            assert!(learner.unwrap().is_completed("basics-phone"));
            assert_eq!(log.len(), 1, "told {reported} completions of one lesson");
            assert_eq!(store.completions(&kim).unwrap().len(), 1);
        }
    }
}

#[test]
fn an_unknown_language_flag_is_refused_with_the_choices() {
    let data = tempfile::tempdir().unwrap();
    let stderr = chat_refused(data.path(), &["--lang", "fr"]);
    assert!(
        stderr.contains("there is no language `fr`; available: vi, en"),
        "{stderr}"
    );
}

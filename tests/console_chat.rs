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
    // Language, topic, lesson, next step, quiz, the right answer (where this
    // learner's shuffle put it), next question, the right answer, then open
    // the next lesson and stop there.
    let button = |question: usize, right: usize| {
        let order = hocvuso::core::option_order("console:lan", "basics-phone", question, 2);
        order.iter().position(|&o| o == right).unwrap() + 1
    };
    let script = format!("1\n1\n1\n1\n2\n{}\n1\n{}\n1\n", button(0, 1), button(1, 0));
    let first = chat(data.path(), &script);
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
        out.matches("To ask something, just type your question")
            .count(),
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

/// `hocvuso chat --user USER` with `input` and extra environment.
fn chat_as(data: &Path, user: &str, input: &str, env: &[(&str, &str)]) -> String {
    let mut command = hocvuso("tests/fixtures/good");
    command
        .args(["chat", "--user", user, "--data"])
        .arg(data)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Seconds to add to the clock so that it reads 10:00 in Vietnam, `days`
/// days from now.
fn days_ahead_at_ten(days: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let local = (now + 7 * 3600).rem_euclid(86_400);
    (days * 86_400 + (10 * 3600 - local)).to_string()
}

#[test]
fn a_question_goes_to_a_volunteer_on_the_console_and_the_answer_comes_back() {
    let data = tempfile::tempdir().unwrap();
    let admin = [("HOCVUSO_ADMINS", "console:hoa")];
    chat_as(
        data.path(),
        "hoa",
        "1\n/grant console:minh volunteer hoa-sen-tdp-1\n",
        &admin,
    );
    chat_as(data.path(), "minh", "1\n", &[]);
    // Lan chooses her area, asks, and is told someone will answer.
    let lan = chat_as(
        data.path(),
        "lan",
        "1\n/area\n1\n1\n/hoi Mã OTP là gì vậy cháu?\n",
        &[],
    );
    assert!(lan.contains("Mình đã chuyển câu hỏi của bác"), "{lan}");
    // Minh sees it after his menu when he opens the chat (the menu has four
    // buttons here, so the question's "I'll answer" is the fifth), takes it
    // and answers.
    let minh = chat_as(
        data.path(),
        "minh",
        "5\nOTP là mã một lần, bác không đưa cho ai nhé.\n",
        &[],
    );
    assert!(minh.contains("Có người cần giúp"), "{minh}");
    assert!(minh.contains("Mã OTP là gì vậy cháu?"), "{minh}");
    assert!(minh.contains("[5] ✋ Tôi sẽ trả lời"), "{minh}");
    assert!(!minh.contains("console:lan"), "no platform id: {minh}");
    assert!(minh.contains("Đã chuyển câu trả lời"), "{minh}");
    let back = chat_as(data.path(), "lan", "", &[]);
    assert!(back.contains("Tình nguyện viên minh trả lời bác"), "{back}");
    assert!(back.contains("không đưa cho ai"), "{back}");
}

#[test]
fn a_learner_who_stopped_halfway_is_reminded_after_three_days() {
    let data = tempfile::tempdir().unwrap();
    // Language, topic, lesson: then away.
    chat_as(data.path(), "lan", "1\n1\n1\n", &[]);
    let next_day = chat_as(
        data.path(),
        "lan",
        "",
        &[("HOCVUSO_CLOCK_OFFSET", &days_ahead_at_ten(1))],
    );
    assert!(!next_day.contains("vẫn đang chờ bác"), "{next_day}");
    let later = chat_as(
        data.path(),
        "lan",
        "",
        &[("HOCVUSO_CLOCK_OFFSET", &days_ahead_at_ten(5))],
    );
    assert!(
        later.contains("Bài \"Mở khóa màn hình\" vẫn đang chờ bác"),
        "{later}"
    );
    assert!(later.contains("Không nhắc nữa"), "{later}");
}

//! Every transition of the conversation, driven as a learner would.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::core::*;
use crate::core::{Arg, LearnerId, Message};
use crate::lesson::{Lesson, LessonText, LessonTree, Localized, Question, Step, Topic};

fn localized<T: Clone>(vi: T, en: T) -> Localized<T> {
    Localized::new(BTreeMap::from([
        ("vi".to_string(), vi),
        ("en".to_string(), en),
    ]))
    .unwrap()
}

fn lesson(id: &str, topic: &str, steps: usize, questions: usize) -> Lesson {
    let text = |lang: &str| LessonText {
        title: format!("{id} {lang}"),
        summary: String::new(),
        keywords: Vec::new(),
        steps: (0..steps)
            .map(|n| Step {
                heading: None,
                text: format!("{id} step {n} {lang}"),
                tip: (n == 0).then(|| "tip".to_string()),
                picture: None,
            })
            .collect(),
        quiz: (0..questions)
            .map(|n| Question {
                text: format!("{id} q{n}"),
                options: vec!["wrong".into(), "right".into(), "also wrong".into()],
                correct: 1,
                explanation: format!("{id} because {n}"),
            })
            .collect(),
    };
    Lesson {
        id: id.into(),
        topic: topic.into(),
        version: "v1".into(),
        text: localized(text("vi"), text("en")),
    }
}

fn topic(id: &str, lessons: &[&str]) -> Topic {
    Topic {
        id: id.into(),
        icon: Some("📱".into()),
        core: true,
        title: localized(format!("{id} vi"), format!("{id} en")),
        summary: localized("tóm tắt".into(), "summary".into()),
        lessons: lessons.iter().map(|s| s.to_string()).collect(),
    }
}

/// Topic `t1` has lessons `a` (2 steps, 2 questions) and `b` (1 step, 1
/// question); topic `t2` has `c`.
fn tree() -> LessonTree {
    LessonTree::from_parts(
        vec![topic("t1", &["a", "b"]), topic("t2", &["c"])],
        vec![
            lesson("a", "t1", 2, 2),
            lesson("b", "t1", 1, 1),
            lesson("c", "t2", 3, 1),
        ],
    )
}

fn core_with(tree: LessonTree) -> Core {
    Core::new(
        Arc::new(tree),
        vec![
            (Lang::new("vi"), "Tiếng Việt".into()),
            (Lang::new("en"), "English".into()),
        ],
    )
}

struct Chat {
    core: Core,
    learner: Learner,
    now: Timestamp,
}

impl Chat {
    fn new() -> Self {
        Chat {
            core: core_with(tree()),
            learner: Learner::new(LearnerId::new("test:1").unwrap(), "test", "Bác Ba", 1_000),
            now: 1_000,
        }
    }

    /// A learner who has chosen Vietnamese and sees the menu.
    fn started() -> Self {
        let mut chat = Self::new();
        chat.text("/start");
        chat.press(Callback::SetLang(Lang::new("vi")));
        chat
    }

    fn input(&mut self, input: Input) -> Reply {
        self.now += 10;
        self.core.handle(&mut self.learner, &input, self.now)
    }

    fn text(&mut self, text: &str) -> Reply {
        self.input(Input::Text(text.into()))
    }

    fn press(&mut self, callback: Callback) -> Reply {
        self.input(Input::Button(callback.encode()))
    }

    fn press_raw(&mut self, data: &str) -> Reply {
        self.input(Input::Button(data.into()))
    }

    /// Reads lesson `id` through and answers every question right.
    fn finish(&mut self, id: &str) -> Reply {
        let questions = self.core.lessons().lesson(id).unwrap().question_count();
        self.press(Callback::Lesson(id.into()));
        self.press(Callback::Question(id.into(), 0));
        let mut last = Reply::default();
        for q in 0..questions {
            if q > 0 {
                self.press(Callback::Question(id.into(), q));
            }
            last = self.press(Callback::Answer(id.into(), q, 1));
        }
        last
    }
}

fn keys(reply: &Reply) -> Vec<&str> {
    reply.messages().flat_map(Message::keys).collect()
}

fn callbacks(reply: &Reply) -> Vec<Callback> {
    reply
        .messages()
        .flat_map(|m| m.callbacks().cloned())
        .collect()
}

fn contents(reply: &Reply) -> Vec<String> {
    reply
        .messages()
        .flat_map(|m| &m.blocks)
        .filter_map(|b| match b {
            Block::Heading(Phrase::Content(s))
            | Block::Para(Phrase::Content(s))
            | Block::Tip(Phrase::Content(s)) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn first_contact_asks_for_a_language() {
    let mut chat = Chat::new();
    let reply = chat.text("/start");
    assert_eq!(keys(&reply), ["greeting", "choose-language"]);
    assert_eq!(
        callbacks(&reply),
        [
            Callback::SetLang(Lang::new("vi")),
            Callback::SetLang(Lang::new("en"))
        ]
    );
    assert_eq!(chat.learner.lang, None);
}

#[test]
fn any_input_before_a_language_asks_for_it_again() {
    let mut chat = Chat::new();
    for reply in [
        chat.text("xin chào"),
        chat.text("/menu"),
        chat.press(Callback::Menu),
    ] {
        assert!(keys(&reply).contains(&"choose-language"), "{reply:?}");
    }
}

#[test]
fn choosing_a_language_shows_the_intro_and_the_topics() {
    let mut chat = Chat::new();
    chat.text("/start");
    let reply = chat.press(Callback::SetLang(Lang::new("en")));
    assert_eq!(chat.learner.lang, Some(Lang::new("en")));
    assert_eq!(keys(&reply), ["intro", "menu-title", "menu-hint"]);
    let cbs = callbacks(&reply);
    assert!(
        cbs.contains(&Callback::Topic("t1".into())) && cbs.contains(&Callback::Topic("t2".into()))
    );
    assert_eq!(chat.learner.session, Session::Menu);
}

#[test]
fn an_unknown_language_is_an_old_button() {
    let mut chat = Chat::started();
    let reply = chat.press_raw("1:lang:xx");
    assert_eq!(keys(&reply)[0], "button-old");
    assert_eq!(chat.learner.lang, Some(Lang::new("vi")));
}

#[test]
fn a_topic_lists_its_lessons_in_order() {
    let mut chat = Chat::started();
    let reply = chat.press(Callback::Topic("t1".into()));
    assert_eq!(
        callbacks(&reply),
        [
            Callback::Lesson("a".into()),
            Callback::Lesson("b".into()),
            Callback::Menu
        ]
    );
}

#[test]
fn steps_go_forward_and_back_then_to_the_quiz() {
    let mut chat = Chat::started();
    let first = chat.press(Callback::Lesson("a".into()));
    assert_eq!(
        callbacks(&first),
        [
            Callback::Step("a".into(), 1),
            Callback::HelpStuck("a".into(), 0),
            Callback::Menu
        ]
    );
    assert_eq!(contents(&first), ["a step 0 vi", "tip"]);
    let second = chat.press(Callback::Step("a".into(), 1));
    assert_eq!(
        callbacks(&second),
        [
            Callback::Step("a".into(), 0),
            Callback::Question("a".into(), 0),
            Callback::HelpStuck("a".into(), 1),
            Callback::Menu
        ]
    );
    assert_eq!(
        chat.learner.session,
        Session::Reading {
            lesson: "a".into(),
            step: 1
        }
    );
    assert_eq!(chat.learner.progress["a"].step, 1);
    let back = chat.press(Callback::Step("a".into(), 0));
    assert_eq!(contents(&back)[0], "a step 0 vi");
}

#[test]
fn a_step_past_the_end_is_an_old_button() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    let reply = chat.press(Callback::Step("a".into(), 7));
    assert_eq!(keys(&reply)[0], "button-old");
    assert_eq!(
        chat.learner.session,
        Session::Reading {
            lesson: "a".into(),
            step: 0
        }
    );
}

#[test]
fn a_wrong_answer_explains_and_can_be_retried() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    let question = chat.press(Callback::Question("a".into(), 0));
    assert_eq!(contents(&question), ["a q0"]);
    let labels: Vec<_> = question
        .messages()
        .flat_map(|m| m.keyboard.iter().flatten())
        .map(|b| b.label.clone())
        .collect();
    // Lettered in the order shown; which text comes where is the learner's shuffle.
    let mut texts: Vec<String> = labels[..3]
        .iter()
        .enumerate()
        .map(|(n, label)| {
            let Phrase::Content(text) = label else {
                panic!("{label:?}")
            };
            let letter = ["A. ", "B. ", "C. "][n];
            text.strip_prefix(letter)
                .expect("lettered in order")
                .to_string()
        })
        .collect();
    texts.sort();
    assert_eq!(texts, ["also wrong", "right", "wrong"]);
    let wrong = chat.press(Callback::Answer("a".into(), 0, 0));
    assert_eq!(keys(&wrong), ["quiz-wrong"]);
    assert_eq!(contents(&wrong), ["a because 0"]);
    assert!(callbacks(&wrong).contains(&Callback::Question("a".into(), 0)));
    assert_eq!(wrong.attempts.len(), 1);
    assert!(!wrong.attempts[0].correct);

    chat.press(Callback::Question("a".into(), 0));
    let right = chat.press(Callback::Answer("a".into(), 0, 1));
    assert_eq!(keys(&right), ["quiz-right"]);
    assert_eq!(callbacks(&right), [Callback::Question("a".into(), 1)]);
    assert!(right.attempts[0].correct);

    chat.press(Callback::Question("a".into(), 1));
    let done = chat.press(Callback::Answer("a".into(), 1, 1));
    assert_eq!(keys(&done), ["quiz-right", "lesson-done", "lesson-score"]);
    // Only the second question was right the first time.
    assert_eq!(done.completions.len(), 1);
    assert_eq!(
        (done.completions[0].score, done.completions[0].total),
        (1, 2)
    );
    assert_eq!(done.completions[0].version, "v1");
    assert!(callbacks(&done).contains(&Callback::Lesson("b".into())));
    assert!(chat.learner.is_completed("a"));
    assert_eq!(chat.learner.session, Session::Menu);
}

#[test]
fn old_quiz_buttons_cannot_skip_or_repeat_answers() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    chat.press(Callback::Question("a".into(), 0));
    // Jumping ahead to question 2 before answering question 1.
    assert_eq!(
        keys(&chat.press(Callback::Question("a".into(), 1)))[0],
        "button-old"
    );
    let skip = chat.press(Callback::Answer("a".into(), 1, 1));
    assert_eq!(keys(&skip)[0], "button-old");
    assert!(skip.attempts.is_empty());
    chat.press(Callback::Answer("a".into(), 0, 1));
    // Answering question 1 again from its old buttons.
    let again = chat.press(Callback::Answer("a".into(), 0, 1));
    assert_eq!(keys(&again)[0], "button-old");
    assert!(again.attempts.is_empty() && again.completions.is_empty());
    // An option that does not exist.
    assert_eq!(
        keys(&chat.press(Callback::Answer("a".into(), 1, 3)))[0],
        "button-old"
    );
}

#[test]
fn finishing_every_lesson_of_a_topic_gives_a_summary() {
    let mut chat = Chat::started();
    let first = chat.finish("a");
    assert!(!keys(&first).contains(&"summary-title"));
    let last = chat.finish("b");
    let k = keys(&last);
    assert!(k.contains(&"summary-title"), "{k:?}");
    assert_eq!(k.iter().filter(|k| **k == "summary-line").count(), 2);
    let summary = last.messages().last().unwrap();
    let line = summary
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Para(Phrase::Ui(t)) if t.key == "summary-line" => Some(t),
            _ => None,
        })
        .unwrap();
    assert!(line.arg_value("score") == Some(&Arg::Num(2)));
    assert!(
        line.args
            .iter()
            .any(|(name, v)| *name == "date" && matches!(v, Arg::Date(_)))
    );
    // Redoing a lesson of a finished topic does not repeat the summary.
    let again = chat.finish("b");
    assert!(!keys(&again).contains(&"summary-title"));
    // It is still there on request.
    assert!(keys(&chat.press(Callback::Summary("t1".into()))).contains(&"summary-title"));
}

#[test]
fn a_summary_of_an_unfinished_topic_shows_the_topic() {
    let mut chat = Chat::started();
    let reply = chat.press(Callback::Summary("t1".into()));
    assert!(keys(&reply).contains(&"topic-choose-lesson"));
}

#[test]
fn redoing_a_lesson_keeps_the_first_date_and_the_best_score() {
    let mut chat = Chat::started();
    chat.finish("b");
    let first = chat.learner.progress["b"].completed.clone().unwrap();
    chat.press(Callback::Lesson("b".into()));
    chat.press(Callback::Question("b".into(), 0));
    chat.press(Callback::Answer("b".into(), 0, 0));
    let reply = chat.press(Callback::Answer("b".into(), 0, 1));
    assert_eq!(reply.completions[0].score, 0);
    assert_eq!(chat.learner.progress["b"].completed, Some(first));
}

#[test]
fn start_again_offers_to_continue_where_the_learner_was() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("c".into()));
    chat.press(Callback::Step("c".into(), 1));
    chat.press(Callback::Step("c".into(), 2));
    let reply = chat.text("/start");
    assert_eq!(keys(&reply)[0], "welcome-back");
    assert_eq!(callbacks(&reply)[0], Callback::Resume);
    let resumed = chat.press(Callback::Resume);
    assert_eq!(contents(&resumed), ["c step 2 vi"]);
}

#[test]
fn after_the_menu_a_lesson_resumes_at_its_last_step() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("c".into()));
    chat.press(Callback::Step("c".into(), 1));
    let menu = chat.press(Callback::Menu);
    assert_eq!(callbacks(&menu)[0], Callback::Resume);
    assert_eq!(contents(&chat.press(Callback::Resume)), ["c step 1 vi"]);
    chat.press(Callback::Menu);
    assert_eq!(
        contents(&chat.press(Callback::Lesson("c".into()))),
        ["c step 1 vi"]
    );
}

#[test]
fn resuming_inside_the_quiz_shows_the_current_question() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    chat.press(Callback::Question("a".into(), 0));
    chat.press(Callback::Answer("a".into(), 0, 1));
    let reply = chat.press(Callback::Resume);
    assert_eq!(contents(&reply)[0], "a q1");
}

#[test]
fn forged_and_malformed_buttons_get_the_menu_and_change_nothing() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    let before = chat.learner.clone();
    for data in [
        "",
        "hack",
        "1:s:a:99999999",
        "9:m",
        "1:a:a:0",
        &"x".repeat(5000),
        "1:l:\u{202e}",
    ] {
        let reply = chat.press_raw(data);
        assert_eq!(keys(&reply)[0], "button-old", "{data:?}");
        assert!(reply.attempts.is_empty() && reply.completions.is_empty());
    }
    assert_eq!(chat.learner.session, before.session);
    assert_eq!(chat.learner.progress, before.progress);
}

#[test]
fn a_lesson_removed_from_the_tree_sends_the_learner_to_the_menu() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("c".into()));
    chat.press(Callback::Step("c".into(), 2));
    // The tree is reloaded without lesson c.
    chat.core = core_with(LessonTree::from_parts(
        vec![topic("t1", &["a", "b"])],
        vec![lesson("a", "t1", 2, 2), lesson("b", "t1", 1, 1)],
    ));
    let menu = chat.text("/start");
    assert!(
        !callbacks(&menu).contains(&Callback::Resume),
        "nothing to resume"
    );
    let reply = chat.press(Callback::Step("c".into(), 2));
    assert_eq!(keys(&reply)[0], "lesson-missing");
    assert_eq!(chat.learner.session, Session::Menu);
}

#[test]
fn a_lesson_that_got_shorter_resumes_at_its_new_last_step() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("c".into()));
    chat.press(Callback::Step("c".into(), 2));
    chat.core = core_with(LessonTree::from_parts(
        vec![topic("t2", &["c"])],
        vec![lesson("c", "t2", 2, 1)],
    ));
    assert_eq!(contents(&chat.press(Callback::Resume)), ["c step 1 vi"]);
}

#[test]
fn words_without_meaning_get_a_hint_and_the_menu() {
    let mut chat = Chat::started();
    let reply = chat.text("dạ vâng ạ");
    assert_eq!(keys(&reply), ["free-text-hint", "menu-title", "menu-hint"]);
}

#[test]
fn a_question_no_lesson_answers_offers_a_person_not_a_lesson() {
    let mut chat = Chat::started();
    let reply = chat.text("giá vàng hôm nay bao nhiêu");
    assert_eq!(keys(&reply), ["search-none"]);
    assert_eq!(callbacks(&reply), [Callback::HelpSendTyped, Callback::Menu]);
    assert_eq!(reply.counts.len(), 1, "the question is counted for admins");
}

#[test]
fn oversized_and_strange_text_is_handled_kindly() {
    let mut chat = Chat::started();
    for text in [
        "a".repeat(1_000_000),
        "\u{0}\u{202e}😀".into(),
        "   ".into(),
        "/".into(),
        format!("/{}", "ư".repeat(3000)),
    ] {
        let reply = chat.text(&text);
        assert!(!reply.actions.is_empty(), "{text:?}");
    }
}

#[test]
fn commands_work_from_anywhere() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    assert_eq!(keys(&chat.text("/menu"))[0], "menu-title");
    assert_eq!(keys(&chat.text("/progress"))[0], "progress-title");
    assert_eq!(keys(&chat.text("/help"))[0], "help-title");
    assert_eq!(keys(&chat.text("/lang")), ["choose-language"]);
    assert_eq!(keys(&chat.text("/menu@hocvuso_bot"))[0], "menu-title");
    let unknown = chat.text("/xoa_het");
    assert_eq!(keys(&unknown)[0], "unknown-command");
}

#[test]
fn progress_counts_finished_lessons_per_topic() {
    let mut chat = Chat::started();
    chat.finish("a");
    let reply = chat.text("/progress");
    let first_topic = reply
        .messages()
        .flat_map(|m| &m.blocks)
        .find_map(|b| match b {
            Block::Para(Phrase::Ui(t)) if t.key == "progress-topic" => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert!(first_topic.arg_value("done") == Some(&Arg::Num(1)));
    assert!(first_topic.arg_value("total") == Some(&Arg::Num(2)));
}

#[test]
fn changing_language_keeps_progress() {
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("c".into()));
    let reply = chat.press(Callback::SetLang(Lang::new("en")));
    assert_eq!(keys(&reply)[0], "language-changed");
    assert_eq!(
        contents(&chat.press(Callback::Resume)),
        ["c step 0 en", "tip"]
    );
}

#[test]
fn a_deep_link_opens_its_lesson_after_the_language_is_chosen() {
    let mut chat = Chat::new();
    let reply = chat.text("/start l_c");
    assert!(keys(&reply).contains(&"choose-language"));
    let opened = chat.press(Callback::SetLang(Lang::new("vi")));
    assert_eq!(contents(&opened), ["c step 0 vi", "tip"]);
}

#[test]
fn deep_links_open_topics_and_unknown_ones_fall_back_to_the_welcome() {
    let mut chat = Chat::started();
    assert!(keys(&chat.text("/start t_t2")).contains(&"topic-choose-lesson"));
    assert_eq!(keys(&chat.text("/start l_nope"))[0], "welcome-back");
    assert_eq!(keys(&chat.text("/start <script>"))[0], "welcome-back");
}

#[test]
fn in_a_group_every_input_gets_the_open_private_chat_button() {
    let chat = Chat::new();
    for (input, payload) in [
        (Input::Text("/start".into()), ""),
        (Input::Text("/start l_c".into()), "l_c"),
        (Input::Text("/start@hocvuso_bot t_t1".into()), "t_t1"),
        (Input::Text("/start l_nope".into()), ""),
        (Input::Text("/menu".into()), ""),
        (
            Input::Button(Callback::Answer("a".into(), 0, 1).encode()),
            "",
        ),
    ] {
        let reply = chat.core.handle_in_group(&input);
        assert_eq!(keys(&reply), ["group-private-only"]);
        let buttons: Vec<_> = reply
            .messages()
            .flat_map(|m| m.keyboard.iter().flatten())
            .collect();
        assert_eq!(buttons.len(), 1);
        assert_eq!(
            buttons[0].target,
            crate::core::Target::OpenPrivate(payload.into()),
            "{input:?}"
        );
        assert!(reply.attempts.is_empty() && reply.completions.is_empty());
    }
}

#[test]
fn quiz_options_are_shuffled_per_learner_and_stable_on_a_retry() {
    use crate::core::conversation::option_order;
    // Every order is a permutation, and the same for the same learner.
    for n in 2..=5 {
        let order = option_order("tg:1", "a", 0, n);
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, (0..n).collect::<Vec<_>>());
        assert_eq!(order, option_order("tg:1", "a", 0, n));
    }
    // Over many learners, the right option (index 1 here) lands in every place.
    let mut places = [0usize; 3];
    for learner in 0..300 {
        let order = option_order(&format!("tg:{learner}"), "a", 0, 3);
        places[order.iter().position(|&o| o == 1).unwrap()] += 1;
    }
    assert!(places.iter().all(|&p| p > 60), "{places:?}");

    // Through the core: a wrong answer, then the retry shows the same order.
    let mut chat = Chat::started();
    chat.press(Callback::Lesson("a".into()));
    let first = callbacks(&chat.press(Callback::Question("a".into(), 0)));
    let wrong = first
        .iter()
        .find(|c| matches!(c, Callback::Answer(_, _, 0)))
        .unwrap()
        .clone();
    chat.press(wrong);
    let again = callbacks(&chat.press(Callback::Question("a".into(), 0)));
    assert_eq!(first, again);
}

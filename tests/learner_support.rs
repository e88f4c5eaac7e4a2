//! The learner who does not follow the buttons, through the engine and a
//! store: a typed question finds its lesson, a stuck learner reaches a
//! volunteer of their own area (who takes, answers, and closes), a question
//! nobody takes moves up, photos are never ignored, and a learner who
//! stopped halfway is reminded twice at most, in the daytime, never after
//! "Stop reminders".

use std::sync::Arc;

use hocvuso::core::{Callback, Input, Lang, Message, Place, Recipient, Target, stats};
use hocvuso::core::{Media, MediaKind};
use hocvuso::store::{SledStore, Store};

use crate::roles_and_figures::{Bot, DAY, id, keys, messages};

/// Everything waiting in the outbox for `who`, taken out.
fn inbox(bot: &Bot, who: &str) -> Vec<Message> {
    let mut got = Vec::new();
    for queued in bot
        .store
        .outbox_due("telegram", bot.now + 400 * DAY, 1000)
        .unwrap()
    {
        if queued.item.to == (Recipient::Learner { id: id(who) }) {
            got.push(queued.item.message.clone());
            bot.store.outbox_remove(&queued.id).unwrap();
        }
    }
    got
}

fn inbox_keys(messages: &[Message]) -> Vec<String> {
    messages
        .iter()
        .flat_map(|m| m.keys())
        .map(str::to_string)
        .collect()
}

fn callbacks_in(messages: &[&Message]) -> Vec<Callback> {
    messages
        .iter()
        .flat_map(|m| m.keyboard.iter().flatten())
        .filter_map(|b| match &b.target {
            Target::Callback(c) => Some(c.clone()),
            Target::OpenPrivate(_) => None,
        })
        .collect()
}

fn contents(messages: &[Message]) -> String {
    format!("{messages:?}")
}

/// A learner of "Tổ dân phố 1" and a volunteer of the same group.
fn neighbourhood() -> Bot {
    let mut bot = Bot::new();
    bot.grant("tg:50", "volunteer", "hoa-sen-tdp-1");
    bot.join("tg:50");
    bot.join("tg:7");
    bot.press("tg:7", Callback::AreaSet("hoa-sen-tdp-1".into()));
    bot
}

fn thread_id(messages: &[Message]) -> String {
    let refs: Vec<&Message> = messages.iter().collect();
    callbacks_in(&refs)
        .into_iter()
        .find_map(|c| match c {
            Callback::HelpTake(id) => Some(id),
            _ => None,
        })
        .expect("a take button")
}

#[test]
fn a_question_typed_without_diacritics_finds_its_lesson() {
    let mut bot = Bot::new();
    bot.join("tg:7");
    let h = bot.say("tg:7", "lam sao de cai vneid vay con");
    assert_eq!(keys(&h)[0], "search-found");
    let offered = callbacks_in(&messages(&h));
    assert!(
        offered.contains(&Callback::Lesson("vneid-install".into())),
        "{offered:?}"
    );
    assert!(offered.contains(&Callback::HelpSendTyped));
    assert!(offered.contains(&Callback::Menu));
}

#[test]
fn a_question_no_lesson_answers_is_counted_for_admins() {
    let mut bot = Bot::new();
    bot.join("tg:7");
    for _ in 0..2 {
        let h = bot.say("tg:7", "Giá vàng hôm nay bao nhiêu?");
        assert_eq!(keys(&h), ["search-none"]);
    }
    bot.join("tg:1");
    let h = bot.say("tg:1", "/unanswered");
    let text = format!("{:?}", messages(&h));
    assert!(text.contains("gia vang hom nay bao nhieu"), "{text}");
    assert!(text.contains("Num(2)"), "{text}");
    let refused = bot.say("tg:7", "/unanswered");
    assert_eq!(keys(&refused)[0], "not-allowed");
}

#[test]
fn a_stuck_learner_reaches_a_volunteer_of_their_area_and_hears_back() {
    let mut bot = neighbourhood();
    bot.press("tg:7", Callback::Lesson("vneid-install".into()));
    let h = bot.press("tg:7", Callback::HelpStuck("vneid-install".into(), 2));
    assert_eq!(keys(&h), ["help-ask-prompt"]);
    let h = bot.say("tg:7", "Bác không thấy chữ Bộ Công an ở đâu cả");
    assert_eq!(keys(&h)[..2], ["help-sent", "help-sent-today"]);

    // The volunteer sees name, area, lesson and step, and the words; no id.
    let relayed = inbox(&bot, "tg:50");
    assert_eq!(inbox_keys(&relayed)[0], "help-relay-title");
    let text = contents(&relayed);
    assert!(text.contains("Người tg:7"), "{text}");
    assert!(text.contains("Tổ dân phố 1"), "{text}");
    assert!(text.contains("không thấy chữ Bộ Công an"), "{text}");
    assert!(!text.contains("\"tg:7\""), "no platform id: {text}");
    let thread = thread_id(&relayed);

    let took = bot.press("tg:50", Callback::HelpTake(thread.clone()));
    assert_eq!(keys(&took)[0], "help-you-took");
    assert_eq!(inbox_keys(&inbox(&bot, "tg:7")), ["help-taken-learner"]);

    let answered = bot.say("tg:50", "Bác kéo xuống dưới tên ứng dụng ạ.");
    assert_eq!(keys(&answered)[0], "help-relayed");
    let answer = inbox(&bot, "tg:7");
    assert_eq!(inbox_keys(&answer)[0], "help-answer-from");
    assert!(contents(&answer).contains("kéo xuống dưới"));

    // The learner answers back in the same thread.
    bot.say("tg:7", "Cảm ơn cháu, bác thấy rồi");
    let back = inbox(&bot, "tg:50");
    assert_eq!(inbox_keys(&back)[0], "help-follow-up");
    assert!(contents(&back).contains("bác thấy rồi"));

    let closed = bot.press("tg:7", Callback::HelpClose(thread.clone()));
    assert_eq!(keys(&closed), ["help-rate"]);
    assert_eq!(
        inbox_keys(&inbox(&bot, "tg:50")),
        ["help-closed-by-learner"]
    );
    let rated = bot.press("tg:7", Callback::HelpRate(thread.clone(), true));
    assert_eq!(keys(&rated)[0], "help-rated-yes");

    // After closing, words are questions for the search again.
    let h = bot.say("tg:7", "cách quét mã QR để trả tiền");
    assert_eq!(keys(&h)[0], "search-found");

    // Officials' figures gain the question and its answer.
    let quarter = stats::quarter_of(bot.now);
    let counts = bot
        .store
        .counts(&stats::area_scope("phuong-hoa-sen"), (quarter, quarter))
        .unwrap();
    assert_eq!(counts.get("h:asked"), Some(&1));
    assert_eq!(counts.get("h:answered"), Some(&1));
    assert_eq!(counts.get("h:helped"), Some(&1));
    assert_eq!(counts.get("h:first:15"), Some(&1));
}

#[test]
fn two_volunteers_pressing_at_once_cannot_both_take_a_question() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> = Arc::new(SledStore::open(dir.path()).unwrap());
    let mut bot = Bot::on(store);
    for v in 50..56 {
        bot.grant(&format!("tg:{v}"), "volunteer", "hoa-sen-tdp-1");
        bot.join(&format!("tg:{v}"));
    }
    bot.join("tg:7");
    bot.press("tg:7", Callback::AreaSet("hoa-sen-tdp-1".into()));
    bot.press("tg:7", Callback::HelpAsk);
    bot.say("tg:7", "Mã OTP là gì vậy?");
    let thread = thread_id(&inbox(&bot, "tg:50"));
    let engine = &bot.app.engine;
    let at = bot.now + 30;
    let outcomes: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (50..56)
            .map(|v| {
                let thread = thread.clone();
                scope.spawn(move || {
                    engine
                        .handle(&hocvuso::engine::Event {
                            learner: id(&format!("tg:{v}")),
                            channel: "telegram",
                            display_name: format!("TNV {v}"),
                            place: Place::Private,
                            input: Input::Button(Callback::HelpTake(thread).encode()),
                            now: at,
                        })
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| keys(&h.join().unwrap())[0].clone())
            .collect()
    });
    let took = outcomes.iter().filter(|k| *k == "help-you-took").count();
    assert_eq!(took, 1, "{outcomes:?}");
    assert_eq!(
        outcomes.iter().filter(|k| *k == "help-taken-by").count(),
        5,
        "{outcomes:?}"
    );
}

#[test]
fn a_question_nobody_takes_moves_up_in_the_daytime_and_officials_see_it() {
    let mut bot = neighbourhood();
    bot.grant("tg:60", "volunteer", "phuong-hoa-sen");
    bot.grant("tg:61", "official", "phuong-hoa-sen");
    bot.grant("tg:62", "volunteer", "xa-dong-lua");
    for who in ["tg:60", "tg:61", "tg:62"] {
        bot.join(who);
    }
    bot.press("tg:7", Callback::HelpAsk);
    bot.say("tg:7", "Làm sao đổi mật khẩu VNeID?");
    let thread = thread_id(&inbox(&bot, "tg:50"));
    assert!(inbox(&bot, "tg:60").is_empty(), "the ward waits its turn");

    // A volunteer of another ward may not take it.
    let other = bot.press("tg:62", Callback::HelpTake(thread.clone()));
    assert_eq!(keys(&other), ["area-outside"]);

    // Three daytime hours later: still with the group. Five: the ward.
    bot.app.engine.tick(bot.now + 3 * 3600, 100).unwrap();
    assert!(inbox(&bot, "tg:60").is_empty());
    bot.app.engine.tick(bot.now + 5 * 3600, 100).unwrap();
    let escalated = inbox(&bot, "tg:60");
    assert_eq!(inbox_keys(&escalated)[0], "help-relay-escalated");
    assert_eq!(inbox_keys(&inbox(&bot, "tg:61"))[0], "help-relay-escalated");
    assert!(inbox(&bot, "tg:62").is_empty());
    // Handled once: the same tick again sends nothing more.
    bot.app.engine.tick(bot.now + 5 * 3600, 100).unwrap();
    assert!(inbox(&bot, "tg:60").is_empty());

    // The ward's volunteer sees it first in /mentees, and takes it.
    let mentees = bot.say("tg:60", "/mentees");
    assert_eq!(keys(&mentees)[0], "help-open-title");
    let took = bot.press("tg:60", Callback::HelpTake(thread));
    assert_eq!(keys(&took)[0], "help-you-took");
}

#[test]
fn a_volunteer_who_passes_sends_it_up_at_once() {
    let mut bot = neighbourhood();
    bot.grant("tg:60", "volunteer", "phuong-hoa-sen");
    bot.join("tg:60");
    bot.press("tg:7", Callback::HelpAsk);
    bot.say("tg:7", "Cài Zalo cho bác với");
    let thread = thread_id(&inbox(&bot, "tg:50"));
    let passed = bot.press("tg:50", Callback::HelpPass(thread));
    assert_eq!(keys(&passed)[0], "help-passed");
    assert_eq!(inbox_keys(&inbox(&bot, "tg:60"))[0], "help-relay-escalated");
}

#[test]
fn a_flood_of_questions_is_refused_kindly_and_not_relayed() {
    let mut bot = neighbourhood();
    for n in 0..3 {
        bot.press("tg:7", Callback::HelpAsk);
        let sent = bot.say("tg:7", &format!("Câu hỏi số {n}"));
        assert_eq!(keys(&sent)[0], "help-sent");
        let thread = thread_id(&inbox(&bot, "tg:50"));
        bot.press("tg:7", Callback::HelpClose(thread));
    }
    let refused = bot.press("tg:7", Callback::HelpAsk);
    assert_eq!(keys(&refused)[0], "help-too-many");
    assert!(inbox(&bot, "tg:50").is_empty());
}

#[test]
fn a_photo_is_never_ignored_and_can_go_to_a_volunteer() {
    let mut bot = neighbourhood();
    let photo = Media {
        kind: MediaKind::Photo,
        file: Some("tg:AgACAgIAAx".into()),
    };
    let h = bot.event("tg:7", Place::Private, Input::Media(photo.clone()));
    assert_eq!(keys(&h)[0], "media-photo");
    assert!(callbacks_in(&messages(&h)).contains(&Callback::HelpSendMedia));
    let sent = bot.press("tg:7", Callback::HelpSendMedia);
    assert_eq!(keys(&sent)[0], "help-sent");
    let relayed = inbox(&bot, "tg:50");
    assert!(inbox_keys(&relayed).contains(&"help-has-photo".to_string()));
    assert_eq!(
        relayed[0].attachment,
        Some(hocvuso::core::Attachment::Forward(photo))
    );
}

#[test]
fn a_learner_who_stopped_halfway_is_reminded_twice_in_the_daytime() {
    let dir = tempfile::tempdir().unwrap();
    let open = || -> Arc<dyn Store> { Arc::new(SledStore::open(dir.path()).unwrap()) };
    let mut bot = Bot::on(open());
    bot.join("tg:7");
    bot.press("tg:7", Callback::Lesson("vneid-install".into()));
    let left = bot.now;
    bot.app.engine.tick(left + DAY, 100).unwrap();
    assert!(inbox(&bot, "tg:7").is_empty(), "not after one day");

    // A restart in between loses nothing.
    let now = bot.now;
    drop(bot);
    let mut bot = Bot::on(open());
    bot.now = now;

    bot.app.engine.tick(left + 3 * DAY + 60, 100).unwrap();
    let first = inbox(&bot, "tg:7");
    assert_eq!(inbox_keys(&first), ["reminder-first"]);
    let refs: Vec<&Message> = first.iter().collect();
    assert!(callbacks_in(&refs).contains(&Callback::Resume));
    assert!(callbacks_in(&refs).contains(&Callback::RemindersOff));
    bot.app.engine.tick(left + 3 * DAY + 120, 100).unwrap();
    assert!(inbox(&bot, "tg:7").is_empty(), "sent once");

    // Ten days away: at night nothing goes; the morning after, the second.
    let night = left + 10 * DAY + 12 * 3600; // 22:00 in Vietnam
    bot.app.engine.tick(night, 100).unwrap();
    assert!(inbox(&bot, "tg:7").is_empty(), "quiet at night");
    bot.app.engine.tick(night + 11 * 3600, 100).unwrap();
    assert_eq!(inbox_keys(&inbox(&bot, "tg:7")), ["reminder-second"]);

    // Never a third for the same lesson.
    bot.app.engine.tick(left + 60 * DAY, 100).unwrap();
    assert!(inbox(&bot, "tg:7").is_empty());
}

#[test]
fn stop_reminders_turns_them_off_and_start_turns_them_on() {
    let mut bot = Bot::new();
    bot.join("tg:7");
    bot.press("tg:7", Callback::Lesson("vneid-install".into()));
    let off = bot.press("tg:7", Callback::RemindersOff);
    assert_eq!(keys(&off)[0], "reminders-off");
    let left = bot.now;
    bot.app.engine.tick(left + 4 * DAY, 100).unwrap();
    assert!(inbox(&bot, "tg:7").is_empty());

    bot.now = left + 4 * DAY;
    bot.say("tg:7", "/start");
    bot.app.engine.tick(bot.now + 3 * DAY + 60, 100).unwrap();
    assert_eq!(inbox_keys(&inbox(&bot, "tg:7")), ["reminder-first"]);
}

#[test]
fn a_reminder_that_brings_the_learner_back_is_counted() {
    let mut bot = Bot::new();
    bot.join("tg:7");
    bot.press("tg:7", Callback::Lesson("vneid-install".into()));
    bot.now += 3 * DAY + 60;
    bot.app.engine.tick(bot.now, 100).unwrap();
    assert_eq!(inbox_keys(&inbox(&bot, "tg:7")), ["reminder-first"]);
    bot.press("tg:7", Callback::Resume);
    let quarter = stats::quarter_of(bot.now);
    let root = bot.app.engine.core().areas().root().id.clone();
    let counts = bot
        .store
        .counts(&stats::area_scope(&root), (quarter, quarter))
        .unwrap();
    assert_eq!(counts.get("r:sent"), Some(&1));
    assert_eq!(counts.get("r:back"), Some(&1));
}

#[test]
fn a_volunteer_nudges_a_mentee_within_the_same_limits() {
    let mut bot = neighbourhood();
    let link = bot.say("tg:50", "/mentorlink");
    let payload = format!("{:?}", messages(&link));
    let code = payload
        .split("m_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    bot.say("tg:7", &format!("/start m_{code}"));
    bot.press("tg:7", Callback::Lesson("vneid-install".into()));
    let list = bot.say("tg:50", "/mentees");
    let nudge = callbacks_in(&messages(&list))
        .into_iter()
        .find(|c| matches!(c, Callback::Nudge(_)))
        .expect("a nudge button");
    for _ in 0..2 {
        assert_eq!(keys(&bot.press("tg:50", nudge.clone()))[0], "nudge-sent");
    }
    assert_eq!(keys(&bot.press("tg:50", nudge))[0], "nudge-enough");
    assert_eq!(
        inbox_keys(&inbox(&bot, "tg:7")),
        ["reminder-from-mentor", "reminder-from-mentor"]
    );
}

#[test]
fn a_first_message_that_is_a_command_runs_once_the_language_is_chosen() {
    let mut bot = Bot::new();
    let h = bot.say("tg:9", "/progress");
    assert_eq!(keys(&h), ["greeting", "choose-language"]);
    let h = bot.press("tg:9", Callback::SetLang(Lang::new("vi")));
    assert_eq!(keys(&h)[0], "progress-title");
}

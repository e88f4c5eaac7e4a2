//! Learners' rights and the mentor link as whole conversations through the
//! engine: a revoked volunteer's link and notices stop (review finding M4),
//! the privacy notice, `/mydata`, leaving a mentor and `/forget`.

use hocvuso::core::{Callback, Lang, Recipient};

use crate::roles_and_figures::{Bot, id, keys, open_private_payload};

fn vi() -> Lang {
    Lang::new("vi")
}

/// M4: after `/revoke`, the volunteer's mentor link signs nobody up and a
/// mentee who finishes a topic is not reported to them.
#[test]
fn a_revoked_volunteers_mentor_link_and_notices_stop() {
    let mut bot = Bot::new();
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    let link = open_private_payload(&bot.say("tg:5", "/mentorlink"));
    bot.say("tg:7", &format!("/start {link}"));
    let h = bot.press("tg:7", Callback::SetLang(vi()));
    assert!(keys(&h).contains(&"mentor-joined".to_string()));

    let h = bot.say("tg:1", "/revoke tg:5");
    assert!(keys(&h).contains(&"revoked".to_string()), "{:?}", keys(&h));

    // The link no longer works for a newcomer.
    bot.say("tg:8", &format!("/start {link}"));
    let h = bot.press("tg:8", Callback::SetLang(vi()));
    assert!(
        keys(&h).contains(&"mentor-inactive".to_string()),
        "{:?}",
        keys(&h)
    );
    assert_eq!(bot.store.load(&id("tg:8")).unwrap().unwrap().mentor, None);
    assert!(bot.store.mentees(&id("tg:5")).unwrap().len() == 1);

    // The earlier mentee finishes a topic: nothing goes to the ex-volunteer.
    bot.finish_topic("tg:7", "digital-market");
    let due = bot.store.outbox_due("telegram", bot.now, 50).unwrap();
    assert!(
        due.iter()
            .all(|q| q.item.to != Recipient::Learner { id: id("tg:5") }),
        "{:?}",
        due.iter()
            .map(|q| q.item.message.keys())
            .collect::<Vec<_>>()
    );

    // Granted again, the same link and notices work again.
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    bot.say("tg:9", &format!("/start {link}"));
    let h = bot.press("tg:9", Callback::SetLang(vi()));
    assert!(keys(&h).contains(&"mentor-joined".to_string()));
}

/// M4, help routing: a question from a mentee of a revoked volunteer goes to
/// the area's volunteers, never to the ex-mentor.
#[test]
fn a_revoked_mentor_is_not_sent_questions() {
    let mut bot = Bot::new();
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    let link = open_private_payload(&bot.say("tg:5", "/mentorlink"));
    bot.say("tg:7", &format!("/start {link}"));
    bot.press("tg:7", Callback::SetLang(vi()));
    bot.say("tg:1", "/revoke tg:5");
    bot.press("tg:7", Callback::HelpAsk);
    bot.say("tg:7", "Làm sao để cài VNeID?");
    let due = bot.store.outbox_due("telegram", bot.now, 50).unwrap();
    assert!(
        due.iter()
            .all(|q| q.item.to != Recipient::Learner { id: id("tg:5") })
    );
}

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

/// What the figures hold for `scope` over all time, against a recount: the
/// contributions of every learner still stored plus the anonymous tally of
/// those forgotten. Event counters (questions asked…) are not recounted.
fn assert_figures_equal_a_recount(bot: &Bot, learners: &[&str]) {
    use hocvuso::core::stats::{Metric, contributions, forgotten_scope};
    use std::collections::BTreeMap;
    let areas = bot.app.engine.core().areas();
    let all = hocvuso::core::stats::Period::AllTime.quarters(bot.now);
    let mut compared = 0;
    for area in areas.subtree(&areas.root().id) {
        let scope = hocvuso::core::stats::area_scope(&area.id);
        let recountable = |m: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
            m.iter()
                .filter(|(k, v)| Metric::from_key(k).is_some() && **v > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        };
        let counted = recountable(&bot.store.counts(&scope, all).unwrap());
        let mut recount = recountable(&bot.store.counts(&forgotten_scope(&scope), all).unwrap());
        for who in learners {
            if let Some(learner) = bot.store.load(&id(who)).unwrap() {
                for key in contributions(&learner, areas) {
                    if key.scope == scope {
                        *recount.entry(key.metric).or_default() += 1;
                    }
                }
            }
        }
        compared += counted.values().sum::<u64>();
        assert_eq!(counted, recount, "{scope}");
    }
    assert!(compared > 0, "the scenario should count something");
}

/// A learner with a mentor, a finished topic (and its certificate) and an
/// open question taken by a volunteer; returns the certificate's code.
fn busy_learner(bot: &mut Bot, who: &str) -> String {
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    let link = open_private_payload(&bot.say("tg:5", "/mentorlink"));
    bot.say(who, &format!("/start {link}"));
    bot.press(who, Callback::SetLang(vi()));
    bot.press(who, Callback::AreaSet("hoa-sen-tdp-1".into()));
    bot.finish_topic(who, "digital-market");
    // The certificate asks for the name to print.
    let h = bot.say(who, "Nguyễn Thị Tư");
    assert!(keys(&h).contains(&"name-set".to_string()), "{:?}", keys(&h));
    bot.press(who, Callback::HelpAsk);
    bot.say(who, "Bác muốn hỏi cách chuyển tiền cho con");
    let relayed = bot.store.outbox_due("telegram", bot.now, 100).unwrap();
    let thread = relayed
        .iter()
        .flat_map(|q| q.item.message.keyboard.iter().flatten())
        .find_map(|b| match &b.target {
            hocvuso::core::Target::Callback(Callback::HelpTake(t)) => Some(t.clone()),
            _ => None,
        })
        .expect("the question reached the mentor");
    bot.press("tg:5", Callback::HelpTake(thread));
    let local = who.split_once(':').unwrap().1;
    bot.store
        .channel_put(&format!("telegram/blocked/{local}"), "0")
        .unwrap();
    let learner = bot.store.load(&id(who)).unwrap().unwrap();
    learner.certificates["digital-market"].code.clone()
}

#[test]
fn mydata_shows_everything_kept_and_the_mentor_can_be_left() {
    let mut bot = Bot::new();
    let code = busy_learner(&mut bot, "tg:4242");
    let h = bot.say("tg:4242", "/mydata");
    let k = keys(&h);
    for key in [
        "mydata-title",
        "mydata-name",
        "mydata-mentor",
        "profile-summary",
        "mydata-lesson-done",
        "mydata-certificate",
        "mydata-answers",
        "mydata-question",
        "mydata-reminders-on",
        "mydata-file",
    ] {
        assert!(k.contains(&key.to_string()), "{key} missing from {k:?}");
    }
    // The screen as the learner reads it (the random code masked), kept as
    // a snapshot so a change of wording shows as a diff.
    let localizer = bot.app.localizer.clone();
    let mut screen = String::new();
    for hocvuso::core::Action::Send(m) in &h.actions {
        screen.push_str(&hocvuso::channel::plain::render_text(&localizer, &vi(), m));
        screen.push('\n');
        if m.attachment.is_some() {
            screen.push_str("📎 du-lieu-cua-bac.json\n");
        }
        for row in &m.keyboard {
            for b in row {
                screen.push_str(&format!("[{}]\n", localizer.phrase(&vi(), &b.label)));
            }
        }
    }
    insta::assert_snapshot!(screen.replace(&code, "XXXX-XXXX-XXXX"));
    let shown = format!("{:?}", h.actions);
    assert!(shown.contains(&code), "the certificate code is shown");
    assert!(shown.contains("Người tg:5"), "the mentor by name");
    assert!(shown.contains("chuyển tiền cho con"), "the open question");
    let file = h
        .actions
        .iter()
        .find_map(|hocvuso::core::Action::Send(m)| match &m.attachment {
            Some(hocvuso::core::Attachment::Document(d)) => Some(d.clone()),
            _ => None,
        })
        .expect("the full record as a file");
    let json: serde_json::Value = serde_json::from_slice(&file.content).unwrap();
    assert_eq!(json["name"], "Người tg:4242");
    assert!(json["answers"].as_array().unwrap().len() >= 3);

    let h = bot.press("tg:4242", Callback::LeaveMentor);
    assert_eq!(keys(&h), ["leave-mentor-done"]);
    assert!(bot.store.mentees(&id("tg:5")).unwrap().is_empty());
    assert_eq!(
        bot.store.load(&id("tg:4242")).unwrap().unwrap().mentor,
        None
    );
    let h = bot.say("tg:4242", "/leavementor");
    assert_eq!(keys(&h), ["leave-mentor-none"]);
    assert!(!keys(&bot.say("tg:4242", "/mydata")).contains(&"mydata-mentor".to_string()));
}

#[test]
fn the_privacy_notice_comes_once_after_the_language_and_on_request() {
    let mut bot = Bot::new();
    bot.say("tg:31", "/start");
    let h = bot.press("tg:31", Callback::SetLang(vi()));
    assert!(
        keys(&h).contains(&"privacy-short".to_string()),
        "{:?}",
        keys(&h)
    );
    let h = bot.press("tg:31", Callback::SetLang(vi()));
    assert!(!keys(&h).contains(&"privacy-short".to_string()));
    assert_eq!(
        keys(&bot.say("tg:31", "/privacy")),
        ["privacy-title", "privacy-short"]
    );
    let more = keys(&bot.press("tg:31", Callback::PrivacyMore));
    assert!(more.contains(&"privacy-law".to_string()), "{more:?}");
}

/// Forgets the busy learner and checks every record in `dump` (the whole
/// store as text) for their id and name; figures still equal a recount.
fn forget_and_check(bot: &mut Bot, dump: &dyn Fn(&Bot) -> String) {
    let who = "tg:4242";
    let code = busy_learner(bot, who);
    assert!(dump(bot).contains("Người tg:4242"));
    assert!(dump(bot).contains("Nguyễn Thị Tư"));
    let learners = ["tg:1", "tg:5", who];
    assert_figures_equal_a_recount(bot, &learners);
    let before = bot
        .store
        .counts(
            &hocvuso::core::stats::area_scope("hoa-sen-tdp-1"),
            (0, u32::MAX),
        )
        .unwrap();

    let h = bot.say(who, "/forget");
    assert!(
        keys(&h).contains(&"forget-sure".to_string()),
        "{:?}",
        keys(&h)
    );
    assert!(
        bot.store.load(&id(who)).unwrap().is_some(),
        "asking deletes nothing"
    );
    let h = bot.press(who, Callback::ForgetConfirm);
    assert_eq!(keys(&h), ["forget-done"]);

    let everything = dump(bot);
    assert!(
        !everything.contains("tg:4242"),
        "the id is gone: {everything}"
    );
    assert!(!everything.contains("Người tg:4242"), "the name is gone");
    assert!(
        !everything.contains("Nguyễn Thị Tư"),
        "the printed name is gone"
    );
    assert!(
        !everything.contains("chuyển tiền cho con"),
        "the question is gone"
    );
    assert!(bot.store.load(&id(who)).unwrap().is_none());
    assert!(bot.store.mentees(&id("tg:5")).unwrap().is_empty());
    assert!(bot.store.completions(&id(who)).unwrap().is_empty());
    assert!(bot.store.attempts(&id(who)).unwrap().is_empty());
    assert!(
        bot.store
            .channel_get("telegram/blocked/4242")
            .unwrap()
            .is_none()
    );

    // The volunteer hears, neutrally, that the question was withdrawn.
    let due = bot.store.outbox_due("telegram", bot.now, 100).unwrap();
    let to_volunteer: Vec<_> = due
        .iter()
        .filter(|q| q.item.to == Recipient::Learner { id: id("tg:5") })
        .flat_map(|q| q.item.message.keys())
        .collect();
    assert!(to_volunteer.contains(&"help-withdrawn"), "{to_volunteer:?}");

    // Figures keep what the learner added, as anonymous counts.
    let after = bot
        .store
        .counts(
            &hocvuso::core::stats::area_scope("hoa-sen-tdp-1"),
            (0, u32::MAX),
        )
        .unwrap();
    assert_eq!(before, after);
    assert_figures_equal_a_recount(bot, &learners);

    let h = bot.say("tg:5", &format!("/verify {code}"));
    assert_eq!(keys(&h), ["verify-revoked"]);

    // Coming back later is a fresh start.
    bot.say(who, "/start");
    let h = bot.press(who, Callback::SetLang(vi()));
    assert!(keys(&h).contains(&"privacy-short".to_string()));
}

#[test]
fn forget_leaves_nothing_that_names_the_learner_in_memory() {
    let store = std::sync::Arc::new(hocvuso::store::MemoryStore::new());
    let mut bot = Bot::on(store.clone());
    forget_and_check(&mut bot, &move |_| format!("{store:?}"));
}

#[test]
fn forget_leaves_nothing_that_names_the_learner_in_sled() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(hocvuso::store::SledStore::open(dir.path()).unwrap());
    let mut bot = Bot::on(store.clone());
    forget_and_check(&mut bot, &move |_| store.dump());
}

#[test]
fn staff_are_asked_to_give_up_their_role_before_forgetting() {
    let mut bot = Bot::new();
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    assert_eq!(keys(&bot.say("tg:5", "/forget")), ["forget-staff"]);
    assert_eq!(
        keys(&bot.press("tg:5", Callback::ForgetConfirm)),
        ["forget-staff"]
    );
    assert!(bot.store.load(&id("tg:5")).unwrap().is_some());
}

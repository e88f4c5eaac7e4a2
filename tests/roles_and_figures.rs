//! Volunteers, officials and certificates as whole conversations through the
//! engine: roles and refusals, invites, mentor links, group cards, area
//! choice, figures checked against a recount, exports and verification.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use hocvuso::app::App;
use hocvuso::area::AreaTree;
use hocvuso::core::stats::{Metric, Period, StatsView, area_scope, group_scope, quarter_of};
use hocvuso::core::{
    Action, Arg, Attachment, BASIC, Callback, Core, Input, LearnerId, Message, Place, Recipient,
    Role, Target, Text,
};
use hocvuso::engine::{Event, Handled};
use hocvuso::store::{MemoryStore, SledStore, Store};

use crate::support::{localizer, repo, shipped_lessons};

/// 2026-11-23 10:00 in Vietnam.
pub(crate) const START: i64 = 1_795_417_200;
pub(crate) const DAY: i64 = 86_400;

pub(crate) struct Bot {
    pub(crate) app: App,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) now: i64,
}

impl Bot {
    pub(crate) fn new() -> Self {
        Self::on(Arc::new(MemoryStore::new()))
    }

    pub(crate) fn on(store: Arc<dyn Store>) -> Self {
        Self::with_admins(store, vec![id("tg:1")])
    }

    pub(crate) fn with_admins(store: Arc<dyn Store>, admins: Vec<LearnerId>) -> Self {
        let areas = Arc::new(AreaTree::load(&repo("areas.toml")).unwrap());
        let localizer = localizer();
        let core = Core::new(Arc::new(shipped_lessons()), localizer.languages())
            .with_areas(areas)
            .with_admins(admins);
        Bot {
            app: App::with_core(core, localizer, store.clone()),
            store,
            now: START,
        }
    }

    pub(crate) fn event(&mut self, who: &str, place: Place, input: Input) -> Handled {
        self.now += 7;
        self.app
            .engine
            .handle(&Event {
                learner: id(who),
                channel: "telegram",
                display_name: format!("Người {who}"),
                place,
                input,
                now: self.now,
            })
            .unwrap()
    }

    pub(crate) fn say(&mut self, who: &str, text: &str) -> Handled {
        self.event(who, Place::Private, Input::Text(text.into()))
    }

    pub(crate) fn press(&mut self, who: &str, callback: Callback) -> Handled {
        self.event(who, Place::Private, Input::Button(callback.encode()))
    }

    pub(crate) fn in_group(&mut self, who: &str, input: Input) -> Handled {
        let place = Place::Group {
            chat: "-100777".into(),
        };
        self.event(who, place, input)
    }

    /// A Vietnamese-speaking user who has seen the menu.
    pub(crate) fn join(&mut self, who: &str) {
        self.say(who, "/start");
        self.press(who, Callback::SetLang(hocvuso::core::Lang::new("vi")));
    }

    /// Opens a lesson and answers its quiz right.
    pub(crate) fn finish(&mut self, who: &str, lesson: &str) -> Handled {
        self.press(who, Callback::Lesson(lesson.into()));
        let count = self
            .app
            .engine
            .core()
            .lessons()
            .lesson(lesson)
            .unwrap()
            .question_count();
        let mut last = self.press(who, Callback::Question(lesson.into(), 0));
        for q in 0..count {
            let right = self
                .app
                .engine
                .core()
                .lessons()
                .lesson(lesson)
                .unwrap()
                .correct_option(q)
                .unwrap();
            last = self.press(who, Callback::Answer(lesson.into(), q, right));
            if q + 1 < count {
                self.press(who, Callback::Question(lesson.into(), q + 1));
            }
        }
        last
    }

    pub(crate) fn finish_topic(&mut self, who: &str, topic: &str) -> Handled {
        let lessons = self
            .app
            .engine
            .core()
            .lessons()
            .topic(topic)
            .unwrap()
            .lessons
            .clone();
        let mut last = None;
        for lesson in lessons {
            last = Some(self.finish(who, &lesson));
        }
        last.unwrap()
    }

    pub(crate) fn grant(&mut self, who: &str, role: &str, area: &str) {
        self.join("tg:1");
        let h = self.say("tg:1", &format!("/grant {who} {role} {area}"));
        assert!(keys(&h).contains(&"granted".to_string()), "{:?}", keys(&h));
    }
}

pub(crate) fn id(s: &str) -> LearnerId {
    LearnerId::new(s).unwrap()
}

pub(crate) fn messages(h: &Handled) -> Vec<&Message> {
    h.actions
        .iter()
        .map(|a| match a {
            Action::Send(m) => m,
        })
        .collect()
}

pub(crate) fn keys(h: &Handled) -> Vec<String> {
    messages(h)
        .iter()
        .flat_map(|m| m.keys())
        .map(str::to_string)
        .collect()
}

pub(crate) fn text_of(h: &Handled, key: &str) -> Text {
    messages(h)
        .iter()
        .flat_map(|m| &m.blocks)
        .find_map(|b| match b {
            hocvuso::core::Block::Para(hocvuso::core::Phrase::Ui(t))
            | hocvuso::core::Block::Heading(hocvuso::core::Phrase::Ui(t))
                if t.key == key =>
            {
                Some(t.clone())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {key} in {:?}", keys(h)))
}

fn num(t: &Text, name: &str) -> i64 {
    match t.arg_value(name) {
        Some(Arg::Num(n)) => *n,
        other => panic!("{name}: {other:?}"),
    }
}

fn open_private_payload(h: &Handled) -> String {
    messages(h)
        .iter()
        .flat_map(|m| m.keyboard.iter().flatten())
        .find_map(|b| match &b.target {
            Target::OpenPrivate(p) => Some(p.clone()),
            Target::Callback(_) => None,
        })
        .expect("an open-private button")
}

fn attachment(h: &Handled) -> Option<&Attachment> {
    messages(h).iter().find_map(|m| m.attachment.as_ref())
}

#[test]
fn admins_grant_and_revoke_roles_and_every_change_is_audited() {
    let mut bot = Bot::new();
    bot.join("tg:1");
    bot.join("tg:2");
    bot.grant("tg:2", "official", "phuong-hoa-sen");
    let staff = bot.store.staff(&id("tg:2")).unwrap().unwrap();
    assert_eq!(
        (staff.role, staff.area.as_str()),
        (Role::Official, "phuong-hoa-sen")
    );
    let who = bot.say("tg:2", "/whoami");
    assert!(keys(&who).contains(&"whoami-area".to_string()));
    let help = keys(&bot.say("tg:2", "/help"));
    assert!(
        help.contains(&"official-help".to_string()) && !help.contains(&"admin-help".to_string())
    );
    assert!(keys(&bot.say("tg:1", "/help")).contains(&"admin-help".to_string()));

    let h = bot.say("tg:1", "/revoke tg:2");
    assert!(keys(&h).contains(&"revoked".to_string()));
    assert_eq!(bot.store.staff(&id("tg:2")).unwrap(), None);
    assert_eq!(bot.store.audit_log().unwrap().len(), 2);

    // Not an admin: refused, nothing stored, nothing audited.
    bot.join("tg:3");
    let h = bot.say("tg:3", "/grant tg:3 official tinh-mau");
    assert_eq!(keys(&h), ["not-allowed"]);
    assert_eq!(bot.store.staff(&id("tg:3")).unwrap(), None);
    // Bad arguments and unknown areas are explained, nothing changes.
    assert_eq!(
        keys(&bot.say("tg:1", "/grant tg:3 wizard tinh-mau")),
        ["usage-grant"]
    );
    assert_eq!(
        keys(&bot.say("tg:1", "/grant tg:3 official atlantis")),
        ["area-unknown"]
    );
    assert_eq!(keys(&bot.say("tg:1", "/revoke tg:3")), ["revoke-none"]);
    assert_eq!(bot.store.audit_log().unwrap().len(), 2);

    // An admin's own stored record (made by /mentorlink) grants nothing once
    // the configuration no longer names them.
    bot.say("tg:1", "/mentorlink");
    let mut later = Bot::with_admins(bot.store.clone(), Vec::new());
    assert_eq!(
        keys(&later.say("tg:1", "/grant tg:3 official tinh-mau")),
        ["not-allowed"]
    );
    assert_eq!(keys(&later.say("tg:1", "/stats")), ["not-allowed"]);
}

#[test]
fn invites_work_once_before_they_expire_and_only_inside_the_area() {
    let mut bot = Bot::new();
    bot.join("tg:2");
    bot.grant("tg:2", "official", "phuong-hoa-sen");
    assert_eq!(
        keys(&bot.say("tg:2", "/invite xa-dong-lua")),
        ["area-outside"]
    );
    assert_eq!(keys(&bot.say("tg:2", "/invite nowhere")), ["area-unknown"]);

    let invite = open_private_payload(&bot.say("tg:2", "/invite hoa-sen-tdp-1"));
    assert!(invite.starts_with("i_"), "{invite}");
    // A newcomer: the language first, then the invite takes effect.
    bot.say("tg:5", &format!("/start {invite}"));
    let h = bot.press("tg:5", Callback::SetLang(hocvuso::core::Lang::new("vi")));
    assert!(
        keys(&h).contains(&"invite-welcome".to_string()),
        "{:?}",
        keys(&h)
    );
    let staff = bot.store.staff(&id("tg:5")).unwrap().unwrap();
    assert_eq!(
        (staff.role, staff.area.as_str()),
        (Role::Volunteer, "hoa-sen-tdp-1")
    );

    bot.join("tg:6");
    let h = bot.say("tg:6", &format!("/start {invite}"));
    assert!(keys(&h).contains(&"invite-used".to_string()));
    assert_eq!(bot.store.staff(&id("tg:6")).unwrap(), None);

    let late = open_private_payload(&bot.say("tg:2", "/invite"));
    bot.now += 8 * DAY;
    let h = bot.say("tg:6", &format!("/start {late}"));
    assert!(keys(&h).contains(&"invite-expired".to_string()));
    let h = bot.say("tg:6", "/start i_ZZZZ-ZZZZ-ZZZZ");
    assert!(keys(&h).contains(&"invite-unknown".to_string()));
    assert_eq!(bot.store.staff(&id("tg:6")).unwrap(), None);
    // Made twice, used once.
    let audit: Vec<String> = bot
        .store
        .audit_log()
        .unwrap()
        .iter()
        .map(|a| a.action.to_string())
        .collect();
    assert_eq!(
        audit.iter().filter(|a| a.starts_with("invite")).count(),
        2,
        "{audit:?}"
    );
    assert_eq!(
        audit.iter().filter(|a| a.starts_with("joined")).count(),
        1,
        "{audit:?}"
    );
}

#[test]
fn mentees_come_through_the_mentor_link_and_their_mentor_hears_of_topics() {
    let mut bot = Bot::new();
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    let link = open_private_payload(&bot.say("tg:5", "/mentorlink"));
    assert_eq!(
        open_private_payload(&bot.say("tg:5", "/mentorlink")),
        link,
        "the link is stable"
    );
    assert!(link.starts_with("m_"));

    bot.say("tg:7", &format!("/start {link}"));
    let h = bot.press("tg:7", Callback::SetLang(hocvuso::core::Lang::new("vi")));
    assert!(
        keys(&h).contains(&"mentor-joined".to_string()),
        "{:?}",
        keys(&h)
    );
    bot.finish_topic("tg:7", "digital-market");

    let h = bot.say("tg:5", "/mentees");
    let line = text_of(&h, "mentee-line");
    assert_eq!(line.arg_value("name"), Some(&Arg::Str("Người tg:7".into())));
    let market = bot
        .app
        .engine
        .core()
        .lessons()
        .topic("digital-market")
        .unwrap()
        .lessons
        .len();
    assert_eq!(num(&line, "done"), market as i64);
    assert_eq!(num(&line, "certificates"), 1);

    let due = bot.store.outbox_due("telegram", bot.now, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].item.to, Recipient::Learner { id: id("tg:5") });
    assert_eq!(due[0].item.message.keys(), ["mentee-finished-topic"]);

    bot.join("tg:8");
    assert_eq!(keys(&bot.say("tg:8", "/mentees")), ["not-allowed"]);
    let h = bot.say("tg:5", &format!("/start {link}"));
    assert!(keys(&h).contains(&"mentor-self".to_string()));
}

#[test]
fn volunteers_push_cards_to_groups_now_or_later_and_learners_count_for_the_group() {
    let mut bot = Bot::new();
    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "hoa-sen-tdp-1");
    assert_eq!(keys(&bot.say("tg:5", "/push")), ["push-in-group-only"]);

    // In the group: a short answer there, the picker privately (outbox).
    let h = bot.in_group("tg:5", Input::Text("/push@hocvuso_bot".into()));
    assert_eq!(keys(&h), ["push-check-private"]);
    let picker = bot.store.outbox_due("telegram", bot.now, 10).unwrap();
    assert_eq!(picker.len(), 1);
    assert_eq!(picker[0].item.to, Recipient::Learner { id: id("tg:5") });
    assert!(
        picker[0]
            .item
            .message
            .callbacks()
            .any(|c| *c == Callback::PushTopic("safety".into()))
    );
    bot.store.outbox_remove(&picker[0].id).unwrap();
    // Privately, /push shows the same picker for the remembered group.
    assert_eq!(keys(&bot.say("tg:5", "/push")), ["push-choose-topic"]);
    bot.press("tg:5", Callback::PushTopic("safety".into()));
    bot.press("tg:5", Callback::PushLesson("safety-otp".into()));
    let h = bot.press("tg:5", Callback::PushAt("safety-otp".into(), 0));
    assert_eq!(keys(&h), ["push-queued"]);
    // The picker's buttons also work if pressed in the group itself.
    let later = bot.in_group(
        "tg:5",
        Input::Button(Callback::PushAt("safety-otp".into(), 2).encode()),
    );
    assert_eq!(keys(&later), ["push-scheduled"]);

    let due = bot.store.outbox_due("telegram", bot.now, 10).unwrap();
    assert_eq!(due.len(), 1, "the morning card waits");
    let card = &due[0].item;
    assert_eq!(
        card.to,
        Recipient::Group {
            chat: "-100777".into()
        }
    );
    let payload = card
        .message
        .keyboard
        .iter()
        .flatten()
        .find_map(|b| match &b.target {
            Target::OpenPrivate(p) => Some(p.clone()),
            Target::Callback(_) => None,
        })
        .unwrap();
    assert!(
        payload.starts_with("g_") && payload.ends_with("_safety-otp"),
        "{payload}"
    );
    assert_eq!(
        bot.store
            .outbox_due("telegram", bot.now + 2 * DAY, 10)
            .unwrap()
            .len(),
        2
    );

    // A plain member cannot push, even by pressing the volunteer's buttons.
    bot.join("tg:9");
    let h = bot.in_group("tg:9", Input::Text("/push".into()));
    assert_eq!(keys(&h), ["not-allowed"]);
    let h = bot.in_group(
        "tg:9",
        Input::Button(Callback::PushAt("safety-otp".into(), 0).encode()),
    );
    assert_eq!(keys(&h), ["not-allowed"]);
    assert_eq!(
        bot.store
            .outbox_due("telegram", bot.now + 2 * DAY, 10)
            .unwrap()
            .len(),
        2
    );
    // Other group talk gets the private-chat button, as before.
    let h = bot.in_group("tg:9", Input::Text("/menu".into()));
    assert_eq!(keys(&h), ["group-private-only"]);

    // A learner opens the card privately: the lesson opens, the group counts it.
    bot.join("tg:10");
    let h = bot.say("tg:10", &format!("/start {payload}"));
    assert!(
        keys(&h).contains(&"step-title".to_string()),
        "{:?}",
        keys(&h)
    );
    bot.finish("tg:10", "safety-otp");
    let code = payload.trim_start_matches("g_").split('_').next().unwrap();
    let counts = bot
        .store
        .counts(&group_scope(code), Period::AllTime.quarters(bot.now))
        .unwrap();
    assert_eq!(
        counts.get(&Metric::Lesson("safety-otp".into()).key()),
        Some(&1)
    );
    assert_eq!(counts.get(&Metric::Started.key()), Some(&1));
    let h = bot.say("tg:5", "/mentees");
    let group = text_of(&h, "group-line");
    assert_eq!(num(&group, "lessons"), 1);
}

#[test]
fn learners_pick_their_area_once_after_a_lesson_skip_it_or_change_it() {
    let mut bot = Bot::new();
    bot.join("tg:20");
    let h = bot.finish("tg:20", "safety-otp");
    assert!(keys(&h).contains(&"area-ask".to_string()), "{:?}", keys(&h));
    bot.press("tg:20", Callback::AreaBrowse("phuong-hoa-sen".into()));
    let h = bot.press("tg:20", Callback::AreaSet("hoa-sen-tdp-2".into()));
    assert!(keys(&h).contains(&"area-set".to_string()));
    let learner = bot.store.load(&id("tg:20")).unwrap().unwrap();
    assert_eq!(learner.area.as_deref(), Some("hoa-sen-tdp-2"));
    // Its figures moved with it, all the way up.
    for area in ["hoa-sen-tdp-2", "phuong-hoa-sen", "tinh-mau"] {
        let c = bot.store.counts(&area_scope(area), (0, u32::MAX)).unwrap();
        assert_eq!(c.get("l:safety-otp"), Some(&1), "{area}");
    }
    // Changing the area moves the learner's figures.
    bot.say("tg:20", "/area");
    bot.press("tg:20", Callback::AreaSet("xa-dong-lua".into()));
    let old = bot
        .store
        .counts(&area_scope("phuong-hoa-sen"), (0, u32::MAX))
        .unwrap();
    assert_eq!(old.get("l:safety-otp"), None);
    let new = bot
        .store
        .counts(&area_scope("xa-dong-lua"), (0, u32::MAX))
        .unwrap();
    assert_eq!(new.get("l:safety-otp"), Some(&1));

    bot.join("tg:21");
    bot.finish("tg:21", "safety-otp");
    assert!(keys(&bot.press("tg:21", Callback::AreaSkip)).contains(&"area-skipped".to_string()));
    let h = bot.finish("tg:21", "safety-fake-links");
    assert!(
        !keys(&h).contains(&"area-ask".to_string()),
        "asked only once"
    );
    let h = bot.press("tg:21", Callback::AreaSet("atlantis".into()));
    assert!(keys(&h).contains(&"button-old".to_string()));
}

#[test]
fn officials_see_their_subtree_as_figures_chart_and_csv() {
    let mut bot = Bot::new();
    bot.join("tg:2");
    bot.grant("tg:2", "official", "phuong-hoa-sen");
    bot.join("tg:30");
    bot.finish("tg:30", "safety-otp");
    bot.press("tg:30", Callback::AreaSet("hoa-sen-tdp-1".into()));

    let h = bot.say("tg:2", "/stats");
    let totals = text_of(&h, "stats-totals");
    assert_eq!((num(&totals, "started"), num(&totals, "lessons")), (1, 1));
    assert_eq!(
        keys(&bot.say("tg:2", "/stats xa-dong-lua")),
        ["area-outside"]
    );
    let forged = Callback::Stats("tinh-mau".into(), Period::AllTime, StatsView::Summary);
    assert_eq!(keys(&bot.press("tg:2", forged)), ["area-outside"]);

    let h = bot.press(
        "tg:2",
        Callback::Stats(
            "phuong-hoa-sen".into(),
            Period::ThisQuarter,
            StatsView::Chart,
        ),
    );
    let Some(Attachment::Chart(chart)) = attachment(&h) else {
        panic!("no chart: {:?}", keys(&h));
    };
    assert_eq!(chart.bars.len(), 2, "one bar per residential group");

    let h = bot.say("tg:2", "/export");
    let Some(Attachment::Document(doc)) = attachment(&h) else {
        panic!("no document");
    };
    assert!(doc.name.ends_with(".csv"));
    let csv = String::from_utf8(doc.content.clone()).unwrap();
    assert!(csv.starts_with('\u{feff}'), "Excel needs the BOM");
    let topics = bot.app.engine.core().lessons().topics().len();
    assert_eq!(
        csv.lines().count(),
        1 + 3 * topics,
        "header + areas × topics"
    );
    let row = csv
        .lines()
        .find(|l| l.starts_with("hoa-sen-tdp-1,") && l.contains(",safety,"))
        .unwrap();
    assert!(row.contains("Tổ dân phố 1"), "{row}");
    let audit = bot.store.audit_log().unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action.to_string().starts_with("export phuong-hoa-sen"))
    );

    bot.join("tg:31");
    bot.grant("tg:31", "volunteer", "hoa-sen-tdp-1");
    assert_eq!(keys(&bot.say("tg:31", "/stats")), ["not-allowed"]);
    assert_eq!(keys(&bot.say("tg:31", "/export")), ["not-allowed"]);
}

#[test]
fn certificates_carry_unguessable_codes_that_staff_can_verify() {
    let mut bot = Bot::new();
    bot.join("tg:40");
    bot.press("tg:40", Callback::AreaSkip);
    let h = bot.finish_topic("tg:40", "digital-market");
    let Some(Attachment::Certificate(cert)) = attachment(&h) else {
        panic!("no certificate: {:?}", keys(&h));
    };
    assert_eq!(cert.name, "Người tg:40");
    let market = bot
        .app
        .engine
        .core()
        .lessons()
        .topic("digital-market")
        .unwrap();
    assert_eq!(cert.lessons.len(), market.lessons.len());
    let stored = bot.store.certificate(&cert.code).unwrap().unwrap();
    assert_eq!(
        (stored.learner, stored.topic.as_str()),
        (id("tg:40"), "digital-market")
    );

    bot.join("tg:41");
    let other = bot.finish_topic("tg:41", "digital-market");
    let Some(Attachment::Certificate(other)) = attachment(&other) else {
        panic!()
    };
    assert_ne!(other.code, cert.code);

    bot.join("tg:5");
    bot.grant("tg:5", "volunteer", "tinh-mau");
    let typed = cert.code.to_lowercase().replace('-', " ");
    let h = bot.say("tg:5", &format!("/verify {typed}"));
    let found = text_of(&h, "verify-found");
    assert_eq!(
        found.arg_value("name"),
        Some(&Arg::Str("Người tg:40".into()))
    );
    assert_eq!(
        keys(&bot.say("tg:5", "/verify AAAA-BBBB-CCCC")),
        ["verify-unknown"]
    );
    assert_eq!(keys(&bot.say("tg:5", "/verify")), ["usage-verify"]);
    assert_eq!(
        keys(&bot.say("tg:41", &format!("/verify {}", cert.code))),
        ["not-allowed"]
    );

    let h = bot.say("tg:40", "/summary");
    assert!(keys(&h).contains(&"overview-done".to_string()));
    let again = bot.press("tg:40", Callback::Certificate("digital-market".into()));
    let Some(Attachment::Certificate(same)) = attachment(&again) else {
        panic!()
    };
    assert_eq!(same.code, cert.code, "shown again, not issued again");
    assert!(
        keys(&bot.press("tg:40", Callback::Certificate("safety".into())))
            .contains(&"button-old".to_string())
    );

    // All four core topics: the certificate of basic digital skills.
    for topic in ["vneid", "public-services", "cashless", "safety"] {
        bot.finish_topic("tg:40", topic);
    }
    let learner = bot.store.load(&id("tg:40")).unwrap().unwrap();
    let basic = learner.certificates.get(BASIC).expect("basic certificate");
    assert_eq!(
        bot.store.certificate(&basic.code).unwrap().unwrap().topic,
        BASIC
    );
    let h = bot.say("tg:5", &format!("/verify {}", basic.code));
    assert_eq!(
        text_of(&h, "verify-found").arg_value("basic"),
        Some(&Arg::Str("yes".into()))
    );
}

/// A tiny deterministic generator, so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

#[test]
fn figures_equal_a_recount_from_the_raw_completion_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut bot = Bot::on(Arc::new(SledStore::open(dir.path()).unwrap()));
    let tree = shipped_lessons();
    let areas = AreaTree::load(&repo("areas.toml")).unwrap();
    let area_ids: Vec<String> = areas
        .subtree("tinh-mau")
        .iter()
        .map(|a| a.id.clone())
        .collect();
    let lessons: Vec<String> = tree.lessons().map(|l| l.id.clone()).collect();
    let mut rng = Lcg(42);
    let mut learners = Vec::new();
    for n in 0..40 {
        let who = format!("tg:{}", 1000 + n);
        bot.join(&who);
        learners.push(who.clone());
        // Spread over about five months, across quarter ends.
        bot.now = START - 120 * DAY + (rng.next(150) as i64) * DAY;
        for _ in 0..rng.next(12) {
            let lesson = lessons[rng.next(lessons.len())].clone();
            bot.finish(&who, &lesson);
            match rng.next(6) {
                0 => {
                    bot.press(
                        &who,
                        Callback::AreaSet(area_ids[rng.next(area_ids.len())].clone()),
                    );
                }
                1 => {
                    bot.press(&who, Callback::AreaSkip);
                }
                _ => {}
            }
        }
        if n % 7 == 0 {
            bot.finish_topic(&who, "digital-market");
        }
    }
    bot.now = START;

    // The recount: first completion of each lesson per learner from the raw
    // log; topics and basic skills from those; areas as learners are now.
    let log = bot.store.completion_log().unwrap();
    let mut first: BTreeMap<(String, String), i64> = BTreeMap::new();
    for c in &log {
        let key = (c.learner.as_str().to_string(), c.lesson.clone());
        first
            .entry(key)
            .and_modify(|at| *at = (*at).min(c.at))
            .or_insert(c.at);
    }
    let mut expected: BTreeMap<(String, u32, String), u64> = BTreeMap::new();
    for who in &learners {
        let learner = bot.store.load(&id(who)).unwrap().unwrap();
        let scopes: Vec<String> = match &learner.area {
            Some(a) => areas.path(a).iter().map(|x| area_scope(&x.id)).collect(),
            None => vec![area_scope("tinh-mau")],
        };
        let mut units: Vec<(i64, String)> = Vec::new();
        if let Some(s) = learner.started {
            units.push((s, Metric::Started.key()));
        }
        let mine: BTreeMap<&String, i64> = first
            .iter()
            .filter(|((l, _), _)| l == who)
            .map(|((_, lesson), at)| (lesson, *at))
            .collect();
        for (lesson, at) in &mine {
            units.push((*at, Metric::Lesson((*lesson).clone()).key()));
        }
        for topic in tree.topics() {
            let times: Option<Vec<i64>> =
                topic.lessons.iter().map(|l| mine.get(l).copied()).collect();
            if let Some(times) = times {
                units.push((
                    *times.iter().max().unwrap(),
                    Metric::Topic(topic.id.clone()).key(),
                ));
            }
        }
        for scope in &scopes {
            for (at, metric) in &units {
                *expected
                    .entry((scope.clone(), quarter_of(*at), metric.clone()))
                    .or_default() += 1;
            }
        }
    }
    let scopes: BTreeSet<String> = area_ids.iter().map(|a| area_scope(a)).collect();
    let mut compared = 0;
    for scope in &scopes {
        for period in Period::ALL {
            let (from, to) = period.quarters(bot.now);
            let counted = bot.store.counts(scope, (from, to)).unwrap();
            let mut recount: BTreeMap<String, u64> = BTreeMap::new();
            for ((s, q, metric), n) in &expected {
                if s == scope && (from..=to).contains(q) {
                    *recount.entry(metric.clone()).or_default() += n;
                }
            }
            assert_eq!(counted, recount, "{scope} {period:?}");
            compared += recount.values().sum::<u64>();
        }
    }
    assert!(
        compared > 200,
        "the generated data should exercise the counters ({compared})"
    );

    // And /stats shows the same totals for the province, this quarter.
    bot.join("tg:1");
    let h = bot.say("tg:1", "/stats");
    let totals = text_of(&h, "stats-totals");
    let province = bot
        .store
        .counts(
            &area_scope("tinh-mau"),
            Period::ThisQuarter.quarters(bot.now),
        )
        .unwrap();
    let lessons_done: u64 = province
        .iter()
        .filter(|(k, _)| k.starts_with("l:"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(num(&totals, "lessons") as u64, lessons_done);
}

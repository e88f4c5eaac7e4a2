//! The shipped lesson tree: valid, complete in both languages, reachable, and
//! every lesson can be walked to its end through the core.

use std::collections::BTreeSet;

use hocvuso::core::{Block, Callback, Input, Lang, Learner, LearnerId, Message, Reply};
use hocvuso::lesson::{MAX_MESSAGE_CHARS, check_tree};

use crate::support::{app_with, localizer, repo, shipped_lessons};

const LANGS: [&str; 2] = ["vi", "en"];

#[test]
fn every_lesson_and_topic_has_vietnamese_and_english() {
    let tree = shipped_lessons();
    for topic in tree.topics() {
        for lang in LANGS {
            assert!(topic.title.has(lang), "topic {} lacks {lang}", topic.id);
        }
    }
    for lesson in tree.lessons() {
        for lang in LANGS {
            assert!(lesson.text.has(lang), "lesson {} lacks {lang}", lesson.id);
        }
    }
}

#[test]
fn the_content_issue_scope_is_met() {
    let tree = shipped_lessons();
    let at_least = [
        ("vneid", 4),
        ("public-services", 4),
        ("cashless", 4),
        ("safety", 4),
        ("health", 2),
        ("digital-market", 2),
        ("learning-platform", 3),
        ("phone-basics", 3),
        ("digital-family", 3),
        ("social-media", 3),
        ("ai-daily-life", 3),
        ("personal-data", 3),
    ];
    for (id, min) in at_least {
        let topic = tree
            .topic(id)
            .unwrap_or_else(|| panic!("topic {id} is missing"));
        assert!(
            topic.lessons.len() >= min,
            "{id} has {} lessons",
            topic.lessons.len()
        );
        let pictures = topic
            .lessons
            .iter()
            .flat_map(|l| &tree.lesson(l).unwrap().text.get(&Lang::base()).steps)
            .filter(|s| s.picture.is_some())
            .count();
        assert!(pictures >= 1, "{id} has no picture");
    }
    for lesson in tree.lessons() {
        assert!(
            (3..=8).contains(&lesson.step_count()),
            "{} has {} steps",
            lesson.id,
            lesson.step_count()
        );
        assert!(
            (2..=4).contains(&lesson.question_count()),
            "{} has {} questions",
            lesson.id,
            lesson.question_count()
        );
    }
}

/// Learners find lessons by typing words; the second-edition topics ship
/// with search words in every language from the start.
#[test]
fn the_second_edition_topics_have_search_words() {
    let tree = shipped_lessons();
    let topics = [
        "learning-platform",
        "phone-basics",
        "digital-family",
        "social-media",
        "ai-daily-life",
        "personal-data",
    ];
    for id in topics {
        let topic = tree
            .topic(id)
            .unwrap_or_else(|| panic!("topic {id} is missing"));
        for lesson_id in &topic.lessons {
            let lesson = tree.lesson(lesson_id).unwrap();
            for lang in LANGS {
                let text = lesson.text.get(&Lang::new(lang));
                assert!(
                    text.keywords.len() >= 3,
                    "{lesson_id} ({lang}) has {} search words",
                    text.keywords.len()
                );
            }
        }
    }
}

fn learner(lang: &str) -> Learner {
    let mut learner = Learner::new(
        LearnerId::new(format!("test:{lang}")).unwrap(),
        "test",
        "Bác Tư",
        1_000,
    );
    learner.lang = Some(Lang::new(lang));
    learner
}

fn callbacks(reply: &Reply) -> Vec<Callback> {
    reply
        .messages()
        .flat_map(|m| m.callbacks().cloned())
        .collect()
}

#[test]
fn every_lesson_is_reachable_from_the_menu() {
    let tree = shipped_lessons();
    let app = app_with(tree.clone());
    let core = app.engine.core();
    let mut learner = learner("vi");
    let menu = core.handle(&mut learner, &Input::Text("/menu".into()), 1);
    // The menu shows groups of topics; each group lists its topics.
    let mut topics = Vec::new();
    for group in callbacks(&menu)
        .into_iter()
        .filter(|c| matches!(c, Callback::TopicGroup(_)))
    {
        let screen = core.handle(&mut learner, &Input::Button(group.encode()), 2);
        topics.extend(
            callbacks(&screen)
                .into_iter()
                .filter(|c| matches!(c, Callback::Topic(_))),
        );
    }
    assert_eq!(topics.len(), tree.topics().len(), "each topic in one group");
    let mut reached = BTreeSet::new();
    for topic in topics {
        let list = core.handle(&mut learner, &Input::Button(topic.encode()), 2);
        for cb in callbacks(&list) {
            if let Callback::Lesson(id) = cb {
                reached.insert(id);
            }
        }
    }
    let all: BTreeSet<String> = tree.lessons().map(|l| l.id.clone()).collect();
    assert_eq!(reached, all);
}

/// Renders a message as the learner sees it and checks it reads well.
fn check_rendered(lang: &Lang, message: &Message, context: &str) {
    let localizer = localizer();
    let mut texts: Vec<String> = message
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading(p) | Block::Para(p) | Block::Tip(p) => localizer.phrase(lang, p),
        })
        .collect();
    texts.extend(
        message
            .keyboard
            .iter()
            .flatten()
            .map(|b| localizer.phrase(lang, &b.label)),
    );
    let whole = texts.join("\n\n");
    assert!(
        whole.chars().count() <= MAX_MESSAGE_CHARS,
        "{context}: message too long"
    );
    for text in &texts {
        assert!(
            !text.trim().is_empty(),
            "{context}: empty text in {message:?}"
        );
        assert!(
            !text.contains('\u{2068}') && !text.contains('\u{2069}'),
            "{context}: isolation marks"
        );
        assert!(
            !text.contains("{$") && !text.contains("{ $"),
            "{context}: unfilled placeholder in {text}"
        );
        let looks_like_key =
            text.contains('-') && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
        assert!(!looks_like_key, "{context}: untranslated key {text}");
    }
    if let Some(hocvuso::core::Attachment::Picture(picture)) = &message.attachment {
        assert!(
            picture.is_file(),
            "{context}: {} missing",
            picture.display()
        );
    }
}

#[test]
fn every_lesson_can_be_walked_to_its_end_in_every_language() {
    let tree = shipped_lessons();
    let app = app_with(tree.clone());
    let core = app.engine.core();
    for lang in LANGS {
        let lang_tag = Lang::new(lang);
        let mut learner = learner(lang);
        let mut now = 10;
        let mut press = |learner: &mut Learner, cb: Callback, context: &str| {
            now += 1;
            let reply = core.handle(learner, &Input::Button(cb.encode()), now);
            for m in reply.messages() {
                check_rendered(&lang_tag, m, context);
            }
            reply
        };
        for topic in tree.topics() {
            for (n, id) in topic.lessons.iter().enumerate() {
                let lesson = tree.lesson(id).unwrap();
                let context = format!("{lang}/{id}");
                let mut reply = press(&mut learner, Callback::Lesson(id.clone()), &context);
                for step in 1..lesson.step_count() {
                    assert!(
                        callbacks(&reply).contains(&Callback::Step(id.clone(), step)),
                        "{context}: no Next at {step}"
                    );
                    reply = press(&mut learner, Callback::Step(id.clone(), step), &context);
                }
                assert!(
                    callbacks(&reply).contains(&Callback::Question(id.clone(), 0)),
                    "{context}: no quiz button"
                );
                press(&mut learner, Callback::Question(id.clone(), 0), &context);
                for q in 0..lesson.question_count() {
                    if q > 0 {
                        press(&mut learner, Callback::Question(id.clone(), q), &context);
                    }
                    let right = lesson.correct_option(q).unwrap();
                    reply = press(
                        &mut learner,
                        Callback::Answer(id.clone(), q, right),
                        &context,
                    );
                }
                assert_eq!(reply.completions.len(), 1, "{context}: not completed");
                assert_eq!(
                    reply.completions[0].score,
                    lesson.question_count(),
                    "{context}"
                );
                let topic_done = n + 1 == topic.lessons.len();
                let has_summary = reply
                    .messages()
                    .any(|m| m.keys().contains(&"summary-title"));
                assert_eq!(
                    has_summary, topic_done,
                    "{context}: summary only when the topic is done"
                );
            }
        }
    }
}

#[test]
fn the_shipped_quizzes_cannot_be_guessed() {
    let checked = check_tree(&repo("lessons"));
    assert!(checked.result.is_ok(), "the shipped tree has problems");
    let warnings: Vec<String> = checked.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

/// Every `font-size` in an SVG, in pixels (our drawings write plain numbers).
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.match_indices("font-size")
        .filter_map(|(at, _)| {
            let rest = svg[at + "font-size".len()..].trim_start_matches(['=', ':', '"', '\'', ' ']);
            let number: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            number.parse().ok()
        })
        .collect()
}

#[test]
fn every_picture_keeps_its_drawing_and_text_old_eyes_can_read() {
    let tree = shipped_lessons();
    let mut pictures = BTreeSet::new();
    for lesson in tree.lessons() {
        for lang in LANGS {
            for step in &lesson.text.get(&Lang::new(lang)).steps {
                pictures.extend(step.picture.clone());
            }
        }
    }
    assert!(pictures.len() >= 20, "only {} pictures", pictures.len());
    for png in pictures {
        let svg_path = png.with_extension("svg");
        let svg = std::fs::read_to_string(&svg_path)
            .unwrap_or_else(|e| panic!("{}: no drawing beside it: {e}", png.display()));
        let sizes = font_sizes(&svg);
        assert!(
            !sizes.is_empty(),
            "{}: no text size found",
            svg_path.display()
        );
        let small: Vec<f64> = sizes.into_iter().filter(|&px| px < 24.0).collect();
        assert!(
            small.is_empty(),
            "{}: text under 24 px: {small:?}",
            svg_path.display()
        );
    }
}

#[test]
fn english_lessons_show_the_english_card_where_there_is_one() {
    let tree = shipped_lessons();
    let mut english_cards = 0;
    for lesson in tree.lessons() {
        let vi = lesson.text.get(&Lang::new("vi"));
        let en = lesson.text.get(&Lang::new("en"));
        for (n, (a, b)) in vi.steps.iter().zip(&en.steps).enumerate() {
            let (Some(a), Some(b)) = (&a.picture, &b.picture) else {
                continue;
            };
            let english = a.with_extension("en.png");
            if english.is_file() {
                english_cards += 1;
                assert_eq!(b, &english, "{} step {}", lesson.id, n + 1);
            } else {
                assert_eq!(b, a, "{} step {}", lesson.id, n + 1);
            }
        }
    }
    assert!(
        english_cards >= 6,
        "only {english_cards} English cards in use"
    );
}

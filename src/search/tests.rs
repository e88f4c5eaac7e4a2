//! The index on a small hand-made tree: matching across marks, typing
//! mistakes, meaningless words, the refusal of weak matches, ranking.

use std::collections::BTreeMap;

use super::*;
use crate::lesson::{Lesson, LessonText, Localized, Question, Step, Topic};

struct Text<'a> {
    title: &'a str,
    summary: &'a str,
    keywords: &'a [&'a str],
    steps: &'a [(&'a str, &'a str)],
}

fn text(t: &Text) -> LessonText {
    LessonText {
        title: t.title.into(),
        summary: t.summary.into(),
        keywords: t.keywords.iter().map(|k| k.to_string()).collect(),
        steps: t
            .steps
            .iter()
            .map(|(heading, body)| Step {
                heading: Some(heading.to_string()),
                text: body.to_string(),
                tip: None,
                picture: None,
            })
            .collect(),
        quiz: vec![Question {
            text: "Bác nhớ chưa?".into(),
            options: vec!["Rồi".into(), "Chưa".into()],
            correct: 0,
            explanation: "Bác xem lại các bước nhé.".into(),
        }],
    }
}

fn lesson(id: &str, vi: Text, en: Text) -> Lesson {
    Lesson {
        id: id.into(),
        topic: "t".into(),
        version: "v1".into(),
        text: Localized::new(BTreeMap::from([
            ("vi".to_string(), text(&vi)),
            ("en".to_string(), text(&en)),
        ]))
        .unwrap(),
    }
}

fn tree() -> LessonTree {
    let lessons = vec![
        lesson(
            "install",
            Text {
                title: "Cài VNeID thật, đúng chỗ",
                summary: "Tải VNeID chỉ từ CH Play hoặc App Store",
                keywords: &["tải VNeID", "cài app"],
                steps: &[
                    ("Mở kho ứng dụng", "Bác mở \"CH Play\" trên điện thoại."),
                    ("Tìm VNeID", "Gõ chữ \"VNeID\" vào ô tìm kiếm."),
                ],
            },
            Text {
                title: "Install the real VNeID",
                summary: "Download VNeID only from CH Play or the App Store",
                keywords: &["install app"],
                steps: &[
                    ("Open the store", "Open \"CH Play\" on your phone."),
                    ("Find VNeID", "Type \"VNeID\" in the search box."),
                ],
            },
        ),
        lesson(
            "transfer",
            Text {
                title: "Chuyển tiền cho người thân",
                summary: "Chuyển khoản đúng người: số tài khoản, ngân hàng",
                keywords: &["chuyển khoản", "số tài khoản"],
                steps: &[
                    (
                        "Mở mục chuyển tiền",
                        "Bác mở ứng dụng ngân hàng, chọn \"Chuyển tiền\".",
                    ),
                    (
                        "Đọc tên hiện ra",
                        "Tên người nhận hiện ra. Bác đọc kỹ tên và giá tiền.",
                    ),
                ],
            },
            Text {
                title: "Send money to family",
                summary: "Send money to the right person: account number, bank",
                keywords: &["bank transfer"],
                steps: &[
                    (
                        "Open transfers",
                        "Open your bank app and choose \"Transfer\".",
                    ),
                    ("Read the name", "The receiver's name appears. Read it."),
                ],
            },
        ),
        lesson(
            "fake-police",
            Text {
                title: "Cuộc gọi giả danh công an",
                summary: "Nhận ra cuộc gọi giả công an đòi tiền, mã OTP",
                keywords: &["giả công an"],
                steps: &[
                    (
                        "Kẻ gian giả làm công an",
                        "Kẻ gian gọi điện, xưng là công an.",
                    ),
                    (
                        "Nhớ 4 điều vàng",
                        "Không đưa mã OTP. Không chuyển tiền cho người lạ.",
                    ),
                ],
            },
            Text {
                title: "Fake police calls",
                summary: "Spot fake police calls asking for money or OTP codes",
                keywords: &["scam call"],
                steps: &[
                    (
                        "Crooks pose as police",
                        "A crook calls and says he is the police.",
                    ),
                    (
                        "Remember the golden rules",
                        "Never give an OTP. Never send money to strangers.",
                    ),
                ],
            },
        ),
        lesson(
            "insurance",
            Text {
                title: "Thẻ BHYT trên VNeID",
                summary: "Xem thẻ bảo hiểm y tế trên điện thoại",
                keywords: &["bảo hiểm y tế", "thẻ BHYT"],
                steps: &[(
                    "Mở ví giấy tờ",
                    "Bác mở \"Ví giấy tờ\" và tìm thẻ bảo hiểm y tế.",
                )],
            },
            Text {
                title: "Health insurance card in VNeID",
                summary: "See your health insurance card on the phone",
                keywords: &["insurance card"],
                steps: &[(
                    "Open the wallet",
                    "Open the document wallet and find the card.",
                )],
            },
        ),
    ];
    let topic = Topic {
        id: "t".into(),
        icon: None,
        core: true,
        title: Localized::new(BTreeMap::from([
            ("vi".to_string(), "Kỹ năng số".to_string()),
            ("en".to_string(), "Digital skills".to_string()),
        ]))
        .unwrap(),
        summary: Localized::new(BTreeMap::from([("vi".to_string(), String::new())])).unwrap(),
        lessons: lessons.iter().map(|l| l.id.clone()).collect(),
    };
    LessonTree::from_parts(vec![topic], lessons)
}

fn top(index: &SearchIndex, question: &str) -> Option<String> {
    index.query(question).first().map(|h| h.lesson.clone())
}

#[test]
fn finds_a_lesson_with_or_without_marks() {
    let index = SearchIndex::build(&tree());
    for q in [
        "Làm sao để cài VNeID vậy con?",
        "lam sao de cai vneid vay con",
        "LÀM SAO CÀI VNEID",
        "caif vneid",
        "how do I install vneid",
    ] {
        assert_eq!(top(&index, q).as_deref(), Some("install"), "{q}");
    }
    for q in [
        "chuyển khoản",
        "chuyeenr khoanr",
        "chuye63n khoa3n",
        "chuyen tien cho con",
    ] {
        assert_eq!(top(&index, q).as_deref(), Some("transfer"), "{q}");
    }
}

#[test]
fn decomposed_text_finds_the_same() {
    use unicode_normalization::UnicodeNormalization;
    let index = SearchIndex::build(&tree());
    let nfc = "thẻ bảo hiểm y tế";
    let nfd: String = nfc.nfd().collect();
    assert_eq!(index.query(nfc), index.query(&nfd));
    assert_eq!(top(&index, &nfd).as_deref(), Some("insurance"));
}

#[test]
fn tolerates_typing_mistakes() {
    let index = SearchIndex::build(&tree());
    // A letter swapped, missing, doubled; words split and run together.
    for q in [
        "cai vnied",
        "cai vneidd",
        "cai vnid",
        "cai vn eid",
        "taivneid",
    ] {
        assert_eq!(top(&index, q).as_deref(), Some("install"), "{q}");
    }
    assert_eq!(top(&index, "chuyenkhoan").as_deref(), Some("transfer"));
    // A wrong tone on one word still finds the lesson.
    assert_eq!(top(&index, "chuyễn khoản").as_deref(), Some("transfer"));
}

#[test]
fn meaningless_words_change_nothing() {
    let index = SearchIndex::build(&tree());
    let plain = index.query("cài vneid");
    assert!(!plain.is_empty());
    assert_eq!(
        index.query("bác ơi cho cháu hỏi cài vneid như thế nào ạ"),
        plain
    );
    assert_eq!(index.query("cài vneid được không vậy con"), plain);
}

#[test]
fn greetings_and_unrelated_questions_get_no_lesson() {
    let index = SearchIndex::build(&tree());
    for q in ["alo", "dạ vâng", "ok", "🙏", "", "cảm ơn cháu nhé"] {
        assert!(index.query(q).is_empty(), "{q:?}");
    }
    // "giá vàng" is neither "giả" nor the "4 điều vàng".
    for q in [
        "giá vàng hôm nay",
        "thời tiết ngày mai",
        "cách nấu canh chua",
        "weather tomorrow",
    ] {
        assert_eq!(index.query(q), [], "{q:?}");
    }
}

#[test]
fn marks_tell_words_apart() {
    let index = SearchIndex::build(&tree());
    // "giả" (fake) is in a title, "giá" (price) in another lesson's step.
    assert_eq!(top(&index, "giả").as_deref(), Some("fake-police"));
    assert!(index.query("giá").iter().all(|h| h.lesson != "fake-police"));
    // Typed without marks, either may be meant.
    assert_eq!(top(&index, "gia").as_deref(), Some("fake-police"));
}

#[test]
fn hits_are_few_ordered_and_scored() {
    let index = SearchIndex::build(&tree());
    let hits = index.query("vneid");
    assert!(!hits.is_empty() && hits.len() <= MAX_HITS);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.iter().all(|h| h.score > 0.0 && h.score <= 1.0));
    // The lesson about installing VNeID has it in its title and keywords.
    assert!(hits.iter().any(|h| h.lesson == "install"));
}

#[test]
fn an_empty_tree_answers_nothing() {
    let index = SearchIndex::build(&LessonTree::default());
    assert_eq!(index.query("cài vneid"), []);
}

//! The word lists search leans on, all in folded form (no marks, lower
//! case): words that carry no meaning in a question (Vietnamese and
//! English), greetings and filler, the short forms people type on phones,
//! common English words (so they are not taken for telex), and loan words
//! both languages share.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// Vietnamese words that carry no meaning in a question, as written:
/// pronouns and forms of address, particles, question words, "can / want /
/// help". In a text typed with marks they are compared as written, so
/// "mấy" (how many) goes and "máy" (machine) stays.
const VI_STOP: &[&str] = &[
    "à", "ạ", "á", "ả", "ai", "ah", "ak", "anh", "ấy", "bà", "bác", "bên", "bị", "biết", "các",
    "cách", "cái", "cần", "cháu", "chị", "cho", "chứ", "có", "cô", "còn", "con", "của", "cũng",
    "cụ", "dùm", "đã", "đang", "đâu", "đây", "đấy", "để", "đến", "đi", "đó", "được", "em", "giùm",
    "giúp", "gì", "hả", "hay", "hen", "hết", "hở", "hoặc", "hỏi", "khi", "không", "kia", "là",
    "lại", "lên", "luôn", "mà", "mấy", "mình", "mới", "một", "muốn", "nà", "này", "nay", "nào",
    "nè", "nếu", "nên", "nha", "nhé", "nhỉ", "nhiều", "như", "nhưng", "những", "nữa", "ở", "ơi",
    "ông", "phải", "ra", "rồi", "sao", "sẽ", "tại", "thế", "thêm", "thì", "tôi", "trên", "trong",
    "từ", "u", "uh", "và", "vẫn", "vậy", "về", "vì", "vừa", "với", "xin", "xong", "xuống",
    // Phone makers: lessons are the same on every phone, so naming one says
    // nothing about which lesson is wanted (iPhone and Android do: the
    // stores differ, and lessons name them).
    "galaxy", "huawei", "nokia", "oppo", "realme", "redmi", "samsung", "vivo", "xiaomi",
];

/// Folded forms shared by a meaningless word and a common content word:
/// in a text typed without marks they are kept, since "can cuoc" is căn
/// cước and "the bhyt" thẻ BHYT.
const SHARED_FORMS: &[&str] = &[
    "anh", "cai", "can", "dang", "dau", "lai", "lo", "ma", "may", "tai", "the", "tu", "vang", "vi",
];

/// Word pairs typed without marks in which a usually meaningless word is
/// meant ("vay tien" is borrowing money, "nguoi la" a stranger).
const KEPT_PAIRS: &[&str] = &[
    "app la", "cho so", "cho vay", "di cho", "dich la", "dung la", "goi la", "link la", "nguoi la",
    "nhan la", "o cho", "sao ke", "so la", "trang la", "vay tien", "web la",
];

/// Several-word phrases with no meaning of their own ("làm sao", "như thế
/// nào", "hôm nay"), removed before single words. Longest first matters
/// only within a shared start, which the matcher handles.
const VI_STOP_PHRASES: &[&str] = &[
    "bao gio",
    "bao lau",
    "khi nao",
    "bao nhieu",
    "bay gio",
    "co sao",
    "cho hoi",
    "chi cho",
    "chi giup",
    "co duoc khong",
    "co khong",
    "co phai",
    "duoc khong",
    "dung khong",
    "giup do",
    "hom nay",
    "hom qua",
    "huong dan",
    "la gi",
    "la sao",
    "lam cach nao",
    "lam gi",
    "lam on",
    "lam sao",
    "lam the nao",
    "luc nao",
    "luc nay",
    "muon hoi",
    "ngay mai",
    "nguoi ta",
    "nhu the nao",
    "nhu vay",
    "o dau",
    "phai khong",
    "ra sao",
    "sao lai",
    "tai sao",
    "the nao",
    "the nay",
    "thang nay",
    "thang sau",
    "thang truoc",
    "tuan nay",
    "nam nay",
    "vi sao",
    "vua nay",
    "hoi nay",
    "ban nay",
    "vui long",
    "xin hoi",
];

/// English words with no meaning in a question.
const EN_STOP: &[&str] = &[
    "a",
    "about",
    "again",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anything",
    "are",
    "as",
    "at",
    "be",
    "been",
    "but",
    "by",
    "can",
    "cant",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doesnt",
    "dont",
    "for",
    "from",
    "get",
    "go",
    "got",
    "had",
    "has",
    "have",
    "he",
    "hello",
    "help",
    "her",
    "here",
    "hey",
    "hi",
    "him",
    "his",
    "how",
    "i",
    "if",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "just",
    "know",
    "let",
    "ll",
    "m",
    "may",
    "me",
    "might",
    "mine",
    "more",
    "much",
    "must",
    "my",
    "need",
    "no",
    "not",
    "now",
    "of",
    "ok",
    "okay",
    "on",
    "or",
    "our",
    "out",
    "please",
    "pls",
    "re",
    "s",
    "shall",
    "she",
    "should",
    "show",
    "so",
    "some",
    "someone",
    "something",
    "still",
    "t",
    "tell",
    "than",
    "thank",
    "thanks",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "this",
    "those",
    "to",
    "too",
    "up",
    "us",
    "ve",
    "very",
    "wanna",
    "want",
    "was",
    "way",
    "we",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "which",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "yes",
    "yet",
    "you",
    "your",
];

/// Common English words shaped like Vietnamese syllables or telex ("how",
/// "news", "door"): never "repaired", and a sign that a text is English.
const EN_COMMON: &[&str] = &[
    "air", "bar", "bee", "box", "bus", "car", "chair", "door", "down", "gas", "goes", "law", "low",
    "max", "mix", "moon", "new", "news", "nor", "pay", "per", "poor", "saw", "see", "seen", "sir",
    "six", "soon", "tax", "teen", "thus", "town", "tree",
];

/// Words both languages use for the same thing (brands, "app", "OTP"):
/// they say nothing about which language a text is in.
const LOANWORDS: &[&str] = &[
    "3g",
    "4g",
    "5g",
    "agribank",
    "android",
    "app",
    "appstore",
    "bhxh",
    "bhyt",
    "bidv",
    "camera",
    "cccd",
    "chplay",
    "cmnd",
    "code",
    "eid",
    "email",
    "facebook",
    "faceid",
    "fb",
    "gmail",
    "google",
    "id",
    "internet",
    "iphone",
    "link",
    "mbbank",
    "momo",
    "oke",
    "online",
    "otp",
    "passcode",
    "qr",
    "selfie",
    "shopee",
    "sms",
    "tiktok",
    "video",
    "vietcombank",
    "vietinbank",
    "vietqr",
    "viettel",
    "vn",
    "vneid",
    "vnpay",
    "vssid",
    "web",
    "website",
    "wifi",
    "youtube",
    "zalo",
    "zalopay",
];

/// Greetings, thanks and filler, as written: a message made only of these
/// (and meaningless words) asks nothing.
const FILLERS: &[&str] = &[
    "alo", "alô", "allo", "aloo", "bye", "chào", "chúc", "dạ", "good", "haha", "hehe", "hello",
    "helo", "hey", "hi", "hic", "hihi", "hii", "huhu", "kk", "kkk", "lô", "morning", "ok", "oke",
    "okay", "okela", "oki", "okie", "test", "thank", "thanks", "thx", "tks", "ty", "ừ", "ừm",
    "uhm", "uk", "um", "vâng", "ờ",
];

const FILLER_PHRASES: &[&str] = &["a lo", "cam on", "da vang", "tam biet", "xin chao"];

/// Short forms typed on phones, and what they stand for (folded).
const SHORT_FORMS: &[(&str, &str)] = &[
    ("bn", "bao nhieu"),
    ("ck", "chuyen khoan"),
    ("cx", "cung"),
    ("dc", "duoc"),
    ("dt", "dien thoai"),
    ("dthoai", "dien thoai"),
    ("dvc", "dich vu cong"),
    ("hok", "khong"),
    ("j", "gi"),
    ("k", "khong"),
    ("kg", "khong"),
    ("kh", "khong"),
    ("khg", "khong"),
    ("ko", "khong"),
    ("mk", "mat khau"),
    ("ng", "nguoi"),
    ("ngta", "nguoi ta"),
    ("nh", "ngan hang"),
    ("ntn", "nhu the nao"),
    ("pass", "mat khau"),
    ("r", "roi"),
    ("sdt", "so dien thoai"),
    ("stk", "so tai khoan"),
    ("tk", "tai khoan"),
    ("tn", "tin nhan"),
    ("trc", "truoc"),
    ("vs", "voi"),
    ("z", "vay"),
];

fn set(words: &[&'static str]) -> HashSet<&'static str> {
    words.iter().copied().collect()
}

fn folded(words: &[&str]) -> HashSet<String> {
    words.iter().map(|w| crate::search::normalize(w)).collect()
}

static VI_STOP_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(VI_STOP));
static VI_STOP_FOLDED: LazyLock<HashSet<String>> = LazyLock::new(|| folded(VI_STOP));
static FILLER_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(FILLERS));
static FILLER_FOLDED: LazyLock<HashSet<String>> = LazyLock::new(|| folded(FILLERS));
static SHARED_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(SHARED_FORMS));
static KEPT_PAIR_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(KEPT_PAIRS));
static EN_STOP_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(EN_STOP));
static EN_COMMON_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(EN_COMMON));
static LOANWORD_SET: LazyLock<HashSet<&str>> = LazyLock::new(|| set(LOANWORDS));
static SHORT_FORM_MAP: LazyLock<HashMap<&str, &str>> =
    LazyLock::new(|| SHORT_FORMS.iter().copied().collect());

/// How a text was typed, which decides how its words are compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reading {
    /// The text has Vietnamese marks: words are compared as written.
    pub marked: bool,
    pub english: bool,
    /// For telling whether a text asks anything at all: shared forms
    /// ("vang", "lo") count as meaningless too.
    pub broad: bool,
}

/// Whether a word (`written` lower case as typed, `folded`) carries no
/// meaning in a question.
pub(super) fn is_meaningless(written: &str, folded: &str, reading: Reading) -> bool {
    if reading.english && EN_STOP_SET.contains(folded) {
        return true;
    }
    if reading.marked {
        return VI_STOP_SET.contains(written) || FILLER_SET.contains(written);
    }
    (VI_STOP_FOLDED.contains(folded) || FILLER_FOLDED.contains(folded))
        && (reading.broad || !SHARED_SET.contains(folded))
}

/// A pair of folded words to keep even when one of them is usually
/// meaningless.
pub(super) fn is_kept_pair(first: &str, second: &str) -> bool {
    KEPT_PAIR_SET.contains(format!("{first} {second}").as_str())
}

pub(super) fn is_english(w: &str) -> bool {
    EN_STOP_SET.contains(w) || EN_COMMON_SET.contains(w)
}

pub(super) fn is_loanword(w: &str) -> bool {
    LOANWORD_SET.contains(w)
}

pub(super) fn expand_short_form(w: &str) -> Option<&'static str> {
    SHORT_FORM_MAP.get(w).copied()
}

pub(super) fn vi_stop_phrases() -> impl Iterator<Item = &'static str> {
    VI_STOP_PHRASES.iter().copied()
}

pub(super) fn filler_phrases() -> impl Iterator<Item = &'static str> {
    FILLER_PHRASES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::fold::{is_syllable, repair_keys};

    /// The folded lists hold folded words, or matching would silently miss
    /// them; the written lists hold words as typed (lower case, NFC).
    #[test]
    fn lists_are_in_their_form() {
        let folded_lists = EN_STOP
            .iter()
            .chain(EN_COMMON)
            .chain(LOANWORDS)
            .chain(SHARED_FORMS)
            .chain(KEPT_PAIRS)
            .chain(VI_STOP_PHRASES)
            .chain(FILLER_PHRASES)
            .chain(SHORT_FORMS.iter().flat_map(|(a, b)| [a, b]));
        for w in folded_lists {
            assert_eq!(crate::search::normalize(w), *w, "{w}");
        }
        for w in VI_STOP.iter().chain(FILLERS) {
            let written: String = unicode_normalization::UnicodeNormalization::nfc(*w)
                .flat_map(char::to_lowercase)
                .collect();
            assert_eq!(&written, w);
        }
        for w in SHARED_FORMS {
            assert!(
                VI_STOP_FOLDED.contains(*w) || FILLER_FOLDED.contains(*w),
                "{w}"
            );
        }
    }

    /// The common-English list exists for words that look Vietnamese or
    /// would be changed by the telex repair; a word that is neither does not
    /// need to be listed.
    #[test]
    fn common_english_words_are_there_for_a_reason() {
        for w in EN_COMMON {
            assert!(is_syllable(w) || repair_keys(w).is_some(), "{w}");
        }
    }

    fn plain(w: &str) -> bool {
        let reading = Reading {
            marked: false,
            english: false,
            broad: false,
        };
        is_meaningless(w, w, reading)
    }

    fn written(w: &str) -> bool {
        let reading = Reading {
            marked: true,
            english: false,
            broad: false,
        };
        is_meaningless(w, &crate::search::normalize(w), reading)
    }

    #[test]
    fn marks_tell_meaningless_words_from_content_words() {
        assert!(written("mấy") && !written("máy"));
        assert!(written("thế") && !written("thẻ"));
        assert!(written("mà") && !written("mã"));
        assert!(written("vậy") && !written("vay"));
        assert!(written("đang") && !written("đăng"));
        assert!(written("vâng") && !written("vàng"));
        // Without marks, a form shared with a content word stays.
        for w in [
            "ma", "the", "dang", "tai", "vi", "tu", "cai", "can", "may", "vang", "lai",
        ] {
            assert!(!plain(w), "{w}");
        }
        for w in [
            "vay", "con", "chau", "oi", "a", "nhe", "gi", "khong", "duoc", "alo",
        ] {
            assert!(plain(w), "{w}");
        }
    }
}

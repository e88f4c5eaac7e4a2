//! From text to search terms: folded words, short forms spelt out, words
//! without meaning dropped, English words stemmed. The same steps run over
//! lesson texts and over questions, so both sides meet on the same terms.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::fold::{self, Word};
use super::words;

/// One meaningful word of a text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Term {
    /// Folded (and, in English, stemmed): what is matched.
    pub text: String,
    /// Folded, before stemming: what a typing mistake is looked up by.
    pub unstemmed: String,
    /// The word as written when it carried Vietnamese marks.
    pub marked: Option<String>,
}

impl Term {
    /// A word made by search itself (two typed words joined, or one split).
    pub fn plain(text: String) -> Term {
        Term {
            unstemmed: text.clone(),
            text,
            marked: None,
        }
    }
}

/// Which words count as meaningless depends on the language: "the" is an
/// English article but also "thẻ" (card) without its marks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Language {
    Vietnamese,
    English,
    /// A question: told from its words.
    Guess,
}

/// Meaningless phrases as word lists, by their first word.
static PHRASES: LazyLock<HashMap<&str, Vec<Vec<&str>>>> = LazyLock::new(|| {
    let mut by_first: HashMap<&str, Vec<Vec<&str>>> = HashMap::new();
    for phrase in words::vi_stop_phrases().chain(words::filler_phrases()) {
        let words: Vec<&str> = phrase.split(' ').collect();
        by_first.entry(words[0]).or_default().push(words);
    }
    by_first
});

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// The terms of `text`, cut into runs at punctuation: word pairs are only
/// formed inside a run, so "Tin nhắn, link" pairs "tin nhan" but not
/// "nhan link".
pub(super) fn analyze(text: &str, language: Language) -> Vec<Vec<Term>> {
    analyze_with(text, language, false)
}

fn analyze_with(text: &str, language: Language, broad: bool) -> Vec<Vec<Term>> {
    let english = match language {
        Language::Vietnamese => false,
        Language::English => true,
        Language::Guess => fold::reads_as_english(&fold::words_as_typed(text)),
    };
    let reading = words::Reading {
        marked: fold::has_marks(text),
        english,
        broad,
    };
    text.split(is_break)
        .map(|run| terms_of_run(run, reading))
        .filter(|run| !run.is_empty())
        .collect()
}

fn is_break(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\n' | '(' | ')' | '"' | '“' | '”' | '…' | '–' | '—'
    )
}

fn terms_of_run(run: &str, reading: words::Reading) -> Vec<Term> {
    let mut words = fold::words_as_typed(run);
    if !reading.english {
        fold::repair_all(&mut words);
    }
    let words = spell_out(words);
    let mut keep = drop_phrases(&words);
    for (i, word) in words.iter().enumerate() {
        let written = word.marked.as_deref().unwrap_or(&word.folded);
        if keep[i] && words::is_meaningless(written, &word.folded, reading) {
            let paired = |j: usize, k: usize| {
                !reading.marked && words::is_kept_pair(&words[j].folded, &words[k].folded)
            };
            keep[i] = (i > 0 && paired(i - 1, i)) || (i + 1 < words.len() && paired(i, i + 1));
        }
    }
    words
        .into_iter()
        .zip(keep)
        .filter(|(_, keep)| *keep)
        .map(|(w, _)| Term {
            text: if reading.english {
                stem(&w.folded)
            } else {
                w.folded.clone()
            },
            unstemmed: w.folded,
            marked: w.marked,
        })
        .collect()
}

/// Short forms ("ko", "tk", "sdt") become the words they stand for.
fn spell_out(words: Vec<Word>) -> Vec<Word> {
    let mut out = Vec::with_capacity(words.len());
    for word in words {
        match words::expand_short_form(&word.folded).filter(|_| word.marked.is_none()) {
            Some(long) => out.extend(long.split(' ').map(|w| Word {
                folded: w.to_string(),
                marked: None,
            })),
            None => out.push(word),
        }
    }
    out
}

/// Marks the words that belong to a meaningless phrase ("làm sao", "cảm ơn")
/// as dropped; the longest phrase at each position wins.
fn drop_phrases(words: &[Word]) -> Vec<bool> {
    let mut keep = vec![true; words.len()];
    let mut i = 0;
    while i < words.len() {
        let longest = PHRASES
            .get(words[i].folded.as_str())
            .into_iter()
            .flatten()
            .filter(|p| {
                p.len() <= words.len() - i && p.iter().zip(&words[i..]).all(|(a, b)| *a == b.folded)
            })
            .map(|p| p.len())
            .max();
        match longest {
            Some(n) => {
                keep[i..i + n].iter_mut().for_each(|k| *k = false);
                i += n;
            }
            None => i += 1,
        }
    }
    keep
}

/// English words are stemmed ("transfers", "transferring" → "transfer");
/// Vietnamese syllables and names never are: they have no endings, and the
/// stemmer would mangle them ("vneid" is no plural).
fn stem(w: &str) -> String {
    if fold::is_syllable(w) || words::is_loanword(w) || !w.bytes().any(|b| b.is_ascii_alphabetic())
    {
        w.to_string()
    } else {
        ENGLISH.stem(w).into_owned()
    }
}

/// Whether a text asks anything: false when only greetings, thanks, filler,
/// meaningless words, numbers or emojis are left ("alo", "ạ", "dạ vâng",
/// "ok", "🙏"). Such a message is not a question to search for or count.
pub fn is_meaningful(text: &str) -> bool {
    analyze_with(text, Language::Guess, true)
        .iter()
        .flatten()
        .any(|t| t.text.bytes().any(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(text: &str) -> Vec<String> {
        analyze(text, Language::Guess)
            .into_iter()
            .flatten()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn meaningless_words_weigh_nothing() {
        assert_eq!(flat("làm sao để cài vneid vậy con"), ["cai", "vneid"]);
        assert_eq!(flat("lam sao de cai vneid vay con"), ["cai", "vneid"]);
        assert_eq!(
            flat("Bác ơi cho cháu hỏi chuyển tiền như thế nào ạ"),
            ["chuyen", "tien"]
        );
        assert_eq!(
            flat("mình quên mật khẩu thì phải làm gì nhé"),
            ["quen", "mat", "khau"]
        );
        assert_eq!(flat("giúp tôi cài VNeID được không"), ["cai", "vneid"]);
        assert_eq!(
            flat("How do I install the VNeID app?"),
            ["instal", "vneid", "app"]
        );
    }

    #[test]
    fn content_words_that_look_like_stop_words_stay_in_vietnamese() {
        // "the" is thẻ (card) here, "ma" is mã (code).
        assert_eq!(flat("the bao hiem y te"), ["the", "bao", "hiem", "y", "te"]);
        assert_eq!(flat("ma otp la gi"), ["ma", "otp"]);
        assert_eq!(flat("dang nhap"), ["dang", "nhap"]);
    }

    #[test]
    fn short_forms_are_spelt_out() {
        assert_eq!(
            flat("quen mk tk ngan hang"),
            ["quen", "mat", "khau", "tai", "khoan", "ngan", "hang"]
        );
        assert_eq!(flat("ko nhan dc ma otp"), ["nhan", "ma", "otp"]);
        assert_eq!(flat("sdt"), ["so", "dien", "thoai"]);
    }

    #[test]
    fn english_words_are_stemmed_and_syllables_are_not() {
        assert_eq!(flat("transferring money"), ["transfer", "money"]);
        assert_eq!(flat("fake calls"), ["fake", "call"]);
        assert_eq!(flat("thuong nguoi"), ["thuong", "nguoi"]);
    }

    #[test]
    fn runs_break_at_punctuation() {
        let runs = analyze("Tin nhắn, link giả", Language::Vietnamese);
        assert_eq!(runs.len(), 2);
    }

    #[test]
    fn greetings_and_filler_are_not_questions() {
        for text in [
            "alo",
            "Alô",
            "ạ",
            "dạ vâng",
            "ok",
            "Oke ạ",
            "😊🙏",
            "",
            "  ",
            "cảm ơn con nhé",
            "123",
            "xin chào",
            "hi",
            "thanks!",
        ] {
            assert!(!is_meaningful(text), "{text:?}");
        }
        for text in [
            "vneid",
            "alo cho hỏi cài vneid",
            "ma otp",
            "giá vàng",
            "how to pay bills",
        ] {
            assert!(is_meaningful(text), "{text:?}");
        }
    }
}

//! Folding typed text into plain words: case, Unicode forms, tones and marks,
//! `đ`, punctuation, and the telex/VNI keys left in text typed without a
//! Vietnamese keyboard. Knows nothing of lessons or ranking.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::words;

/// One word of typed text: its folded form and, when the writer put marks on
/// it, the word as written (lower case, NFC), so "giá" (price) and "giả"
/// (fake) can still be told apart.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Word {
    pub folded: String,
    pub marked: Option<String>,
}

/// Splits and folds `text`. Telex and VNI leftovers are repaired unless the
/// text reads as English (then "how" stays "how", not the telex "hơ").
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = words_as_typed(text);
    if !reads_as_english(&out) {
        repair_all(&mut out);
    }
    out
}

/// Splits and folds `text`, leaving telex and VNI keys as they are.
pub(super) fn words_as_typed(text: &str) -> Vec<Word> {
    let lower: String = text.nfc().flat_map(char::to_lowercase).collect();
    lower
        .split(|c: char| !(c.is_alphanumeric() || is_combining_mark(c)))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let folded = fold_word(w);
            let marked = (folded != w).then(|| w.to_string());
            Word { folded, marked }
        })
        .filter(|w| !w.folded.is_empty())
        .collect()
}

/// Repairs the telex and VNI leftovers among `words`, except common English
/// words.
pub(super) fn repair_all(words: &mut [Word]) {
    for word in words.iter_mut().filter(|w| w.marked.is_none()) {
        if !words::is_english(&word.folded)
            && let Some(fixed) = repair_keys(&word.folded)
        {
            word.folded = fixed;
        }
    }
}

/// The folded form of a whole text: what matching uses, and the key under
/// which unanswered questions are counted.
pub fn normalize(text: &str) -> String {
    words(text)
        .into_iter()
        .map(|w| w.folded)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `text` has any Vietnamese mark (tone, vowel mark or `đ`).
pub(super) fn has_marks(text: &str) -> bool {
    !text.is_ascii()
        && text
            .nfd()
            .any(|c| is_combining_mark(c) || matches!(c, 'đ' | 'Đ' | 'ð'))
}

/// Strips tones and vowel marks (whatever the Unicode form), maps `đ` to `d`.
fn fold_word(word: &str) -> String {
    if word.is_ascii() {
        return word.to_string();
    }
    word.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'ð' => 'd',
            other => other,
        })
        .collect()
}

/// A text is English when it has no Vietnamese marks and more of its words
/// are English (known English words, or words no Vietnamese syllable looks
/// like) than Vietnamese-shaped ones.
pub(super) fn reads_as_english(words: &[Word]) -> bool {
    if words.iter().any(|w| w.marked.is_some()) {
        return false;
    }
    let (mut english, mut vietnamese) = (0, 0);
    for word in words {
        let w = word.folded.as_str();
        if w.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if words::is_english(w) {
            english += 1;
        } else if is_syllable(w)
            || repair_keys(w).is_some()
            || words::expand_short_form(w).is_some()
        {
            vietnamese += 1;
        } else if !words::is_loanword(w) {
            english += 1;
        }
    }
    english > vietnamese
}

/// Tone keys of the telex method: sắc, huyền, hỏi, ngã, nặng.
const TONE_KEYS: &[u8] = b"sfrxj";

/// The syllable a telex or VNI leftover stands for, folded: "chuyeenr" →
/// "chuyen", "ddawngf" → "dang", "khoa3n" → "khoan". `None` when `word` is
/// already a syllable or no repair makes one (then it is left alone: an
/// English word or a name).
pub(super) fn repair_keys(word: &str) -> Option<String> {
    if !word
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        || is_syllable(word)
    {
        return None;
    }
    let has_letter = word.bytes().any(|b| b.is_ascii_lowercase());
    let fixed = if word.bytes().any(|b| b.is_ascii_digit()) {
        // VNI: 1–5 are tones, 6–9 marks; a digit only counts after a letter.
        if !has_letter || word.as_bytes()[0].is_ascii_digit() || word.contains('0') {
            return None;
        }
        word.chars().filter(|c| !c.is_ascii_digit()).collect()
    } else {
        repair_telex(word)
    };
    (fixed != word && is_syllable(&fixed)).then_some(fixed)
}

fn repair_telex(word: &str) -> String {
    let mut w = word.to_string();
    // The tone key, typed last or between the vowels and the final consonant.
    if w.len() > 1 && TONE_KEYS.contains(&w.as_bytes()[w.len() - 1]) {
        w.pop();
    } else if let Some(pos) = tone_key_before_final(&w) {
        w.remove(pos);
    }
    if let Some(rest) = w.strip_prefix("dd") {
        w = format!("d{rest}");
    }
    // "w" after a vowel (aw, ow, uw, uow) only adds a mark; alone after a
    // consonant it is the letter ư itself.
    let mut out = String::with_capacity(w.len());
    for c in w.chars() {
        if c == 'w' {
            if out.chars().any(is_vowel) {
                continue;
            }
            out.push('u');
        } else {
            out.push(c);
        }
    }
    // One doubled vowel (aa, ee, oo) is a circumflex.
    for double in ["aa", "ee", "oo"] {
        if let Some(pos) = out.find(double) {
            out.remove(pos);
            break;
        }
    }
    out
}

fn tone_key_before_final(w: &str) -> Option<usize> {
    let bytes = w.as_bytes();
    // Not "s" before "t": that is English ("test", "post", "list").
    (1..bytes.len().saturating_sub(1)).find(|&i| {
        TONE_KEYS.contains(&bytes[i])
            && !(bytes[i] == b's' && bytes[i + 1] == b't')
            && is_vowel(bytes[i - 1] as char)
            && FINALS.contains(&&w[i + 1..])
            && !w[i + 1..].is_empty()
    })
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Initial consonants of Vietnamese syllables, folded ("gi" and "qu" are
/// read as "g" and "q" before a vowel).
const ONSETS: &[&str] = &[
    "ngh", "ch", "gh", "kh", "ng", "nh", "ph", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m",
    "n", "p", "r", "s", "t", "v", "x", "",
];
/// Final consonants, longest first ("" for an open syllable).
const FINALS: &[&str] = &["ch", "ng", "nh", "c", "m", "n", "p", "t", ""];
/// Vowel groups that end an open syllable only (their last letter is a glide).
const OPEN_VOWELS: &[&str] = &[
    "ai", "ao", "au", "ay", "eo", "eu", "ia", "iu", "oi", "ui", "uu", "oai", "oao", "oay", "oeo",
    "uoi", "uou", "uay", "uya", "uyu", "yeu", "ieu",
];
/// Vowel groups that need a final consonant.
const CLOSED_VOWELS: &[&str] = &["ie", "uo", "ye", "uye", "oo"];
/// Vowel groups found both ways.
const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "y", "oa", "oe", "ua", "ue", "uy"];

/// Whether a folded word has the shape of one Vietnamese syllable: an
/// initial consonant (or none), a vowel group, a final consonant (or none).
/// Linear in the word: it runs on every word of every lesson at start.
pub(super) fn is_syllable(w: &str) -> bool {
    if w.is_empty() || !w.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let consonants = w.bytes().take_while(|&b| !is_vowel(b as char)).count();
    let (onset, rime) = w.split_at(consonants);
    match onset {
        // "qu" takes its "u"; "gi" may take its "i" ("gìn" = gi + in, or
        // "gia" = g + ia: either reading will do).
        "q" => rime.strip_prefix('u').is_some_and(is_rime),
        "g" if rime.starts_with('i') => is_rime(rime) || is_rime(&rime[1..]),
        _ => ONSETS.contains(&onset) && is_rime(rime),
    }
}

fn is_rime(rime: &str) -> bool {
    let vowels = rime.bytes().take_while(|&b| is_vowel(b as char)).count();
    let (group, last) = rime.split_at(vowels);
    if group.is_empty() {
        return false;
    }
    if last.is_empty() {
        OPEN_VOWELS.contains(&group) || VOWELS.contains(&group)
    } else {
        FINALS.contains(&last) && (CLOSED_VOWELS.contains(&group) || VOWELS.contains(&group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_tones_marks_and_d() {
        assert_eq!(normalize("Chuyển KHOẢN"), "chuyen khoan");
        assert_eq!(normalize("Đăng nhập"), "dang nhap");
        assert_eq!(normalize("ĐỊNH DANH điện tử"), "dinh danh dien tu");
        assert_eq!(normalize("mã OTP"), normalize("ma otp"));
        assert_eq!(normalize("VNeID"), "vneid");
    }

    #[test]
    fn nfc_and_nfd_fold_alike() {
        let nfc = "Quên mật khẩu thì làm thế nào?";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        assert_eq!(normalize(nfc), normalize(&nfd));
        assert_eq!(normalize(&nfd), "quen mat khau thi lam the nao");
        // Marks are kept for telling words apart, in NFC whatever came in.
        assert_eq!(words(&nfd)[1].marked.as_deref(), Some("mật"));
    }

    #[test]
    fn punctuation_emoji_and_spaces_are_separators() {
        assert_eq!(
            normalize("  alo!!! cho hỏi…  😊🙏 vneid??"),
            "alo cho hoi vneid"
        );
        assert_eq!(normalize("v-neid"), "v neid");
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("🙏🙏"), "");
    }

    #[test]
    fn telex_leftovers_are_repaired() {
        assert_eq!(normalize("chuyeenr khoanr"), "chuyen khoan");
        assert_eq!(normalize("ddawng nhaapj"), "dang nhap");
        assert_eq!(normalize("queen maatj khaaur"), "quen mat khau");
        assert_eq!(normalize("tieenf ddieenj"), "tien dien");
        assert_eq!(normalize("dduwowngf link"), "duong link");
        assert_eq!(normalize("khoarn"), "khoan");
        assert_eq!(normalize("cais vneid"), "cai vneid");
    }

    #[test]
    fn vni_leftovers_are_repaired() {
        assert_eq!(normalize("chuye63n khoa3n"), "chuyen khoan");
        assert_eq!(normalize("d9a8ng nha65p"), "dang nhap");
        // Digits alone, or leading, are numbers.
        assert_eq!(normalize("mức 2"), "muc 2");
        assert_eq!(normalize("4g"), "4g");
    }

    #[test]
    fn english_and_names_are_not_taken_for_telex() {
        assert_eq!(normalize("how to send money"), "how to send money");
        assert_eq!(
            normalize("links apps vneid zalo otp"),
            "links apps vneid zalo otp"
        );
        // Inside Vietnamese text, common English words stay too.
        assert_eq!(normalize("cai app how"), "cai app how");
        assert_eq!(normalize("ok"), "ok");
    }

    #[test]
    fn syllable_shapes() {
        for ok in [
            "chuyen", "khoan", "nguoi", "the", "gi", "qua", "nghieng", "xoong", "khuya", "a", "y",
            "thuong", "gia",
        ] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in [
            "vneid", "zalo", "otp", "app", "link", "ok", "qu", "chuyenr", "khoai1",
        ] {
            assert!(!is_syllable(bad), "{bad}");
        }
    }
}

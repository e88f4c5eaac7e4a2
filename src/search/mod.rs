//! Search: a question typed in free text finds the lessons that answer it.
//!
//! Owns the index built once at start from the validated lesson tree (titles,
//! summaries, `keywords`, step headings and texts, quiz texts, topic titles,
//! in every language the tree has), the ranking, and the judgement of whether
//! a match is good enough to show: when it is not, `query` returns nothing,
//! and the bot offers a person instead of a wrong lesson. It also owns the
//! folded form of a text (`normalize`), under which unanswered questions are
//! counted. Pure: no I/O, no clock, nothing of chats or stores; it reads only
//! `crate::lesson`.
//!
//! Matching works on folded words (no case, tones or marks, `đ` = `d`,
//! telex/VNI leftovers repaired, short forms spelt out, English stemmed),
//! so "lam sao de cai vneid vay con" meets the lesson titled "Cài VNeID thật".
//! Where the learner did type marks, they still tell "giá" (price) from
//! "giả" (fake). Ranking is BM25 over words and word pairs, each field
//! weighted (titles and keywords most). A lesson is shown only when the
//! words it matches carry most of the question's meaning (weighted by how
//! rare each word is), and at least one of them is matched in a prominent
//! place (title, keywords, summary, a heading, or as a pair of words).

mod analyze;
mod fold;
mod words;

use std::collections::HashMap;

pub use analyze::is_meaningful;
pub use fold::normalize;

use crate::lesson::{BASE_LANG, LessonTree};
use analyze::{Language, Term, analyze};

/// At most this many lessons are offered for one question.
pub const MAX_HITS: usize = 3;

/// One lesson offered for a question. `score` is in (0, 1]: the share of
/// the question's meaning the lesson answers, and how prominently.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub lesson: String,
    pub score: f32,
}

/// Where a word stands in a lesson.
#[derive(Debug, Clone, Copy)]
enum Field {
    Title,
    Keyword,
    /// One word of a keyword of several words.
    KeywordPart,
    Summary,
    Topic,
    Heading,
    Body,
    Quiz,
}

impl Field {
    /// How much one occurrence adds to the lesson's term frequency.
    fn weight(self) -> f32 {
        match self {
            Field::Title => 5.0,
            Field::Keyword | Field::KeywordPart => 5.0,
            Field::Summary => 3.0,
            Field::Topic => 1.5,
            Field::Heading => 2.0,
            Field::Body => 1.0,
            Field::Quiz => 0.5,
        }
    }

    /// How strongly a word found here shows the lesson is about it: a word
    /// in the title or keywords is what the lesson is about, one in a quiz
    /// option may only be mentioned.
    fn strength(self) -> f32 {
        match self {
            Field::Title | Field::Keyword => 1.0,
            // "người cao tuổi dùng điện thoại" names its lesson as a whole:
            // "tuổi" alone says little.
            Field::KeywordPart => 0.7,
            Field::Summary => 0.9,
            Field::Heading => 0.6,
            Field::Topic => 0.6,
            Field::Body => 0.45,
            Field::Quiz => 0.3,
        }
    }
}

// BM25 parameters: lessons differ in length mostly by having more steps, which
// does not make them less about their subject, so length counts little.
const K1: f32 = 1.2;
const B: f32 = 0.3;
/// Word pairs ("chuyển khoản", "mật khẩu") count beside single words.
const PAIR_WEIGHT: f32 = 1.0;
/// Finding two words side by side is stronger evidence for both than
/// finding them apart: a pair adds this to the strength of where it stands.
const PAIR_BONUS: f32 = 0.3;
/// Added to every word's idf for its share in the question.
const WEIGHT_FLOOR: f32 = 0.5;
/// The share of a word no lesson has: names ("samsung") and subjects no
/// lesson covers ("xổ số") alike, so neither rare nor negligible.
const UNSEEN_WEIGHT: f32 = 1.5;
/// A word typed with marks that the lesson only has with other marks
/// ("giá" against "giả"): probably another word, perhaps a wrong tone.
const OTHER_MARKS: f32 = 0.4;
/// A word typed with marks no lesson has, that differs from a lesson word
/// only by its tone ("chuyễn" for "chuyển"): most likely a slip.
const TONE_SLIP: f32 = 0.8;
/// A word matched with one typing mistake.
const FUZZY: f32 = 0.7;
/// Share of the question's meaning a lesson must answer to be shown.
const MIN_COVERAGE: f32 = 0.75;
/// At least one word must be matched this strongly.
const MIN_STRENGTH: f32 = 0.6;
/// Longer texts are cut: a pasted message should not cost a long search.
const MAX_QUERY_TERMS: usize = 24;

/// Occurrences of one term in one lesson with the same written forms.
#[derive(Debug)]
struct Occurrences {
    /// Written forms of the term's words (the second only for pairs).
    forms: (u32, u32),
    weight: f32,
    strength: f32,
}

#[derive(Debug)]
struct Posting {
    doc: u32,
    occurrences: Vec<Occurrences>,
}

/// The searchable form of a lesson tree.
#[derive(Debug)]
pub struct SearchIndex {
    lessons: Vec<String>,
    /// `K1 * (1 - B + B * length / average length)` per lesson.
    norms: Vec<f32>,
    /// Words and word pairs ("a b") → their postings.
    terms: HashMap<String, u32>,
    /// Term id → the word or pair.
    names: Vec<String>,
    postings: Vec<Vec<Posting>>,
    /// Written forms ("giả", "gia") → id.
    forms: HashMap<String, u32>,
    /// Form id → id of the form without its tone ("giả" → "gia", "chuyển"
    /// → "chuyên"), and those ids by text.
    toneless: Vec<u32>,
    toneless_ids: HashMap<String, u32>,
    /// Each single word with one letter deleted → the words, for typos.
    deletions: HashMap<String, Vec<u32>>,
}

const NO_FORM: u32 = u32::MAX;

/// How a question word was written, for comparing it with lesson words.
#[derive(Debug, Clone, Copy)]
enum Typed {
    /// Without marks: any lesson form fits.
    Any,
    /// With marks, as some lesson writes a word.
    Known(u32),
    /// With marks no lesson has; the id of its toneless form, if known.
    Unknown(u32),
}

/// `word` without its tone marks, keeping the vowel marks (â, ă, ê, ô, ơ,
/// ư): "chuyển" → "chuyên", "giả" → "gia".
fn toneless(word: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    word.nfd().filter(|c| !TONES.contains(c)).nfc().collect()
}

/// A term's written forms in one lesson → (weight, strength).
type FormsSeen = HashMap<(u32, u32), (f32, f32)>;

struct Builder {
    index: SearchIndex,
    /// Per lesson: term → forms → (weight, strength).
    docs: Vec<HashMap<u32, FormsSeen>>,
    lengths: Vec<f32>,
}

impl Builder {
    fn term_id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.index.terms.get(key) {
            return id;
        }
        let next = self.index.postings.len() as u32;
        self.index.postings.push(Vec::new());
        self.index.names.push(key.to_string());
        self.index.terms.insert(key.to_string(), next);
        next
    }

    fn form_id(&mut self, term: &Term) -> u32 {
        let form = term.marked.as_deref().unwrap_or(&term.text);
        if let Some(&id) = self.index.forms.get(form) {
            return id;
        }
        let next = self.index.forms.len() as u32;
        self.index.forms.insert(form.to_string(), next);
        let bare = toneless(form);
        let groups = self.index.toneless_ids.len() as u32;
        let group = *self.index.toneless_ids.entry(bare).or_insert(groups);
        self.index.toneless.push(group);
        next
    }

    fn add(&mut self, doc: usize, text: &str, field: Field, language: Language) {
        let mut key = String::new();
        for run in analyze(text, language) {
            let forms: Vec<u32> = run.iter().map(|t| self.form_id(t)).collect();
            let word_field = match field {
                Field::Keyword if run.len() > 1 => Field::KeywordPart,
                other => other,
            };
            for (term, &form) in run.iter().zip(&forms) {
                let id = self.term_id(&term.text);
                self.record(doc, id, (form, NO_FORM), word_field);
                self.lengths[doc] += field.weight();
            }
            for (pair, form) in run.windows(2).zip(forms.windows(2)) {
                key.clear();
                key.push_str(&pair[0].text);
                key.push(' ');
                key.push_str(&pair[1].text);
                let id = self.term_id(&key);
                self.record(doc, id, (form[0], form[1]), field);
            }
        }
    }

    fn record(&mut self, doc: usize, term: u32, forms: (u32, u32), field: Field) {
        let entry = self.docs[doc]
            .entry(term)
            .or_default()
            .entry(forms)
            .or_insert((0.0, 0.0));
        entry.0 += field.weight();
        entry.1 = entry.1.max(field.strength());
    }

    fn finish(mut self) -> SearchIndex {
        let n = self.lengths.len().max(1) as f32;
        let average = (self.lengths.iter().sum::<f32>() / n).max(1.0);
        self.index.norms = self
            .lengths
            .iter()
            .map(|len| K1 * (1.0 - B + B * len / average))
            .collect();
        for (doc, terms) in self.docs.into_iter().enumerate() {
            let mut terms: Vec<_> = terms.into_iter().collect();
            terms.sort_by_key(|(term, _)| *term);
            for (term, forms) in terms {
                let mut occurrences: Vec<Occurrences> = forms
                    .into_iter()
                    .map(|(forms, (weight, strength))| Occurrences {
                        forms,
                        weight,
                        strength,
                    })
                    .collect();
                occurrences.sort_by_key(|o| o.forms);
                self.index.postings[term as usize].push(Posting {
                    doc: doc as u32,
                    occurrences,
                });
            }
        }
        let mut deletions: HashMap<String, Vec<u32>> = HashMap::new();
        for (word, &id) in &self.index.terms {
            if !word.contains(' ') && word.chars().count() >= 3 {
                for variant in deletions_of(word) {
                    deletions.entry(variant).or_default().push(id);
                }
            }
        }
        for ids in deletions.values_mut() {
            ids.sort_unstable();
            ids.dedup();
        }
        self.index.deletions = deletions;
        self.index
    }
}

/// `word` with each one of its letters left out.
fn deletions_of(word: &str) -> impl Iterator<Item = String> + '_ {
    word.char_indices().map(move |(i, c)| {
        let mut variant = String::with_capacity(word.len());
        variant.push_str(&word[..i]);
        variant.push_str(&word[i + c.len_utf8()..]);
        variant
    })
}

/// A lesson that matches some of a question.
#[derive(Debug, Clone)]
struct Candidate {
    doc: usize,
    /// Share of the question's meaning matched, each word counted by how
    /// prominently the lesson has it.
    coverage: f32,
    /// How prominently the best-matched word is found.
    strongest: f32,
    /// BM25 over words and pairs.
    rank: f32,
}

impl Candidate {
    /// Shown best first: BM25, scaled by how much of the question the
    /// lesson answers.
    fn order(&self) -> f32 {
        self.coverage * self.rank
    }
}

/// One meaningful word of a question, with the lesson words it may stand for.
struct Wanted {
    /// Term ids and how well each matches (1 exact, less for a typo).
    matches: Vec<(u32, f32)>,
    /// How the learner wrote it.
    form: Typed,
    /// How much of the question's meaning the word carries.
    weight: f32,
}

impl SearchIndex {
    /// Indexes every lesson of `tree` in every language it has.
    pub fn build(tree: &LessonTree) -> SearchIndex {
        let lessons: Vec<_> = tree.lessons().collect();
        let mut builder = Builder {
            index: SearchIndex {
                lessons: lessons.iter().map(|l| l.id.clone()).collect(),
                norms: Vec::new(),
                terms: HashMap::new(),
                names: Vec::new(),
                postings: Vec::new(),
                forms: HashMap::new(),
                toneless: Vec::new(),
                toneless_ids: HashMap::new(),
                deletions: HashMap::new(),
            },
            docs: (0..lessons.len()).map(|_| HashMap::new()).collect(),
            lengths: vec![0.0; lessons.len()],
        };
        for (doc, lesson) in lessons.iter().enumerate() {
            for (lang, text) in lesson.text.iter() {
                let language = if lang == BASE_LANG {
                    Language::Vietnamese
                } else {
                    Language::English
                };
                builder.add(doc, &text.title, Field::Title, language);
                builder.add(doc, &text.summary, Field::Summary, language);
                for keyword in &text.keywords {
                    builder.add(doc, keyword, Field::Keyword, language);
                }
                if let Some(topic) = tree.topic(&lesson.topic) {
                    for (topic_lang, title) in topic.title.iter() {
                        if topic_lang == lang {
                            builder.add(doc, title, Field::Topic, language);
                        }
                    }
                }
                for step in &text.steps {
                    if let Some(heading) = &step.heading {
                        builder.add(doc, heading, Field::Heading, language);
                    }
                    builder.add(doc, &step.text, Field::Body, language);
                    if let Some(tip) = &step.tip {
                        builder.add(doc, tip, Field::Body, language);
                    }
                }
                for question in &text.quiz {
                    builder.add(doc, &question.text, Field::Quiz, language);
                    for option in &question.options {
                        builder.add(doc, option, Field::Quiz, language);
                    }
                    builder.add(doc, &question.explanation, Field::Quiz, language);
                }
            }
        }
        builder.finish()
    }

    /// The lessons that answer `text`, best first: at most [`MAX_HITS`], and
    /// only those good enough to show. Empty when nothing answers it well.
    pub fn query(&self, text: &str) -> Vec<Hit> {
        if !is_meaningful(text) {
            return Vec::new();
        }
        let mut hits: Vec<Candidate> = self
            .candidates(text)
            .into_iter()
            .filter(|c| c.coverage >= MIN_COVERAGE && c.strongest >= MIN_STRENGTH)
            .collect();
        hits.sort_by(|x, y| {
            y.order()
                .total_cmp(&x.order())
                .then_with(|| self.lessons[x.doc].cmp(&self.lessons[y.doc]))
        });
        hits.into_iter()
            .take(MAX_HITS)
            .map(|c| Hit {
                lesson: self.lessons[c.doc].clone(),
                score: c.coverage,
            })
            .collect()
    }

    /// Every lesson that matches any word of `text`, with the figures that
    /// decide whether and where it is shown.
    fn candidates(&self, text: &str) -> Vec<Candidate> {
        let runs: Vec<Vec<Term>> = analyze(text, Language::Guess)
            .into_iter()
            .map(|run| self.mend(run))
            .collect();
        let mut seen: Vec<&str> = Vec::new();
        let mut wanted: Vec<Wanted> = Vec::new();
        // Pairs of adjacent words, as indexes into `wanted`.
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for run in &runs {
            let mut previous = None;
            for term in run {
                let at = match seen.iter().position(|s| *s == term.text) {
                    Some(at) => at,
                    None if wanted.len() < MAX_QUERY_TERMS => {
                        seen.push(&term.text);
                        wanted.push(self.wanted(term));
                        wanted.len() - 1
                    }
                    None => break,
                };
                if let Some(before) = previous
                    && before != at
                    && !pairs.contains(&(before, at))
                {
                    pairs.push((before, at));
                }
                previous = Some(at);
            }
        }
        if wanted.is_empty() {
            return Vec::new();
        }
        let docs = self.lessons.len();
        let mut rank = vec![0.0f32; docs];
        // strength[i * docs + d]: how strongly lesson d matches wanted word i.
        let mut strength = vec![0.0f32; wanted.len() * docs];
        for (i, want) in wanted.iter().enumerate() {
            let mut best = vec![0.0f32; docs];
            for &(term, quality) in &want.matches {
                for posting in &self.postings[term as usize] {
                    let d = posting.doc as usize;
                    let (weight, strong, _) = self.weigh(posting, want.form, Typed::Any, quality);
                    best[d] = best[d].max(weight);
                    let s = &mut strength[i * docs + d];
                    *s = s.max(strong);
                }
            }
            for (d, tf) in best.into_iter().enumerate() {
                if tf > 0.0 {
                    rank[d] += want.weight * saturate(tf, self.norms[d]);
                }
            }
        }
        for &(a, b) in &pairs {
            let mut best = vec![0.0f32; docs];
            let mut idf = 0.0f32;
            for &(ta, qa) in &wanted[a].matches {
                for &(tb, qb) in &wanted[b].matches {
                    let key = format!("{} {}", self.word(ta), self.word(tb));
                    let Some(&term) = self.terms.get(&key) else {
                        continue;
                    };
                    let postings = &self.postings[term as usize];
                    idf = idf.max(self.weight(postings.len()));
                    for posting in postings {
                        let d = posting.doc as usize;
                        let (weight, strong, fit) =
                            self.weigh(posting, wanted[a].form, wanted[b].form, qa * qb);
                        best[d] = best[d].max(weight);
                        let boost = (strong + PAIR_BONUS * fit).min(1.0);
                        for i in [a, b] {
                            let s = &mut strength[i * docs + d];
                            *s = s.max(boost);
                        }
                    }
                }
            }
            for (d, tf) in best.into_iter().enumerate() {
                if tf > 0.0 {
                    rank[d] += PAIR_WEIGHT * idf * saturate(tf, self.norms[d]);
                }
            }
        }
        let total: f32 = wanted.iter().map(|w| w.weight).sum();
        (0..docs)
            .filter(|&d| rank[d] > 0.0)
            .map(|d| {
                let per_word = (0..wanted.len()).map(|i| strength[i * docs + d]);
                Candidate {
                    doc: d,
                    coverage: wanted
                        .iter()
                        .zip(per_word.clone())
                        .map(|(w, s)| w.weight * s)
                        .sum::<f32>()
                        / total,
                    strongest: per_word.fold(0.0f32, f32::max),
                    rank: rank[d],
                }
            })
            .collect()
    }

    /// Term frequency, strength and best fit of a posting for a question
    /// word typed with `form_a` (and `form_b`, for a pair), scaled by
    /// `quality`.
    fn weigh(
        &self,
        posting: &Posting,
        form_a: Typed,
        form_b: Typed,
        quality: f32,
    ) -> (f32, f32, f32) {
        let fits = |typed: Typed, found: u32| match typed {
            Typed::Any => 1.0,
            Typed::Known(form) if form == found => 1.0,
            Typed::Known(_) => OTHER_MARKS,
            Typed::Unknown(toneless) if toneless == self.toneless[found as usize] => TONE_SLIP,
            Typed::Unknown(_) => OTHER_MARKS,
        };
        posting
            .occurrences
            .iter()
            .fold((0.0f32, 0.0f32, 0.0f32), |(weight, strength, fit), o| {
                let second = if o.forms.1 == NO_FORM {
                    1.0
                } else {
                    fits(form_b, o.forms.1)
                };
                let q = quality * fits(form_a, o.forms.0) * second;
                (
                    weight + o.weight * q,
                    strength.max(o.strength * q),
                    fit.max(q),
                )
            })
    }

    fn word(&self, term: u32) -> &str {
        &self.names[term as usize]
    }

    /// A word's share in the question: rarer words mean more, but even the
    /// commonest word of the lessons means something.
    fn weight(&self, df: usize) -> f32 {
        WEIGHT_FLOOR + self.idf(df)
    }

    fn idf(&self, df: usize) -> f32 {
        let n = self.lessons.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// What a question word can match: itself, or words one typing mistake
    /// away when it is not in any lesson.
    fn wanted(&self, term: &Term) -> Wanted {
        let form = match &term.marked {
            None => Typed::Any,
            Some(written) => match self.forms.get(written) {
                Some(&form) => Typed::Known(form),
                None => Typed::Unknown(
                    self.toneless_ids
                        .get(&toneless(written))
                        .copied()
                        .unwrap_or(NO_FORM),
                ),
            },
        };
        for text in [&term.text, &term.unstemmed] {
            if let Some(&id) = self.terms.get(text) {
                return Wanted {
                    matches: vec![(id, 1.0)],
                    form,
                    weight: self.weight(self.postings[id as usize].len()),
                };
            }
        }
        let mut matches: Vec<(u32, f32)> = Vec::new();
        for text in [&term.unstemmed, &term.text] {
            for id in self.near(text) {
                if !matches.iter().any(|(m, _)| *m == id) {
                    matches.push((id, FUZZY));
                }
            }
        }
        let weight = matches
            .iter()
            .map(|&(id, _)| self.weight(self.postings[id as usize].len()))
            .fold(UNSEEN_WEIGHT, f32::min);
        Wanted {
            matches,
            // A misspelt word's marks say nothing.
            form: Typed::Any,
            weight,
        }
    }

    /// Words of the index one edit (insertion, deletion, substitution or
    /// swap of neighbours) away from `word`. Short words are left alone,
    /// and so are real Vietnamese syllables of up to five letters: one
    /// letter turns "tien" into "tin" or "tieu", other words altogether.
    fn near(&self, word: &str) -> Vec<u32> {
        let len = word.chars().count();
        let syllable = fold::is_syllable(word);
        if len < 3 || (syllable && len < 6) || !word.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Vec::new();
        }
        let mut found: Vec<u32> = Vec::new();
        let mut consider = |id: u32| {
            if !found.contains(&id) {
                found.push(id);
            }
        };
        // Deleting a letter of an index word gives `word`: a letter was missed.
        if let Some(ids) = self.deletions.get(word) {
            ids.iter().copied().for_each(&mut consider);
        }
        if len > 3 {
            for variant in deletions_of(word) {
                // A letter too many.
                if let Some(&id) = self.terms.get(&variant) {
                    consider(id);
                }
                // A letter replaced, or two swapped.
                if let Some(ids) = self.deletions.get(&variant) {
                    ids.iter().copied().for_each(&mut consider);
                }
            }
        }
        found.retain(|&id| {
            let candidate = self.word(id);
            strsim::osa_distance(word, candidate) <= 1
        });
        found
    }

    /// Repairs words a learner split or joined: "vn eid" → "vneid",
    /// "dangnhap" → "dang nhap", when the index knows the result.
    fn mend(&self, run: Vec<Term>) -> Vec<Term> {
        let known = |w: &str| self.terms.contains_key(w);
        let mut out: Vec<Term> = Vec::with_capacity(run.len());
        for term in run {
            if let Some(last) = out.last_mut() {
                let joined = format!("{}{}", last.text, term.text);
                if (!known(&last.text) || !known(&term.text)) && known(&joined) {
                    *last = Term::plain(joined);
                    continue;
                }
            }
            if !known(&term.text) && term.text.len() >= 5 {
                let split = (2..term.text.len() - 1)
                    .filter(|&i| term.text.is_char_boundary(i))
                    .map(|i| term.text.split_at(i))
                    .find(|(a, b)| known(&format!("{a} {b}")) && known(a) && known(b));
                if let Some((a, b)) = split {
                    out.push(Term::plain(a.to_string()));
                    out.push(Term::plain(b.to_string()));
                    continue;
                }
            }
            out.push(term);
        }
        out
    }
}

/// BM25's saturating term frequency.
fn saturate(tf: f32, norm: f32) -> f32 {
    tf * (K1 + 1.0) / (tf + norm)
}

#[cfg(test)]
mod tests;

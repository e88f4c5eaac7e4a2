//! Loads a lesson tree from a folder and validates all of it.
//!
//! Every problem in every file is collected, with its file and line, and the
//! tree is returned only when there is none: a broken tree is never half-loaded.
//! Warnings (`warn`) are collected the same way but never refuse the tree.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::parse::{Found, RawLesson, parse_lesson};
use super::warn::quiz_warnings;
use super::{
    BASE_LANG, Lesson, LessonText, LessonTree, Localized, MAX_KEYWORD_CHARS, MAX_KEYWORDS,
    MAX_LABEL_CHARS, MAX_MESSAGE_CHARS, MAX_STEP_CHARS, Question, Step, Topic, is_valid_id,
};

const MAX_QUESTIONS: usize = 5;
const MAX_OPTIONS: usize = 4;
const MAX_PICTURE_BYTES: u64 = 5 * 1024 * 1024;
const PICTURE_EXTENSIONS: [&str; 3] = ["png", "jpg", "jpeg"];

/// One thing wrong in the lesson tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the lesson folder {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} problem(s) in the lesson tree", .0.len())]
    Invalid(Vec<Problem>),
}

/// Reads and validates the tree under `dir`.
pub fn load_tree(dir: &Path) -> Result<LessonTree, LoadError> {
    check_tree(dir).result
}

/// A checked tree: the tree or its problems, and the warnings either way.
#[derive(Debug)]
pub struct Checked {
    pub result: Result<LessonTree, LoadError>,
    /// Things that load but teach less well (e.g. a guessable quiz), with
    /// file and line like problems; they never stop the bot.
    pub warnings: Vec<Problem>,
}

/// Reads and validates the tree under `dir`, keeping the warnings too.
pub fn check_tree(dir: &Path) -> Checked {
    let topic_dirs = match sorted_entries(dir) {
        Ok(entries) => entries
            .into_iter()
            .filter(|p| p.is_dir())
            .collect::<Vec<_>>(),
        Err(e) => {
            return Checked {
                result: Err(e),
                warnings: Vec::new(),
            };
        }
    };
    let mut loader = Loader::default();
    for topic_dir in &topic_dirs {
        loader.topic_dir(topic_dir);
    }
    let warnings = std::mem::take(&mut loader.warnings);
    Checked {
        result: loader.finish(dir),
        warnings,
    }
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let unreadable = |source| LoadError::Unreadable {
        path: dir.to_path_buf(),
        source,
    };
    let mut entries = fs::read_dir(dir)
        .map_err(unreadable)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    entries.sort();
    Ok(entries)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicText {
    title: String,
    #[serde(default)]
    summary: String,
}

#[derive(Debug, Deserialize)]
struct RawTopic {
    id: String,
    order: i64,
    #[serde(default)]
    icon: Option<String>,
    #[serde(default)]
    core: bool,
    lessons: Vec<String>,
    #[serde(flatten)]
    texts: BTreeMap<String, TopicText>,
}

#[derive(Default)]
struct Loader {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    topics: Vec<(i64, Topic, PathBuf)>,
    lessons: Vec<Lesson>,
    lesson_files: BTreeMap<String, PathBuf>,
}

impl Loader {
    fn report(&mut self, file: &Path, found: Found) {
        self.problems.push(Problem {
            file: file.to_path_buf(),
            line: found.line,
            message: found.message,
        });
    }

    fn report_at(&mut self, file: &Path, line: Option<usize>, message: impl Into<String>) {
        self.report(
            file,
            Found {
                line,
                message: message.into(),
            },
        );
    }

    fn topic_dir(&mut self, dir: &Path) {
        let topic_file = dir.join("topic.toml");
        let Some(raw) = self.read_topic(&topic_file) else {
            return;
        };
        let files = match self.lesson_files_in(dir) {
            Some(files) => files,
            None => return,
        };
        for (id, by_lang) in &files {
            if !raw.lessons.contains(id) {
                let file = by_lang
                    .values()
                    .next()
                    .expect("grouped files are never empty");
                self.report_at(
                    file,
                    None,
                    format!("lesson `{id}` is not listed in topic.toml `lessons`, so no learner can reach it"),
                );
            }
        }
        let mut lesson_ids = Vec::new();
        for id in &raw.lessons {
            if !is_valid_id(id) {
                self.report_at(
                    &topic_file,
                    None,
                    format!("lesson id `{id}` must be 1-32 lower-case letters, digits or `-`"),
                );
                continue;
            }
            if lesson_ids.contains(id) {
                self.report_at(&topic_file, None, format!("lesson `{id}` is listed twice"));
                continue;
            }
            match files.get(id) {
                Some(by_lang) if by_lang.contains_key(BASE_LANG) => {
                    if let Some(lesson) = self.lesson(dir, &raw.id, id, by_lang) {
                        self.lessons.push(lesson);
                    }
                }
                _ => self.report_at(
                    &topic_file,
                    None,
                    format!(
                        "lesson `{id}` has no Vietnamese file `{id}.{BASE_LANG}.md` in {}",
                        dir.display()
                    ),
                ),
            }
            lesson_ids.push(id.clone());
        }
        if lesson_ids.is_empty() {
            self.report_at(&topic_file, None, "a topic needs at least one lesson");
        }
        let title = Localized::new(
            raw.texts
                .iter()
                .map(|(l, t)| (l.clone(), t.title.clone()))
                .collect(),
        );
        let summary = Localized::new(
            raw.texts
                .iter()
                .map(|(l, t)| (l.clone(), t.summary.clone()))
                .collect(),
        );
        for (lang, text) in &raw.texts {
            self.check_label(
                &topic_file,
                None,
                &format!("topic title ({lang})"),
                &text.title,
            );
        }
        match (title, summary) {
            (Some(title), Some(summary)) => self.topics.push((
                raw.order,
                Topic {
                    id: raw.id,
                    icon: raw.icon.filter(|i| !i.trim().is_empty()),
                    core: raw.core,
                    title,
                    summary,
                    lessons: lesson_ids,
                },
                topic_file,
            )),
            _ => self.report_at(
                &topic_file,
                None,
                format!("the topic needs a `[{BASE_LANG}]` table with its Vietnamese title"),
            ),
        }
    }

    fn read_topic(&mut self, file: &Path) -> Option<RawTopic> {
        let source = match fs::read_to_string(file) {
            Ok(s) => s,
            Err(e) => {
                self.report_at(file, None, format!("cannot read the topic file: {e}"));
                return None;
            }
        };
        let table: toml::Table = match toml::from_str(&source) {
            Ok(table) => table,
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| source[..s.start].matches('\n').count() + 1);
                self.report_at(file, line, e.message().trim_end().to_string());
                return None;
            }
        };
        // Check keys one by one: serde's messages for a flattened map are cryptic.
        let before = self.problems.len();
        for (key, value) in &table {
            let line = line_of_key(&source, key);
            if value.is_table() {
                if !is_language_tag(key) {
                    self.report_at(
                        file,
                        line,
                        format!("`[{key}]` is not a language: use `[vi]`, `[en]`…"),
                    );
                }
            } else if !TOPIC_KEYS.contains(&key.as_str()) {
                self.report_at(
                    file,
                    line,
                    format!(
                        "unknown key `{key}`: a topic has {} and one table per language",
                        TOPIC_KEYS.join(", ")
                    ),
                );
            }
        }
        if self.problems.len() > before {
            return None;
        }
        match RawTopic::deserialize(toml::Value::Table(table)) {
            Ok(raw) if is_valid_id(&raw.id) => Some(raw),
            Ok(raw) => {
                self.report_at(
                    file,
                    line_of_key(&source, "id"),
                    format!(
                        "topic id `{}` must be 1-32 lower-case letters, digits or `-`",
                        raw.id
                    ),
                );
                None
            }
            Err(e) => {
                self.report_at(file, None, e.message().trim_end().to_string());
                None
            }
        }
    }

    /// Groups `<id>.<lang>.md` files by id, then by language.
    fn lesson_files_in(
        &mut self,
        dir: &Path,
    ) -> Option<BTreeMap<String, BTreeMap<String, PathBuf>>> {
        let entries = match sorted_entries(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.report_at(dir, None, e.to_string());
                return None;
            }
        };
        let mut files: BTreeMap<String, BTreeMap<String, PathBuf>> = BTreeMap::new();
        for path in entries
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
        {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.eq_ignore_ascii_case("README.md") {
                continue;
            }
            let stem = name.trim_end_matches(".md");
            match stem.rsplit_once('.') {
                Some((id, lang)) if is_language_tag(lang) => {
                    files
                        .entry(id.to_string())
                        .or_default()
                        .insert(lang.to_string(), path);
                }
                _ => self.report_at(
                    &path,
                    None,
                    "a lesson file is named `<id>.<language>.md`, e.g. `vneid-what.vi.md`",
                ),
            }
        }
        Some(files)
    }

    fn lesson(
        &mut self,
        dir: &Path,
        topic: &str,
        id: &str,
        by_lang: &BTreeMap<String, PathBuf>,
    ) -> Option<Lesson> {
        if let Some(first) = self
            .lesson_files
            .insert(id.to_string(), by_lang[BASE_LANG].clone())
        {
            self.report_at(
                &by_lang[BASE_LANG],
                None,
                format!("lesson id `{id}` is already used by {}", first.display()),
            );
            return None;
        }
        let mut hasher = Sha256::new();
        let mut texts = BTreeMap::new();
        let before = self.problems.len();
        for (lang, file) in by_lang {
            let source = match fs::read_to_string(file) {
                Ok(s) => s,
                Err(e) => {
                    self.report_at(file, None, format!("cannot read the lesson file: {e}"));
                    continue;
                }
            };
            hasher.update(lang.as_bytes());
            hasher.update(source.as_bytes());
            let (raw, found) = parse_lesson(&source);
            found.into_iter().for_each(|f| self.report(file, f));
            if let Some(text) = raw.and_then(|raw| self.lesson_text(dir, file, id, lang, raw)) {
                texts.insert(lang.clone(), text);
            }
        }
        if self.problems.len() > before {
            return None;
        }
        self.check_same_shape(by_lang, &texts);
        let text = Localized::new(texts)?;
        let digest = hasher.finalize();
        let version = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        Some(Lesson {
            id: id.to_string(),
            topic: topic.to_string(),
            version,
            text,
        })
    }

    /// Checks one language file's content and turns it into a `LessonText`.
    fn lesson_text(
        &mut self,
        dir: &Path,
        file: &Path,
        id: &str,
        lang: &str,
        raw: RawLesson,
    ) -> Option<LessonText> {
        let before = self.problems.len();
        // Translations keep the right option where the base language has it
        // (checked below), so its position is judged once, on the base file.
        for found in quiz_warnings(&raw.questions, lang == BASE_LANG) {
            self.warnings.push(Problem {
                file: file.to_path_buf(),
                line: found.line,
                message: found.message,
            });
        }
        let header_line = Some(raw.header_line);
        if raw.header.id != id {
            self.report_at(
                file,
                header_line,
                format!(
                    "header id `{}` differs from the file name `{id}`",
                    raw.header.id
                ),
            );
        }
        self.check_label(file, header_line, "title", &raw.header.title);
        self.check_keywords(file, header_line, &raw.header.keywords);
        if raw.steps.is_empty() {
            self.report_at(file, None, "a lesson needs at least one `## Bước`");
        }
        if raw.questions.is_empty() || raw.questions.len() > MAX_QUESTIONS {
            self.report_at(
                file,
                None,
                format!(
                    "a lesson needs 1 to {MAX_QUESTIONS} quiz questions, this one has {}",
                    raw.questions.len()
                ),
            );
        }
        let mut steps = Vec::new();
        for (n, step) in raw.steps.into_iter().enumerate() {
            let at = Some(step.line);
            if step.text.trim().is_empty() {
                self.report_at(file, at, format!("step {} has no text", n + 1));
            }
            let length = step.text.chars().count()
                + step.heading.as_deref().map_or(0, |h| h.chars().count())
                + step.tip.as_deref().map_or(0, |t| t.chars().count());
            if length > MAX_STEP_CHARS {
                self.report_at(file, at, format!("step {} has {length} characters; keep a step under {MAX_STEP_CHARS} (one phone screen)", n + 1));
            }
            let picture = step
                .picture
                .and_then(|(path, line)| self.picture(dir, file, line, &path));
            steps.push(Step {
                heading: step.heading,
                text: step.text,
                tip: step.tip,
                picture,
            });
        }
        let mut quiz = Vec::new();
        for (n, question) in raw.questions.into_iter().enumerate() {
            let at = Some(question.line);
            let label = format!("question {}", n + 1);
            if question.text.trim().is_empty() {
                self.report_at(file, at, format!("{label} has no text"));
            }
            if !(2..=MAX_OPTIONS).contains(&question.options.len()) {
                self.report_at(
                    file,
                    at,
                    format!(
                        "{label} needs 2 to {MAX_OPTIONS} options, it has {}",
                        question.options.len()
                    ),
                );
            }
            let right: Vec<usize> = question
                .options
                .iter()
                .enumerate()
                .filter(|(_, o)| o.1)
                .map(|(i, _)| i)
                .collect();
            if right.len() != 1 {
                self.report_at(
                    file,
                    at,
                    format!(
                        "{label} needs exactly one right option `- [x]`, it has {}",
                        right.len()
                    ),
                );
            }
            for (text, _, line) in &question.options {
                self.check_label(file, Some(*line), "option", text);
            }
            let explanation = question.explanation.unwrap_or_default();
            if explanation.trim().is_empty() {
                self.report_at(
                    file,
                    at,
                    format!("{label} needs a `Giải thích:` shown after answering"),
                );
            }
            let length = question
                .text
                .chars()
                .count()
                .max(explanation.chars().count());
            if length > MAX_STEP_CHARS {
                self.report_at(file, at, format!("{label}: keep the question and its explanation under {MAX_STEP_CHARS} characters each"));
            }
            quiz.push(Question {
                text: question.text,
                options: question.options.into_iter().map(|o| o.0).collect(),
                correct: right.first().copied().unwrap_or(0),
                explanation,
            });
        }
        (self.problems.len() == before).then_some(LessonText {
            title: raw.header.title,
            summary: raw.header.summary,
            keywords: raw.header.keywords,
            steps,
            quiz,
        })
    }

    fn picture(&mut self, dir: &Path, file: &Path, line: usize, relative: &str) -> Option<PathBuf> {
        let rel = Path::new(relative);
        let escapes = rel
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
        let ext_ok = rel
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| PICTURE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        let path = dir.join(rel);
        let problem = if relative.is_empty() {
            Some("`Hình:` names no picture".to_string())
        } else if escapes {
            Some(format!(
                "picture `{relative}` must be inside the topic folder"
            ))
        } else if !ext_ok {
            Some(format!("picture `{relative}` must be a .png or .jpg file"))
        } else {
            match fs::metadata(&path) {
                Err(_) => Some(format!(
                    "picture `{relative}` does not exist in {}",
                    dir.display()
                )),
                Ok(m) if !m.is_file() => Some(format!("picture `{relative}` is not a file")),
                Ok(m) if m.len() > MAX_PICTURE_BYTES => {
                    Some(format!("picture `{relative}` is larger than 5 MB"))
                }
                Ok(_) => None,
            }
        };
        match problem {
            Some(message) => {
                self.report_at(file, Some(line), message);
                None
            }
            None => Some(path),
        }
    }

    fn check_label(&mut self, file: &Path, line: Option<usize>, what: &str, text: &str) {
        let length = text.chars().count();
        if text.trim().is_empty() {
            self.report_at(file, line, format!("{what} is empty"));
        } else if length > MAX_LABEL_CHARS {
            self.report_at(
                file,
                line,
                format!("{what} has {length} characters; a button holds at most {MAX_LABEL_CHARS}"),
            );
        }
    }

    /// Search words are short phrases, not sentences, and not too many: each
    /// one weighs in every search.
    fn check_keywords(&mut self, file: &Path, line: Option<usize>, keywords: &[String]) {
        if keywords.len() > MAX_KEYWORDS {
            self.report_at(
                file,
                line,
                format!(
                    "{} keywords; a lesson takes at most {MAX_KEYWORDS}",
                    keywords.len()
                ),
            );
        }
        for keyword in keywords {
            let length = keyword.chars().count();
            if keyword.trim().is_empty() {
                self.report_at(file, line, "a keyword is empty");
            } else if length > MAX_KEYWORD_CHARS {
                self.report_at(
                    file,
                    line,
                    format!(
                        "keyword `{keyword}` has {length} characters; at most {MAX_KEYWORD_CHARS}"
                    ),
                );
            }
        }
    }

    /// Every translation must match the Vietnamese lesson step for step.
    fn check_same_shape(
        &mut self,
        files: &BTreeMap<String, PathBuf>,
        texts: &BTreeMap<String, LessonText>,
    ) {
        let Some(base) = texts.get(BASE_LANG) else {
            return;
        };
        for (lang, text) in texts.iter().filter(|(l, _)| l.as_str() != BASE_LANG) {
            let file = &files[lang];
            let mut differ = |message: String| {
                self.problems.push(Problem {
                    file: file.clone(),
                    line: None,
                    message: format!("{message} (it must match {BASE_LANG})"),
                })
            };
            if text.steps.len() != base.steps.len() {
                differ(format!(
                    "{} steps instead of {}",
                    text.steps.len(),
                    base.steps.len()
                ));
            }
            for (n, (a, b)) in base.steps.iter().zip(&text.steps).enumerate() {
                if a.picture.is_some() != b.picture.is_some() {
                    differ(format!(
                        "step {} {} a picture",
                        n + 1,
                        if b.picture.is_some() { "has" } else { "lacks" }
                    ));
                }
            }
            if text.quiz.len() != base.quiz.len() {
                differ(format!(
                    "{} questions instead of {}",
                    text.quiz.len(),
                    base.quiz.len()
                ));
            }
            for (n, (a, b)) in base.quiz.iter().zip(&text.quiz).enumerate() {
                if a.options.len() != b.options.len() || a.correct != b.correct {
                    differ(format!(
                        "question {} has different options or a different right option",
                        n + 1
                    ));
                }
            }
        }
    }

    fn finish(mut self, dir: &Path) -> Result<LessonTree, LoadError> {
        if self.topics.is_empty() && self.problems.is_empty() {
            self.report_at(dir, None, "no topic folder with a topic.toml was found");
        }
        let mut seen = BTreeMap::new();
        for (_, topic, file) in &self.topics {
            if let Some(other) = seen.insert(topic.id.clone(), file.clone()) {
                self.problems.push(Problem {
                    file: file.clone(),
                    line: None,
                    message: format!(
                        "topic id `{}` is already used by {}",
                        topic.id,
                        other.display()
                    ),
                });
            }
        }
        let orders: BTreeSet<i64> = self.topics.iter().map(|t| t.0).collect();
        if orders.len() != self.topics.len() {
            self.report_at(dir, None, "two topics have the same `order`");
        }
        if !self.problems.is_empty() {
            return Err(LoadError::Invalid(self.problems));
        }
        self.topics.sort_by_key(|t| t.0);
        let topics: Vec<Topic> = self.topics.into_iter().map(|t| t.1).collect();
        let groups_file = dir.join("groups.toml");
        let groups = match fs::read_to_string(&groups_file) {
            Ok(source) => super::groups::load_groups(&groups_file, &source, &topics)
                .map_err(LoadError::Invalid)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(LoadError::Unreadable {
                    path: groups_file,
                    source,
                });
            }
        };
        Ok(LessonTree::from_parts(topics, self.lessons).with_groups(groups))
    }
}

const TOPIC_KEYS: [&str; 5] = ["id", "order", "icon", "core", "lessons"];

/// The line where `key = …` or `[key]` stands, for problems found after parsing.
fn line_of_key(source: &str, key: &str) -> Option<usize> {
    source
        .lines()
        .position(|line| {
            let line = line.trim_start();
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
                || line
                    .strip_prefix('[')
                    .and_then(|r| r.strip_prefix(key))
                    .is_some_and(|r| r.trim_start().starts_with(']'))
        })
        .map(|i| i + 1)
}

/// `vi`, `en`, `zh-hant`: the second part of a lesson file name.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .all(|p| !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

// A message never exceeds MAX_MESSAGE_CHARS because every part is bounded far below it.
const _: () = assert!(MAX_STEP_CHARS * 2 + MAX_LABEL_CHARS * 6 < MAX_MESSAGE_CHARS);

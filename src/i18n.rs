//! Interface text through Fluent: one folder per language under `locales/`,
//! loaded at start and checked so every language has every message.
//!
//! Adding a language is adding a folder: nothing in the code lists them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::core::stats::vietnam_time;
use crate::core::{Arg, Lang, Phrase, Text};
use crate::lesson::BASE_LANG;

/// The message every language must define: its own name, shown on the
/// language buttons.
const NAME_KEY: &str = "language-name";

#[derive(Debug, thiserror::Error)]
pub enum LocaleError {
    #[error("cannot read the locales folder {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("locale problems:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

struct Locale {
    lang: Lang,
    bundle: FluentBundle<FluentResource>,
    keys: BTreeSet<String>,
}

pub struct Localizer {
    /// The base language first.
    locales: Vec<Locale>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.locales.iter().map(|l| l.lang.as_str()))
            .finish()
    }
}

impl Localizer {
    /// Loads every `locales/<lang>/*.ftl` and checks that each language has
    /// every message the base language has.
    pub fn load(dir: &Path) -> Result<Self, LocaleError> {
        let unreadable = |source| LocaleError::Unreadable {
            path: dir.to_path_buf(),
            source,
        };
        let mut folders: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(unreadable)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        let mut problems = Vec::new();
        let mut locales = Vec::new();
        for folder in folders {
            if let Some(locale) = load_locale(&folder, &mut problems) {
                locales.push(locale);
            }
        }
        locales.sort_by_key(|l| l.lang.as_str() != BASE_LANG);
        match locales.first() {
            Some(base) if base.lang.as_str() == BASE_LANG => {
                for locale in &locales[1..] {
                    for missing in base.keys.difference(&locale.keys) {
                        problems.push(format!(
                            "locales/{}: message `{missing}` is missing",
                            locale.lang.as_str()
                        ));
                    }
                }
            }
            _ => problems.push(format!(
                "{}: there is no `{BASE_LANG}` folder",
                dir.display()
            )),
        }
        for locale in &locales {
            if !locale.keys.contains(NAME_KEY) {
                problems.push(format!(
                    "locales/{}: message `{NAME_KEY}` is missing",
                    locale.lang.as_str()
                ));
            }
        }
        if problems.is_empty() {
            Ok(Localizer { locales })
        } else {
            Err(LocaleError::Invalid(problems))
        }
    }

    /// Every language with its own name for itself, base language first.
    pub fn languages(&self) -> Vec<(Lang, String)> {
        self.locales
            .iter()
            .map(|l| (l.lang.clone(), self.text(&l.lang, &Text::new(NAME_KEY))))
            .collect()
    }

    pub fn has_message(&self, lang: &Lang, key: &str) -> bool {
        self.locale(lang).is_some_and(|l| l.keys.contains(key))
    }

    fn locale(&self, lang: &Lang) -> Option<&Locale> {
        self.locales.iter().find(|l| &l.lang == lang)
    }

    /// Renders a message id in `lang`, falling back to the base language.
    /// A missing message renders as its id (the start-up check prevents it).
    pub fn text(&self, lang: &Lang, text: &Text) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in &text.args {
            match value {
                Arg::Str(s) => args.set(name.as_ref(), FluentValue::from(s.as_str())),
                Arg::Num(n) => args.set(name.as_ref(), FluentValue::from(*n)),
                Arg::Date(ts) => args.set(name.as_ref(), FluentValue::from(self.date(lang, *ts))),
                Arg::Time(ts) => args.set(name.as_ref(), FluentValue::from(self.time(lang, *ts))),
                Arg::Percent(share) => {
                    args.set(name.as_ref(), FluentValue::from(self.percent(lang, *share)))
                }
            }
        }
        let found = [self.locale(lang), self.locales.first()]
            .into_iter()
            .flatten()
            .find_map(|l| Some((l, l.bundle.get_message(&text.key)?.value()?)));
        let Some((locale, pattern)) = found else {
            tracing::error!(key = %text.key, lang = lang.as_str(), "missing message");
            return text.key.to_string();
        };
        let mut errors = Vec::new();
        let out = locale
            .bundle
            .format_pattern(pattern, Some(&args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key = %text.key, ?errors, "message formatted with errors");
        }
        out.into_owned()
    }

    pub fn phrase(&self, lang: &Lang, phrase: &Phrase) -> String {
        match phrase {
            Phrase::Ui(text) => self.text(lang, text),
            Phrase::Content(s) => s.clone(),
        }
    }
}

impl Localizer {
    /// A calendar date in Vietnam's time zone (UTC+7, no DST), written as
    /// `lang` writes dates (its `format-date` message).
    pub fn date(&self, lang: &Lang, ts: i64) -> String {
        let local = vietnam_time(ts);
        let text = Text::new("format-date")
            .arg("day", format!("{:02}", local.day()))
            .arg("month", format!("{:02}", u8::from(local.month())))
            .arg("year", local.year().to_string());
        self.text(lang, &text)
    }

    /// A time of day with its date, in Vietnam's time zone (`format-time`).
    pub fn time(&self, lang: &Lang, ts: i64) -> String {
        let local = vietnam_time(ts);
        let text = Text::new("format-time")
            .arg("hour", format!("{:02}", local.hour()))
            .arg("minute", format!("{:02}", local.minute()))
            .arg("day", format!("{:02}", local.day()))
            .arg("month", format!("{:02}", u8::from(local.month())))
            .arg("year", local.year().to_string());
        self.text(lang, &text)
    }

    /// A share (0–1) as a percentage with one decimal (`format-percent`
    /// places the decimal separator).
    pub fn percent(&self, lang: &Lang, share: f64) -> String {
        let tenths = (share * 1000.0).round();
        let tenths = if tenths.is_finite() { tenths as i64 } else { 0 };
        let sign = if tenths < 0 { "-" } else { "" };
        let text = Text::new("format-percent")
            .arg("whole", format!("{sign}{}", tenths.abs() / 10))
            .arg("tenth", (tenths.abs() % 10).to_string());
        self.text(lang, &text)
    }
}

fn load_locale(folder: &Path, problems: &mut Vec<String>) -> Option<Locale> {
    let tag = folder.file_name()?.to_str()?.to_string();
    let Ok(langid) = tag.parse::<LanguageIdentifier>() else {
        problems.push(format!(
            "{}: `{tag}` is not a language tag",
            folder.display()
        ));
        return None;
    };
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Isolation marks (U+2068/U+2069) show as garbage in chat apps.
    bundle.set_use_isolating(false);
    let mut keys = BTreeSet::new();
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ftl"))
        .collect();
    files.sort();
    for file in files {
        let source = match fs::read_to_string(&file) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{}: {e}", file.display()));
                continue;
            }
        };
        let resource = match FluentResource::try_new(source) {
            Ok(r) => r,
            Err((_, errors)) => {
                for e in errors {
                    problems.push(format!("{}: {e}", file.display()));
                }
                continue;
            }
        };
        for entry in resource.entries() {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                keys.insert(m.id.name.to_string());
            }
        }
        if let Err(errors) = bundle.add_resource(resource) {
            for e in errors {
                problems.push(format!("{}: {e}", file.display()));
            }
        }
    }
    Some(Locale {
        lang: Lang::new(tag),
        bundle,
        keys,
    })
}

/// The shipped `locales/`, for unit tests anywhere in the crate.
#[cfg(test)]
pub(crate) fn shipped_localizer() -> Localizer {
    Localizer::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Localizer {
        super::shipped_localizer()
    }

    #[test]
    fn shipped_locales_load_with_vietnamese_first() {
        let names = shipped().languages();
        assert_eq!(names[0], (Lang::new("vi"), "Tiếng Việt".to_string()));
        assert!(names.iter().any(|(l, _)| l.as_str() == "en"));
    }

    #[test]
    fn no_isolation_marks_leak_into_text() {
        let text = shipped().text(
            &Lang::new("vi"),
            &Text::new("lesson-score")
                .arg("score", 2usize)
                .arg("total", 3usize),
        );
        assert!(
            !text.contains('\u{2068}') && !text.contains('\u{2069}'),
            "{text:?}"
        );
        assert!(text.contains("2/3"), "{text}");
    }

    #[test]
    fn dates_times_and_percents_are_written_per_language() {
        let loc = shipped();
        let (vi, en) = (Lang::new("vi"), Lang::new("en"));
        // 2025-03-31T17:30:00Z is already 1 April in Vietnam.
        assert_eq!(loc.date(&vi, 1_743_442_200), "01/04/2025");
        assert_eq!(loc.date(&en, 1_743_442_200), "2025-04-01");
        // 2026-11-23 22:30 in Vietnam.
        assert_eq!(loc.time(&vi, 1_795_447_800), "22:30 23/11");
        assert_eq!(loc.time(&en, 1_795_447_800), "22:30 on 2026-11-23");
        assert_eq!(loc.percent(&vi, 0.247), "24,7%");
        assert_eq!(loc.percent(&en, 0.247), "24.7%");
        assert_eq!(loc.percent(&vi, 1.0), "100,0%");
        let text = Text::new("stats-target")
            .arg("basic", 5usize)
            .arg("adults", 20usize)
            .arg("share", Arg::Percent(0.25))
            .arg("target", Arg::Percent(0.7));
        let shown = loc.text(&vi, &text);
        assert!(
            shown.contains("25,0%") && shown.contains("70,0%"),
            "{shown}"
        );
    }

    #[test]
    fn every_key_the_code_uses_exists_in_every_language() {
        let loc = shipped();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut used = BTreeSet::new();
        collect_keys(&src, &mut used);
        assert!(used.len() > 20, "found only {used:?}");
        for (lang, _) in loc.languages() {
            for key in &used {
                assert!(
                    loc.has_message(&lang, key),
                    "{}: `{key}` is missing",
                    lang.as_str()
                );
            }
        }
    }

    /// Finds every `Text::new` call with a literal message id in the sources.
    fn collect_keys(dir: &Path, keys: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_keys(&path, keys);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = fs::read_to_string(&path).unwrap();
                for part in source.split("Text::new(\"").skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-') {
                        keys.insert(key.to_string());
                    }
                }
            }
        }
    }

    #[test]
    fn a_language_missing_a_message_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        for (lang, body) in [
            ("vi", "language-name = Tiếng Việt\nhello = Chào\n"),
            ("fr", "language-name = Français\n"),
        ] {
            fs::create_dir(dir.path().join(lang)).unwrap();
            fs::write(dir.path().join(lang).join("main.ftl"), body).unwrap();
        }
        let err = Localizer::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("locales/fr: message `hello` is missing"),
            "{err}"
        );
    }
}

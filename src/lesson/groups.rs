//! `groups.toml`: how topics are grouped in the main menu, so a menu of a
//! dozen topics still fits a small phone screen. Checked like the lessons:
//! every problem with its line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::load::Problem;
use super::{BASE_LANG, Localized, MAX_LABEL_CHARS, Topic, TopicGroup, is_valid_id};

/// Most topics one group may hold: a group screen should not scroll.
const MAX_TOPICS: usize = 6;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    group: Vec<toml::Spanned<RawGroup>>,
}

/// Not `deny_unknown_fields`: serde cannot combine it with `flatten`; a
/// stray key still fails, as a table without a `title`.
#[derive(Debug, Deserialize)]
struct RawGroup {
    id: String,
    #[serde(default)]
    icon: Option<String>,
    topics: Vec<String>,
    #[serde(flatten)]
    texts: BTreeMap<String, GroupText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupText {
    title: String,
}

/// The groups in `file` for `topics`; every topic must be in exactly one.
pub(super) fn load_groups(
    file: &Path,
    source: &str,
    topics: &[Topic],
) -> Result<Vec<TopicGroup>, Vec<Problem>> {
    let line_at = |offset: usize| source[..offset.min(source.len())].matches('\n').count() + 1;
    let problem = |line: Option<usize>, message: String| Problem {
        file: file.to_path_buf(),
        line,
        message,
    };
    let raw: RawFile = toml::from_str(source).map_err(|e| {
        let line = e.span().map(|s| line_at(s.start));
        vec![problem(line, e.message().trim_end().to_string())]
    })?;
    let known: BTreeSet<&str> = topics.iter().map(|t| t.id.as_str()).collect();
    let mut problems = Vec::new();
    let mut placed: BTreeMap<String, String> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut groups = Vec::new();
    for spanned in &raw.group {
        let line = Some(line_at(spanned.span().start));
        let g = spanned.get_ref();
        if !is_valid_id(&g.id) {
            problems.push(problem(
                line,
                format!("group id `{}` is not a valid id", g.id),
            ));
        }
        if !ids.insert(g.id.clone()) {
            problems.push(problem(line, format!("group id `{}` is used twice", g.id)));
        }
        if g.topics.is_empty() || g.topics.len() > MAX_TOPICS {
            problems.push(problem(
                line,
                format!(
                    "group `{}` has {} topics; a group holds 1 to {MAX_TOPICS}",
                    g.id,
                    g.topics.len()
                ),
            ));
        }
        for topic in &g.topics {
            if !known.contains(topic.as_str()) {
                problems.push(problem(
                    line,
                    format!(
                        "group `{}` names topic `{topic}`, which does not exist",
                        g.id
                    ),
                ));
            } else if let Some(other) = placed.insert(topic.clone(), g.id.clone()) {
                problems.push(problem(
                    line,
                    format!("topic `{topic}` is in group `{other}` and in `{}`", g.id),
                ));
            }
        }
        for (lang, text) in &g.texts {
            let length = text.title.chars().count();
            if text.title.trim().is_empty() || length > MAX_LABEL_CHARS {
                problems.push(problem(
                    line,
                    format!(
                        "group `{}` title ({lang}) must be 1 to {MAX_LABEL_CHARS} characters",
                        g.id
                    ),
                ));
            }
        }
        let titles = g.texts.iter().map(|(l, t)| (l.clone(), t.title.clone()));
        match Localized::new(titles.collect()) {
            Some(title) => groups.push(TopicGroup {
                id: g.id.clone(),
                icon: g.icon.clone(),
                title,
                topics: g.topics.clone(),
            }),
            None => problems.push(problem(
                line,
                format!("group `{}` needs a `{BASE_LANG}.title`", g.id),
            )),
        }
    }
    if !raw.group.is_empty() {
        for topic in topics {
            if !placed.contains_key(&topic.id) {
                problems.push(problem(
                    None,
                    format!("topic `{}` is in no group: add it to one", topic.id),
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(groups)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(id: &str) -> Topic {
        let text = |s: &str| Localized::new([("vi".to_string(), s.to_string())].into()).unwrap();
        Topic {
            id: id.into(),
            icon: None,
            core: false,
            title: text(id),
            summary: text(""),
            lessons: vec![],
        }
    }

    #[test]
    fn groups_load_in_order_with_their_titles() {
        let src = "[[group]]\nid = \"a\"\ntopics = [\"x\", \"y\"]\nvi.title = \"A\"\n\n[[group]]\nid = \"b\"\ntopics = [\"z\"]\nvi.title = \"B\"\nen.title = \"Bee\"\n";
        let groups = load_groups(
            Path::new("g.toml"),
            src,
            &[topic("x"), topic("y"), topic("z")],
        )
        .unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].topics, ["x", "y"]);
        assert_eq!(groups[1].title.get(&crate::lang::Lang::new("en")), "Bee");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let src = "[[group]]\nid = \"a\"\ntopics = [\"x\", \"nope\"]\nvi.title = \"A\"\n\n[[group]]\nid = \"a\"\ntopics = [\"x\"]\nen.title = \"B\"\n";
        let problems =
            load_groups(Path::new("g.toml"), src, &[topic("x"), topic("y")]).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let all = text.join("\n");
        assert!(
            all.contains("g.toml:1: group `a` names topic `nope`"),
            "{all}"
        );
        assert!(
            all.contains("g.toml:6: group id `a` is used twice"),
            "{all}"
        );
        assert!(
            all.contains("g.toml:6: topic `x` is in group `a` and in `a`"),
            "{all}"
        );
        assert!(
            all.contains("g.toml:6: group `a` needs a `vi.title`"),
            "{all}"
        );
        assert!(all.contains("topic `y` is in no group"), "{all}");
    }
}

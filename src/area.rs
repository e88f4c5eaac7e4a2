//! The area tree (province → commune/ward → residential group), loaded from
//! a TOML file at start and validated like the lessons: every problem is
//! reported with its line, and a tree with any problem is never used.
//!
//! Each area carries its adult population and the share of adults the
//! movement targets, so figures can be set against targets. It knows nothing
//! of learners, stores or chats.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use crate::lesson::is_valid_id;

#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub id: String,
    pub name: String,
    pub parent: Option<String>,
    /// Adults living in the area (the denominator of the target).
    pub adults: u64,
    /// The share of adults (0–1) the area aims to bring to basic digital skills.
    pub target: f64,
}

/// A validated tree: one root, every parent known, no cycles.
#[derive(Debug, Clone)]
pub struct AreaTree {
    areas: BTreeMap<String, Area>,
    /// Children of each area, in file order.
    children: BTreeMap<String, Vec<String>>,
    root: String,
}

/// A problem in the area file: the same shape as a lesson problem.
pub type AreaProblem = crate::lesson::Problem;

#[derive(Debug, thiserror::Error)]
#[error("the area file has {} problem(s):\n{}", .0.len(), list(.0))]
pub struct AreaError(pub Vec<AreaProblem>);

fn list(problems: &[AreaProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    area: Vec<toml::Spanned<RawArea>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    id: String,
    name: String,
    #[serde(default)]
    parent: Option<String>,
    adults: u64,
    target: f64,
}

impl AreaTree {
    /// A tree of one area, for a deployment that does not use areas.
    pub fn single(id: &str, name: &str) -> Self {
        let area = Area {
            id: id.to_string(),
            name: name.to_string(),
            parent: None,
            adults: 0,
            target: 0.0,
        };
        AreaTree {
            areas: BTreeMap::from([(id.to_string(), area)]),
            children: BTreeMap::new(),
            root: id.to_string(),
        }
    }

    pub fn load(file: &Path) -> Result<Self, AreaError> {
        let source = std::fs::read_to_string(file).map_err(|e| {
            AreaError(vec![AreaProblem {
                file: file.to_path_buf(),
                line: None,
                message: format!("cannot read the area file: {e}"),
            }])
        })?;
        Self::parse(file, &source)
    }

    pub fn parse(file: &Path, source: &str) -> Result<Self, AreaError> {
        let line_at = |offset: usize| source[..offset.min(source.len())].matches('\n').count() + 1;
        let problem = |line: Option<usize>, message: String| AreaProblem {
            file: file.to_path_buf(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(source).map_err(|e| {
            let line = e.span().map(|s| line_at(s.start));
            AreaError(vec![problem(line, e.message().trim_end().to_string())])
        })?;
        let mut problems = Vec::new();
        let mut areas: BTreeMap<String, Area> = BTreeMap::new();
        let mut order = Vec::new();
        let mut lines = BTreeMap::new();
        for spanned in &raw.area {
            let line = Some(line_at(spanned.span().start));
            let a = spanned.get_ref();
            let mut ok = true;
            let mut bad = |message: String| {
                problems.push(problem(line, message));
                ok = false;
            };
            if !is_valid_id(&a.id) {
                bad(format!(
                    "area id `{}` must be 1-32 lower-case letters, digits or `-`",
                    a.id
                ));
            }
            if a.name.trim().is_empty() || a.name.chars().count() > 64 {
                bad(format!("area `{}` needs a name of 1-64 characters", a.id));
            }
            if !(0.0..=1.0).contains(&a.target) {
                bad(format!(
                    "area `{}`: target {} must be a share between 0 and 1 (0.8 = 80%)",
                    a.id, a.target
                ));
            }
            if areas.contains_key(&a.id) {
                bad(format!("area id `{}` is used twice", a.id));
            }
            if ok {
                lines.insert(a.id.clone(), line);
                order.push(a.id.clone());
                areas.insert(
                    a.id.clone(),
                    Area {
                        id: a.id.clone(),
                        name: a.name.trim().to_string(),
                        parent: a.parent.clone(),
                        adults: a.adults,
                        target: a.target,
                    },
                );
            }
        }
        let roots: Vec<&String> = order
            .iter()
            .filter(|id| areas[*id].parent.is_none())
            .collect();
        match roots.as_slice() {
            [_] => {}
            [] if areas.is_empty() && problems.is_empty() => {
                problems.push(problem(None, "the file names no area".into()));
            }
            [] => problems.push(problem(
                None,
                "no area is the root: exactly one area has no `parent`".into(),
            )),
            [_, more @ ..] => {
                for id in more {
                    problems.push(problem(
                        lines[*id],
                        format!("area `{id}` has no parent, but only one area may be the root"),
                    ));
                }
            }
        }
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in &order {
            if let Some(parent) = &areas[id].parent {
                if areas.contains_key(parent) {
                    children.entry(parent.clone()).or_default().push(id.clone());
                } else {
                    problems.push(problem(
                        lines[id],
                        format!("area `{id}` names parent `{parent}`, which is not in the file"),
                    ));
                }
            }
        }
        for id in &order {
            if has_cycle(&areas, id) {
                problems.push(problem(
                    lines[id],
                    format!("area `{id}` is its own ancestor (a cycle of parents)"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(AreaError(problems));
        }
        let root = roots[0].clone();
        Ok(AreaTree {
            areas,
            children,
            root,
        })
    }

    pub fn root(&self) -> &Area {
        &self.areas[&self.root]
    }

    pub fn get(&self, id: &str) -> Option<&Area> {
        self.areas.get(id)
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    pub fn children(&self, id: &str) -> impl Iterator<Item = &Area> {
        self.children
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|c| self.areas.get(c))
    }

    /// The area and its ancestors, up to the root.
    pub fn path(&self, id: &str) -> Vec<&Area> {
        let mut path = Vec::new();
        let mut at = self.areas.get(id);
        while let Some(area) = at {
            path.push(area);
            at = area.parent.as_deref().and_then(|p| self.areas.get(p));
        }
        path
    }

    /// Whether `id` is `ancestor` or lies below it.
    pub fn is_within(&self, id: &str, ancestor: &str) -> bool {
        self.path(id).iter().any(|a| a.id == ancestor)
    }

    /// The area and everything below it, parents before children.
    pub fn subtree(&self, id: &str) -> Vec<&Area> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            if let Some(area) = self.areas.get(at) {
                out.push(area);
                if let Some(kids) = self.children.get(at) {
                    stack.extend(kids.iter().rev().map(String::as_str));
                }
            }
        }
        out
    }

    /// "Phường A › Tỉnh B": where an area sits, for people choosing one.
    pub fn full_name(&self, id: &str) -> String {
        self.path(id)
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(" › ")
    }
}

fn has_cycle(areas: &BTreeMap<String, Area>, start: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut at = Some(start.to_string());
    while let Some(id) = at {
        if !seen.insert(id.clone()) {
            return true;
        }
        at = areas.get(&id).and_then(|a| a.parent.clone());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[area]]
id = "tinh"
name = "Tỉnh Mẫu"
adults = 1000
target = 0.8

[[area]]
id = "phuong-a"
parent = "tinh"
name = "Phường A"
adults = 600
target = 0.9

[[area]]
id = "to-1"
parent = "phuong-a"
name = "Tổ dân phố 1"
adults = 100
target = 0.9

[[area]]
id = "xa-b"
parent = "tinh"
name = "Xã B"
adults = 400
target = 0.7
"#;

    fn parse(src: &str) -> Result<AreaTree, AreaError> {
        AreaTree::parse(Path::new("areas.toml"), src)
    }

    #[test]
    fn a_good_file_gives_the_tree() {
        let tree = parse(GOOD).unwrap();
        assert_eq!(tree.root().id, "tinh");
        let kids: Vec<&str> = tree.children("tinh").map(|a| a.id.as_str()).collect();
        assert_eq!(kids, ["phuong-a", "xa-b"]);
        assert!(tree.is_within("to-1", "tinh"));
        assert!(tree.is_within("to-1", "phuong-a"));
        assert!(!tree.is_within("to-1", "xa-b"));
        assert!(!tree.is_within("nowhere", "tinh"));
        let sub: Vec<&str> = tree.subtree("tinh").iter().map(|a| a.id.as_str()).collect();
        assert_eq!(sub, ["tinh", "phuong-a", "to-1", "xa-b"]);
        assert_eq!(tree.full_name("to-1"), "Tổ dân phố 1 › Phường A › Tỉnh Mẫu");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let src = r#"
[[area]]
id = "tinh"
name = "Tỉnh"
adults = 10
target = 0.8

[[area]]
id = "Bad Id"
parent = "tinh"
name = "X"
adults = 1
target = 0.5

[[area]]
id = "orphan"
parent = "missing"
name = "Mồ côi"
adults = 1
target = 1.5

[[area]]
id = "second-root"
name = "Hai"
adults = 1
target = 0.5
"#;
        let err = parse(src).unwrap_err();
        let shown: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert!(
            shown.contains(
                &"areas.toml:8: area id `Bad Id` must be 1-32 lower-case letters, digits or `-`"
                    .to_string()
            ),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("areas.toml:15:") && s.contains("target 1.5")),
            "{shown:#?}"
        );
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("areas.toml:22:")
                    && s.contains("only one area may be the root")),
            "{shown:#?}"
        );
    }

    #[test]
    fn unknown_parents_cycles_and_syntax_errors_are_refused() {
        let src = "[[area]]\nid = \"a\"\nparent = \"b\"\nname = \"A\"\nadults = 1\ntarget = 0.5\n\n[[area]]\nid = \"b\"\nparent = \"a\"\nname = \"B\"\nadults = 1\ntarget = 0.5\n";
        let err = parse(src).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no area is the root"), "{text}");
        assert!(
            text.contains("areas.toml:1: area `a` is its own ancestor"),
            "{text}"
        );

        let err =
            parse("[[area]]\nid = \"a\"\nname = \"A\"\nadults = -1\ntarget = 0.5\n").unwrap_err();
        assert_eq!(err.0[0].line, Some(4), "{err}");

        let err =
            parse("[[area]]\nid = \"a\"\nname = \"A\"\nadults = 1\ntarget = 0.5\ncolour = 1\n")
                .unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        assert!(parse("").unwrap_err().to_string().contains("names no area"));
    }

    #[test]
    fn the_shipped_sample_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("areas.toml");
        let tree = AreaTree::load(&path).unwrap();
        assert!(tree.len() >= 7, "the sample should show three levels");
        assert!(
            tree.subtree(&tree.root().id)
                .iter()
                .any(|a| tree.path(&a.id).len() == 3)
        );
    }
}

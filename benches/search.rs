//! Search over 500 lessons (target: one question answered in < 1 ms on one
//! core), and the one-off cost of building the index at start.
//!
//! The tree is generated from the shipped lessons so that words, lengths
//! and languages are real: each generated lesson takes its title, summary,
//! keywords, six steps and its quiz from different shipped lessons (pictures
//! left out), in Vietnamese and English. 50 topics of 10 lessons.
//! Run: `cargo bench --bench search`.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use hocvuso::lesson::load_tree;
use hocvuso::search::SearchIndex;

const TOPICS: usize = 50;
const PER_TOPIC: usize = 10;
const STEPS: usize = 6;

/// One shipped lesson file cut into its parts.
struct Source {
    title: String,
    summary: String,
    keywords: String,
    steps: Vec<String>,
    quiz: String,
}

fn header_value<'a>(header: &'a str, key: &str) -> &'a str {
    header
        .lines()
        .find_map(|l| l.strip_prefix(key)?.trim_start().strip_prefix('='))
        .unwrap_or("\"\"")
        .trim()
}

fn source(path: &Path) -> Source {
    let text = fs::read_to_string(path).unwrap();
    let (header, body) = text
        .trim_start_matches("+++\n")
        .split_once("\n+++\n")
        .unwrap();
    let (steps, quiz) = body
        .split_once("\n## Câu hỏi")
        .or_else(|| body.split_once("\n## Question"))
        .unwrap();
    let marker = if body.contains("## Bước") {
        "## Bước"
    } else {
        "## Step"
    };
    let quiz_marker = if marker == "## Bước" {
        "## Câu hỏi"
    } else {
        "## Question"
    };
    Source {
        title: header_value(header, "title").to_string(),
        summary: header_value(header, "summary").to_string(),
        keywords: header_value(header, "keywords").replace("\"\"", "[]"),
        steps: steps
            .split(marker)
            .skip(1)
            .map(|s| {
                let kept: Vec<&str> = s
                    .lines()
                    .filter(|l| !l.starts_with("Hình:") && !l.starts_with("Picture:"))
                    .collect();
                format!("{marker}{}\n", kept.join("\n"))
            })
            .collect(),
        quiz: format!("{quiz_marker}{quiz}"),
    }
}

/// Pairs of (Vietnamese, English) shipped lessons, in a fixed order.
fn sources(lessons: &Path) -> Vec<(Source, Source)> {
    let mut files: Vec<_> = fs::read_dir(lessons)
        .unwrap()
        .flat_map(|topic| fs::read_dir(topic.unwrap().path()).into_iter().flatten())
        .map(|f| f.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".vi.md"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|vi| {
            let en = vi.to_string_lossy().replace(".vi.md", ".en.md");
            (source(vi), source(Path::new(&en)))
        })
        .collect()
}

fn write_tree(dir: &Path, sources: &[(Source, Source)]) {
    let n = sources.len();
    let pick = |i: usize, salt: usize| &sources[(i * 7 + salt * 13) % n];
    for t in 0..TOPICS {
        let folder = dir.join(format!("{t:02}-topic{t}"));
        fs::create_dir_all(&folder).unwrap();
        let ids: Vec<String> = (0..PER_TOPIC).map(|l| format!("t{t}-l{l}")).collect();
        let list = ids.iter().map(|id| format!("\"{id}\"")).collect::<Vec<_>>();
        let (vi_title, en_title) = (&pick(t, 1).0.title, &pick(t, 1).1.title);
        fs::write(
            folder.join("topic.toml"),
            format!(
                "id = \"topic{t}\"\norder = {t}\nlessons = [{}]\n[vi]\ntitle = {vi_title}\nsummary = \"\"\n[en]\ntitle = {en_title}\nsummary = \"\"\n",
                list.join(", ")
            ),
        )
        .unwrap();
        for (l, id) in ids.iter().enumerate() {
            let i = t * PER_TOPIC + l;
            for english in [false, true] {
                let part = |salt: usize| {
                    let (vi, en) = pick(i, salt);
                    if english { en } else { vi }
                };
                let mut file = format!(
                    "+++\nid = \"{id}\"\ntitle = {}\nsummary = {}\nkeywords = {}\n+++\n\n",
                    part(0).title,
                    part(1).summary,
                    part(2).keywords
                );
                // Each step from another lesson, the same one in both languages.
                for s in 0..STEPS {
                    let from = part(3 + s);
                    file.push_str(&from.steps[(i + s) % from.steps.len()]);
                    file.push('\n');
                }
                write!(file, "{}", part(10).quiz).unwrap();
                let lang = if english { "en" } else { "vi" };
                fs::write(folder.join(format!("{id}.{lang}.md")), file).unwrap();
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &sources(&root.join("lessons")));
    let tree = load_tree(dir.path()).unwrap_or_else(|e| panic!("generated tree: {e}"));
    assert_eq!(tree.lessons().count(), TOPICS * PER_TOPIC);
    let mut build = c.benchmark_group("search build");
    build.sample_size(10);
    build.bench_function("500 lessons", |b| b.iter(|| SearchIndex::build(&tree)));
    build.finish();
    let index = SearchIndex::build(&tree);
    // A typical question, one with a typo and telex, one in English, and one
    // no lesson answers (it scans the most and returns nothing).
    for question in [
        "làm sao để cài vneid vậy con",
        "chuyeenr khoanr cho con bij nham thi lam sao",
        "how do I send money to my son",
        "giá vàng hôm nay bao nhiêu",
    ] {
        c.bench_function(&format!("search query {question:?}"), |b| {
            b.iter(|| index.query(std::hint::black_box(question)))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);

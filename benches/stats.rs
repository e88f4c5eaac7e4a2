//! `/stats` for a whole province on a large store: 1,000,000 learners and
//! 10,000,000 completion events (target: an answer in < 100 ms); `/report`
//! for the province against the indicators, with its spreadsheet written
//! (< 200 ms); then `/verify CODE` among the certificates those learners
//! earned (< 1 ms). Learners say their age band and group (some skip it),
//! and some answer the VNeID question, so the report's counters are full.
//!
//! The store is filled through `Store::commit` exactly as the engine writes
//! it (learner, completions, counter changes from `stats::contributions`),
//! with the per-completion flush off for the set-up only. The area tree is
//! generated: one province, 100 communes, 10 residential groups each.
//!
//! `HOCVUSO_BENCH_LEARNERS` scales the set-up (default 1,000,000; each
//! learner has 10 completions). Run: `cargo bench --bench stats`.
//!
//! `HOCVUSO_BENCH_STORE=postgres` runs it on PostgreSQL (a throwaway cluster
//! on this machine, default server settings): the same records are written
//! in bulk (`Store::import`, as `store copy` writes), the counters summed in
//! memory first; `HOCVUSO_BENCH_COPY=1` then also times `store copy` of the
//! whole store to a new sled folder.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hocvuso::app::App;
use hocvuso::area::AreaTree;
use hocvuso::core::stats::{contributions, counter_deltas};
use hocvuso::core::{
    Callback, Certificate, CompletedLesson, Completion, Core, Input, Lang, Learner, LearnerId,
    LessonProgress, Place, Session, code_from,
};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::indicator::{AgeBand, Indicators, PopGroup};
use hocvuso::lesson::load_tree;
use hocvuso::store::copy::Record;
use hocvuso::store::pg::{PgStore, TestCluster};
use hocvuso::store::{Change, SledStore, Store};

const COMPLETIONS_PER_LEARNER: usize = 10;
const COMMUNES: usize = 100;
const GROUPS_PER_COMMUNE: usize = 10;
/// 2026-11-23 10:00 in Vietnam.
const NOW: i64 = 1_795_417_200;
const DAY: i64 = 86_400;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test` runs benches once as tests: too big for that
    }
    let learners: usize = std::env::var("HOCVUSO_BENCH_LEARNERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = Arc::new(load_tree(&repo.join("lessons")).unwrap());
    let localizer = Arc::new(Localizer::load(&repo.join("locales")).unwrap());
    let areas = Arc::new(generated_areas());
    let data = tempfile::tempdir().unwrap();
    let on_postgres = std::env::var("HOCVUSO_BENCH_STORE").is_ok_and(|s| s == "postgres");
    // Kept alive to the end: dropping it stops the server.
    let cluster = on_postgres.then(|| TestCluster::start(&[]).expect("a PostgreSQL server"));
    let store: Arc<dyn Store> = match &cluster {
        Some(cluster) => Arc::new(PgStore::open(&cluster.database().unwrap()).unwrap()),
        None => {
            let mut store = SledStore::open(data.path()).unwrap();
            store.set_durable(false);
            Arc::new(store)
        }
    };
    let mut pending: Vec<Record> = Vec::new();
    let mut all_counters: std::collections::BTreeMap<hocvuso::core::stats::CounterKey, i64> =
        Default::default();

    let started = Instant::now();
    let lessons: Vec<(String, String)> = tree
        .lessons()
        .map(|l| (l.id.clone(), l.topic.clone()))
        .collect();
    let groups: Vec<String> = areas
        .subtree("tinh")
        .iter()
        .filter(|a| areas.path(&a.id).len() == 3)
        .map(|a| a.id.clone())
        .collect();
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let mut events = 0usize;
    let mut issued = 0usize;
    let mut sample_codes: Vec<String> = Vec::new();
    for n in 0..learners {
        let mut learner = Learner::new(
            LearnerId::new(format!("tg:{n}")).unwrap(),
            "telegram",
            "Bench",
            NOW - 700 * DAY,
        );
        learner.lang = Some(Lang::new("vi"));
        learner.session = Session::Menu;
        learner.area = Some(groups[next(groups.len())].clone());
        learner.profile.age = [None, Some(AgeBand::Under60), Some(AgeBand::From60)][next(3)];
        learner.profile.group = match next(7) {
            k @ 0..=4 => Some(PopGroup::ALL[k]),
            _ => None,
        };
        // Ten lessons in a row from a random start: topics get finished too.
        let first = next(lessons.len());
        let mut at = NOW - (next(720) as i64) * DAY;
        learner.started = Some(at);
        let mut completions = Vec::with_capacity(COMPLETIONS_PER_LEARNER);
        for k in 0..COMPLETIONS_PER_LEARNER {
            let (lesson, topic) = &lessons[(first + k) % lessons.len()];
            at += 3600;
            learner.progress.insert(
                lesson.clone(),
                LessonProgress {
                    step: 0,
                    updated: at,
                    completed: Some(CompletedLesson {
                        at,
                        score: 3,
                        total: 3,
                    }),
                },
            );
            completions.push(Completion {
                learner: learner.id.clone(),
                topic: topic.clone(),
                lesson: lesson.clone(),
                version: "bench".into(),
                score: 3,
                total: 3,
                at,
            });
        }
        let mut certificates = Vec::new();
        for topic in tree.topics() {
            if topic.lessons.iter().all(|l| learner.is_completed(l)) {
                let code = code_from(next(usize::MAX) as u64, 3);
                learner.certificates.insert(
                    topic.id.clone(),
                    hocvuso::core::CertificateStamp {
                        code: code.clone(),
                        at,
                        name: None,
                    },
                );
                certificates.push(Certificate {
                    code,
                    learner: learner.id.clone(),
                    name: "Bench".into(),
                    topic: topic.id.clone(),
                    at,
                    lessons: Vec::new(),
                    revoked: None,
                });
            }
        }
        if let Some(c) = certificates.first()
            && sample_codes.len() < 100
        {
            sample_codes.push(c.code.clone());
        }
        if learner.certificates.contains_key("digital-market") && next(2) == 0 {
            learner.vneid = Some(hocvuso::core::VneidAnswer {
                answer: hocvuso::core::Vneid::Yes,
                at,
            });
        }
        issued += certificates.len();
        let counters = counter_deltas(&Default::default(), &contributions(&learner, &areas));
        events += completions.len();
        if on_postgres {
            for (key, delta) in counters {
                *all_counters.entry(key).or_default() += delta;
            }
            pending.extend(completions.into_iter().map(Record::Completion));
            pending.extend(certificates.into_iter().map(Record::Certificate));
            pending.push(Record::Learner(learner));
            if pending.len() >= 20_000 {
                store.import(&pending).unwrap();
                pending.clear();
            }
        } else {
            store
                .commit(&Change {
                    completions: &completions,
                    counters: &counters,
                    certificates: &certificates,
                    ..Change::of(&learner)
                })
                .unwrap();
        }
        if n % 100_000 == 99_999 {
            eprintln!(
                "  … {} learners, {events} events, {:.0?}",
                n + 1,
                started.elapsed()
            );
        }
    }
    pending.extend(
        std::mem::take(&mut all_counters)
            .into_iter()
            .map(|(k, v)| Record::Counter(k, v)),
    );
    store.import(&pending).unwrap();
    drop(pending);
    store.flush().unwrap();
    eprintln!(
        "store filled: {learners} learners, {events} completion events, {issued} certificates in {:.0?}",
        started.elapsed()
    );

    let admin = LearnerId::new("tg:admin").unwrap();
    let indicators = generated_indicators(&repo.join("indicators.toml"), &areas, &tree);
    let core = Core::new(tree, localizer.languages())
        .with_areas(areas)
        .with_indicators(Arc::new(indicators))
        .with_admins(vec![admin.clone()]);
    let app = App::with_core(core, localizer.clone(), store.clone());
    let event = |input: Input| Event {
        learner: admin.clone(),
        channel: "telegram",
        display_name: "Admin".into(),
        place: Place::Private,
        input,
        now: NOW,
    };
    app.engine
        .handle(&event(Input::Button(
            Callback::SetLang(Lang::new("vi")).encode(),
        )))
        .unwrap();

    let mut samples: Vec<Duration> = Vec::new();
    let mut rendered = 0;
    for round in 0..30 {
        let input = match round % 3 {
            0 => Input::Text("/stats".into()),
            1 => Input::Button(
                Callback::Stats(
                    "tinh".into(),
                    hocvuso::core::stats::Period::AllTime,
                    hocvuso::core::stats::StatsView::Summary,
                )
                .encode(),
            ),
            _ => Input::Button(
                Callback::Stats(
                    "tinh".into(),
                    hocvuso::core::stats::Period::ThisYear,
                    hocvuso::core::stats::StatsView::Summary,
                )
                .encode(),
            ),
        };
        let t = Instant::now();
        let handled = app.engine.handle(&event(input)).unwrap();
        // Rendered as the channel would, so the figure is what a user waits for.
        for action in &handled.actions {
            let hocvuso::core::Action::Send(message) = action;
            rendered +=
                hocvuso::channel::plain::render_text(&localizer, &handled.lang, message).len();
        }
        samples.push(t.elapsed());
    }
    samples.sort();
    let p50 = samples[samples.len() / 2];
    let max = *samples.last().unwrap();
    println!(
        "/stats for the province (100 communes, 1,000 groups), {learners} learners, {events} events: \
         p50 {p50:.2?}, max {max:.2?} over {} runs ({rendered} chars rendered); target < 100 ms",
        samples.len()
    );

    // `/report` for the province: 101 areas read for three periods each, the
    // message rendered and the spreadsheet written, as a channel sends them.
    let mut report: Vec<Duration> = Vec::new();
    let mut bytes = 0;
    let mut report_chars = 0;
    let mut sheets: Vec<Duration> = Vec::new();
    let vi = Lang::new("vi");
    for round in 0..20 {
        let input = if round % 2 == 0 {
            Input::Text("/report".into())
        } else {
            Input::Text("/report q3".into())
        };
        let t = Instant::now();
        let handled = app.engine.handle(&event(input)).unwrap();
        for action in &handled.actions {
            let hocvuso::core::Action::Send(message) = action;
            report_chars +=
                hocvuso::channel::plain::render_text(&localizer, &handled.lang, message).len();
            let sheet = Instant::now();
            if let Some(hocvuso::core::Attachment::Document(doc)) =
                hocvuso::report_xlsx::as_document(&localizer, &vi, message.attachment.as_ref())
            {
                bytes += doc.content.len();
                sheets.push(sheet.elapsed());
            }
        }
        report.push(t.elapsed());
    }
    assert!(bytes > 0, "the report carries its spreadsheet");
    report.sort();
    sheets.sort();
    println!(
        "/report for the province (9 indicators, 100 communes) with its .xlsx, {learners} learners: \
         p50 {:.2?} (of which the .xlsx {:.2?}), max {:.2?} over {} runs ({} KB of xlsx, {} chars each); target < 200 ms",
        report[report.len() / 2],
        sheets[sheets.len() / 2],
        report.last().unwrap(),
        report.len(),
        bytes / report.len() / 1024,
        report_chars / report.len()
    );

    // `/verify CODE` through the engine, known and unknown codes alike.
    let mut verify: Vec<Duration> = Vec::new();
    for (n, code) in sample_codes.iter().enumerate() {
        let typed = if n % 2 == 0 {
            code.clone()
        } else {
            format!("{code}X")
        };
        let t = Instant::now();
        let handled = app
            .engine
            .handle(&event(Input::Text(format!("/verify {typed}"))))
            .unwrap();
        verify.push(t.elapsed());
        assert_eq!(handled.actions.len(), 1);
    }
    verify.sort();
    println!(
        "/verify among {issued} certificates: p50 {:.3?}, max {:.3?} over {} codes; target < 1 ms",
        verify[verify.len() / 2],
        verify.last().unwrap(),
        verify.len()
    );

    if std::env::var("HOCVUSO_BENCH_COPY").is_ok_and(|v| v == "1") {
        let target = tempfile::tempdir().unwrap();
        let mut sled = SledStore::open(target.path()).unwrap();
        sled.set_durable(false);
        let t = Instant::now();
        let summary =
            hocvuso::store::copy::copy(store.as_ref(), &sled, false, &mut |_| {}).unwrap();
        println!(
            "store copy of {learners} learners to sled: {:.1?} ({} records, checked)",
            t.elapsed(),
            summary.records()
        );
    }
    drop(cluster);
}

fn generated_areas() -> AreaTree {
    let mut src =
        String::from("[[area]]\nid = \"tinh\"\nname = \"Tỉnh\"\nadults = 2000000\ntarget = 0.8\n");
    for c in 0..COMMUNES {
        write!(
            src,
            "[[area]]\nid = \"xa-{c}\"\nparent = \"tinh\"\nname = \"Xã {c}\"\nadults = 20000\ntarget = 0.8\n"
        )
        .unwrap();
        for g in 0..GROUPS_PER_COMMUNE {
            write!(
                src,
                "[[area]]\nid = \"to-{c}-{g}\"\nparent = \"xa-{c}\"\nname = \"Tổ {g}\"\nadults = 2000\ntarget = 0.8\n"
            )
            .unwrap();
        }
    }
    AreaTree::parse(Path::new("generated"), &src).unwrap()
}

/// The shipped indicators, with targets and populations for the generated
/// province instead of the sample's.
fn generated_indicators(
    shipped: &Path,
    areas: &AreaTree,
    tree: &hocvuso::lesson::LessonTree,
) -> Indicators {
    let source = std::fs::read_to_string(shipped).unwrap();
    // The first target table (not the mention in the header comment).
    let cut = source.find("\n[[target]]").map_or(source.len(), |i| i + 1);
    let mut src = source[..cut].replace("\"learning-platform\"", "\"digital-market\"");
    for indicator in [
        "adults-basic",
        "adults-vneid",
        "servants-basic",
        "workers-basic",
    ] {
        write!(
            src,
            "[[target]]\nindicator = \"{indicator}\"\narea = \"tinh\"\nby_year = {{ 2025 = 0.8, 2026 = 1.0 }}\n"
        )
        .unwrap();
    }
    for c in 0..COMMUNES {
        write!(
            src,
            "[[population]]\narea = \"xa-{c}\"\nelderly = 4000\nresident = 15000\npublic-servant = 600\nstudent = 3000\nworker = 1400\ntrader = 300\n"
        )
        .unwrap();
    }
    Indicators::parse(Path::new("generated"), &src, areas, tree)
        .unwrap()
        .indicators
}

//! Button events through core + sled with state persisted, 100,000 learners
//! in a warm store (target: ≥ 50,000 events/s on one core).

mod support;

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use hocvuso::app::App;
use hocvuso::core::{Callback, Input, Lang, LearnerId, Place};
use hocvuso::engine::Event;
use hocvuso::i18n::Localizer;
use hocvuso::lesson::load_tree;
use hocvuso::store::SledStore;

const LEARNERS: usize = 100_000;

fn bench(c: &mut Criterion) {
    let lessons_dir = tempfile::tempdir().unwrap();
    support::write_tree(lessons_dir.path(), 20, 10);
    let tree = Arc::new(load_tree(lessons_dir.path()).unwrap());
    let localizer = Arc::new(
        Localizer::load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap(),
    );
    let data = tempfile::tempdir().unwrap();
    let store = Arc::new(SledStore::open(data.path()).unwrap());
    let app = App::with_store(tree, localizer, store);
    let lesson_ids: Vec<String> = app
        .engine
        .core()
        .lessons()
        .lessons()
        .map(|l| l.id.clone())
        .collect();

    let ids: Vec<LearnerId> = (0..LEARNERS)
        .map(|n| LearnerId::new(format!("tg:{n}")).unwrap())
        .collect();
    let event = |n: usize, input: Input, now: i64| Event {
        learner: ids[n % LEARNERS].clone(),
        channel: "bench",
        display_name: String::new(),
        place: Place::Private,
        input,
        now,
    };
    // Warm the store: every learner has chosen a language and is inside a lesson.
    let started = Instant::now();
    for n in 0..LEARNERS {
        let lang = Callback::SetLang(Lang::new("vi")).encode();
        app.engine
            .handle(&event(n, Input::Button(lang), 1))
            .unwrap();
        let open = Callback::Lesson(lesson_ids[n % lesson_ids.len()].clone()).encode();
        app.engine
            .handle(&event(n, Input::Button(open), 2))
            .unwrap();
    }
    eprintln!("warmed {LEARNERS} learners in {:.1?}", started.elapsed());

    // Each event is a learner pressing "Next" or "Back" inside their lesson.
    let presses: Vec<String> = (0..LEARNERS)
        .map(|n| Callback::Step(lesson_ids[n % lesson_ids.len()].clone(), (n / 7) % 6).encode())
        .collect();
    let mut group = c.benchmark_group("core+sled");
    group.throughput(Throughput::Elements(1));
    let mut n = 0usize;
    group.bench_function("button event, 100k learners", |b| {
        b.iter(|| {
            n = n.wrapping_add(7919);
            let i = n % LEARNERS;
            app.engine
                .handle(&event(i, Input::Button(presses[i].clone()), 3))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);

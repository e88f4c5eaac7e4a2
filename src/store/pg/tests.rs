//! The PostgreSQL store against a real server (a throwaway cluster started
//! by the tests themselves; they fail, never skip, when it cannot start).

use std::sync::Arc;

use super::*;
use crate::core::stats::CounterKey;
use crate::core::{LinkKind, Role};
use crate::store::conformance;

/// A fresh, empty database on the test cluster.
fn fresh() -> String {
    let cluster = TestCluster::shared().unwrap_or_else(|e| {
        panic!("the PostgreSQL tests need a server and none could be started: {e}")
    });
    cluster.database().unwrap_or_else(|e| panic!("{e}"))
}

fn open(url: &str) -> PgStore {
    PgStore::open_with(url, &PgOptions { pool_size: 4 }).unwrap()
}

#[test]
fn passes_the_conformance_suite() {
    conformance::run(&open(&fresh()));
}

#[test]
fn data_survives_reopening() {
    let url = fresh();
    let written = conformance::write_sample(&open(&url));
    let store = open(&url);
    conformance::check_sample(&store, &written);
}

#[test]
fn a_database_of_a_newer_schema_is_refused() {
    let url = fresh();
    drop(open(&url));
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "INSERT INTO hocvuso_schema (version, name) VALUES ($1, 'from the future')",
            &[&(SCHEMA_VERSION as i32 + 1)],
        )
        .unwrap();
    let err = PgStore::open(&url).unwrap_err();
    assert!(matches!(err, StoreError::Schema { .. }), "{err}");
    assert!(err.to_string().contains("schema version"), "{err}");
}

#[test]
fn migrations_run_once_and_reopening_changes_nothing() {
    let url = fresh();
    drop(open(&url));
    drop(open(&url));
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let versions: Vec<i32> = client
        .query("SELECT version FROM hocvuso_schema ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    // A port nobody listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = PgStore::open(&format!("postgres://hocvuso:secret@127.0.0.1:{port}/x")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, StoreError::Open { .. }), "{text}");
    assert!(text.contains(&format!("127.0.0.1:{port}")), "{text}");
    assert!(!text.contains("secret"), "the password never shows: {text}");
    let err = PgStore::open("postgres://[::1").unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
}

/// Many learners race for one single-use invite: exactly one commit wins,
/// every other is refused whole.
#[test]
fn a_single_use_code_is_claimed_once_under_concurrency() {
    let store = Arc::new(open(&fresh()));
    let admin = Learner::new(LearnerId::new("tg:1").unwrap(), "telegram", "Admin", 1);
    let invite = Link {
        code: "RACE-CODE-0001".into(),
        kind: LinkKind::Invite {
            role: Role::Volunteer,
            area: "ward".into(),
        },
        created_by: admin.id.clone(),
        created: 1,
        expires: None,
        used_by: None,
    };
    store
        .commit(&Change {
            links: std::slice::from_ref(&invite),
            ..Change::of(&admin)
        })
        .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|n| {
            let store = store.clone();
            let invite = invite.clone();
            std::thread::spawn(move || {
                let me = Learner::new(
                    LearnerId::new(format!("tg:{}", 100 + n)).unwrap(),
                    "telegram",
                    "Racer",
                    2,
                );
                let mut used = invite.clone();
                used.used_by = Some(me.id.clone());
                store.commit(&Change {
                    claim: Some(&invite.code),
                    links: std::slice::from_ref(&used),
                    counters: &[(
                        CounterKey {
                            scope: "a:ward".into(),
                            quarter: 8100,
                            metric: "started".into(),
                        },
                        1,
                    )],
                    ..Change::of(&me)
                })
            })
        })
        .collect();
    let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, StoreError::Conflict { .. }))
    );
    let counts = store.counts("a:ward", (0, u32::MAX)).unwrap();
    assert_eq!(
        counts.get("started"),
        Some(&1),
        "refused changes left no count"
    );
    let winner = store.link(&invite.code).unwrap().unwrap().used_by.unwrap();
    assert!(store.load(&winner).unwrap().is_some());
}

/// Concurrent events touching the same counters, in different orders,
/// neither deadlock nor lose an increment.
#[test]
fn concurrent_counter_changes_all_land() {
    let store = Arc::new(open(&fresh()));
    let keys: Vec<CounterKey> = (0..5)
        .map(|n| CounterKey {
            scope: "a:tinh".into(),
            quarter: 8100,
            metric: format!("l:{n}"),
        })
        .collect();
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let store = store.clone();
            let mut keys = keys.clone();
            if t % 2 == 1 {
                keys.reverse();
            }
            std::thread::spawn(move || {
                for n in 0..40 {
                    let me = Learner::new(
                        LearnerId::new(format!("tg:{t}-{n}")).unwrap(),
                        "telegram",
                        "C",
                        1,
                    );
                    let changes: Vec<(CounterKey, i64)> =
                        keys.iter().map(|k| (k.clone(), 1)).collect();
                    store
                        .commit(&Change {
                            counters: &changes,
                            ..Change::of(&me)
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let counts = store.counts("a:tinh", (8100, 8100)).unwrap();
    for n in 0..5 {
        assert_eq!(counts.get(&format!("l:{n}")), Some(&240));
    }
}

/// Called from inside async tasks (as channels do for small values), the
/// store neither panics nor blocks the runtime's other work for good.
#[test]
fn works_from_async_tasks_and_drops_there() {
    let url = fresh();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = Arc::new(open(&url));
        store.channel_put("telegram/x", "1").unwrap();
        assert_eq!(
            store.channel_get("telegram/x").unwrap().as_deref(),
            Some("1")
        );
        let s = store.clone();
        tokio::task::spawn_blocking(move || s.channel_put("telegram/y", "2").unwrap())
            .await
            .unwrap();
        assert_eq!(
            store.channel_get("telegram/y").unwrap().as_deref(),
            Some("2")
        );
        drop(store);
    });
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = fresh();
    current.block_on(async move {
        let store = open(&url);
        store.channel_put("k", "v\0w").unwrap();
        assert_eq!(
            store.channel_get("k").unwrap().as_deref(),
            Some("v\u{FFFD}w")
        );
    });
}

#[test]
fn the_tables_read_as_plain_columns_and_the_views_give_the_figures() {
    let url = fresh();
    let store = open(&url);
    let sample = conformance::write_sample(&store);
    let learner = &sample.learner;
    let q = crate::core::stats::quarter_of(105);
    store
        .commit(&Change {
            counters: &[
                (
                    CounterKey {
                        scope: "a:tinh".into(),
                        quarter: q,
                        metric: "started".into(),
                    },
                    2,
                ),
                (
                    CounterKey {
                        scope: "a:tinh".into(),
                        quarter: q,
                        metric: "l:safety-otp".into(),
                    },
                    1,
                ),
                (
                    CounterKey {
                        scope: "a:tinh".into(),
                        quarter: q,
                        metric: "basic".into(),
                    },
                    1,
                ),
            ],
            ..Change::of(learner)
        })
        .unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = client
        .query_one(
            "SELECT display_name, lang, extract(epoch FROM created)::int8 FROM learners WHERE id = $1",
            &[&learner.id.as_str()],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "Bà Lan");
    assert_eq!(row.get::<_, String>(1), "vi");
    assert_eq!(row.get::<_, i64>(2), 100);
    let done: i64 = client
        .query_one(
            "SELECT count(*) FROM progress WHERE learner = $1 AND completed_at IS NOT NULL",
            &[&learner.id.as_str()],
        )
        .unwrap()
        .get(0);
    assert_eq!(done, 1);
    let (year, quarter) = crate::core::stats::quarter_parts(q);
    let started = client
        .query_one(
            "SELECT area, year, quarter_of_year, learners FROM started_by_area",
            &[],
        )
        .unwrap();
    assert_eq!(started.get::<_, String>(0), "tinh");
    assert_eq!(started.get::<_, i32>(1), year as i32);
    assert_eq!(started.get::<_, i32>(2), quarter as i32);
    assert_eq!(started.get::<_, i64>(3), 2);
    let lesson = client
        .query_one(
            "SELECT lesson, learners FROM lessons_completed_by_area",
            &[],
        )
        .unwrap();
    assert_eq!(lesson.get::<_, String>(0), "safety-otp");
    assert_eq!(lesson.get::<_, i64>(1), 1);
    let basic: i64 = client
        .query_one("SELECT learners FROM basic_skills_by_area", &[])
        .unwrap()
        .get(0);
    assert_eq!(basic, 1);
    let topics: i64 = client
        .query_one("SELECT count(*) FROM topics_completed_by_area", &[])
        .unwrap()
        .get(0);
    assert_eq!(topics, 0);
}

/// Two stores on one database stand for two processes: work for one
/// learner waits for the other's, work for another learner does not.
#[test]
fn exclusive_serialises_one_learner_across_processes() {
    use std::time::{Duration, Instant};
    let url = fresh();
    let (first, second) = (Arc::new(open(&url)), Arc::new(open(&url)));
    let lan = LearnerId::new("tg:lan").unwrap();
    let inside = Arc::new(std::sync::Barrier::new(2));
    let holder = {
        let (first, lan, inside) = (first.clone(), lan.clone(), inside.clone());
        std::thread::spawn(move || {
            let mut done = None;
            first
                .exclusive(&lan, &mut || {
                    inside.wait();
                    std::thread::sleep(Duration::from_millis(300));
                    // The last moment of the first one's work, lock still held.
                    done = Some(Instant::now());
                })
                .unwrap();
            done.unwrap()
        })
    };
    inside.wait();
    let t = Instant::now();
    second
        .exclusive(&LearnerId::new("tg:other").unwrap(), &mut || {})
        .unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "another learner is not held up"
    );
    let mut entered = None;
    second
        .exclusive(&lan, &mut || entered = Some(Instant::now()))
        .unwrap();
    let released = holder.join().unwrap();
    assert!(
        entered.unwrap() >= released,
        "the second process waited for the first"
    );
}

/// Three engines (three instances' worth of pools) handle events of the
/// same learners at once. Each learner's first lesson counts them as
/// "started": without one-at-a-time handling, engines that loaded the
/// learner before either wrote would each count them.
#[test]
fn three_engines_on_one_database_count_each_learner_once() {
    use crate::app::App;
    use crate::core::{Callback, Input, Place};
    use crate::store::copy::Record;
    let url = fresh();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tree = Arc::new(crate::lesson::load_tree(&dir.join("lessons")).unwrap());
    let localizer = Arc::new(crate::i18n::Localizer::load(&dir.join("locales")).unwrap());
    let lessons: Vec<String> = tree.lessons().map(|l| l.id.clone()).collect();
    let apps: Vec<Arc<App>> = (0..3)
        .map(|_| {
            Arc::new(App::with_store(
                tree.clone(),
                localizer.clone(),
                Arc::new(open(&url)),
            ))
        })
        .collect();
    let event = |who: &str, input: Input| crate::engine::Event {
        learner: LearnerId::new(who).unwrap(),
        channel: "telegram",
        display_name: "Bác".into(),
        place: Place::Private,
        input,
        now: 1_795_417_200,
    };
    let learners: Vec<String> = (0..30).map(|n| format!("tg:{n}")).collect();
    for who in &learners {
        let lang = Callback::SetLang(crate::core::Lang::new("vi")).encode();
        apps[0]
            .engine
            .handle(&event(who, Input::Button(lang)))
            .unwrap();
    }
    std::thread::scope(|s| {
        for (n, app) in apps.iter().enumerate() {
            for chunk in learners.chunks(10) {
                let (lessons, event) = (&lessons, &event);
                s.spawn(move || {
                    for who in chunk {
                        let open = Callback::Lesson(lessons[n].clone()).encode();
                        app.engine.handle(&event(who, Input::Button(open))).unwrap();
                    }
                });
            }
        }
    });
    let store = open(&url);
    let mut started = 0;
    store
        .export(&mut |r| {
            if let Record::Counter(key, value) = r
                && key.metric == "started"
            {
                started += value;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(started, learners.len() as i64, "each learner started once");
    for who in &learners {
        let learner = store.load(&LearnerId::new(who).unwrap()).unwrap().unwrap();
        assert_eq!(learner.progress.len(), 3, "{who}");
    }
}

/// One instance sends a channel's outbox; another takes over once the
/// first is gone (here: closed; a killed one's lease runs out).
#[test]
fn one_instance_sends_the_outbox_and_another_takes_over() {
    let url = fresh();
    let (first, second) = (open(&url), open(&url));
    let learner = Learner::new(LearnerId::new("tg:7").unwrap(), "telegram", "Bảy", 1);
    let item = conformance::card("telegram", "-100", 10);
    first
        .commit(&Change {
            outbox: std::slice::from_ref(&item),
            ..Change::of(&learner)
        })
        .unwrap();
    assert_eq!(first.outbox_due("telegram", 100, 10).unwrap().len(), 1);
    assert!(second.outbox_due("telegram", 100, 10).unwrap().is_empty());
    assert_eq!(
        second.outbox_due("zalo", 100, 10).unwrap(),
        vec![],
        "per channel"
    );
    assert_eq!(
        first.outbox_due("telegram", 100, 10).unwrap().len(),
        1,
        "still the sender"
    );
    drop(first);
    assert_eq!(second.outbox_due("telegram", 100, 10).unwrap().len(), 1);

    // A lease that lapses is taken by whoever asks next.
    let third = open(&url);
    assert!(
        second
            .lease("telegram/polling", std::time::Duration::from_millis(100))
            .unwrap()
    );
    assert!(
        !third
            .lease("telegram/polling", std::time::Duration::from_secs(60))
            .unwrap()
    );
    std::thread::sleep(std::time::Duration::from_millis(150));
    assert!(
        third
            .lease("telegram/polling", std::time::Duration::from_secs(60))
            .unwrap()
    );
    assert!(
        !second
            .lease("telegram/polling", std::time::Duration::from_secs(60))
            .unwrap()
    );
}

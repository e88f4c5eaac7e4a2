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

//! Damage done to a copy of a populated sled store, and the verdict on how
//! the store took it. Shared by the quick sample in `cargo test`
//! (`store_damage.rs`) and the soak (`examples/corrupt_soak.rs`), so both
//! judge the same way: after any damage the store either opens with every
//! record intact or refuses with the clear message; it never opens with
//! less, never panics and never hangs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use hocvuso::area::AreaTree;
use hocvuso::core::stats::{contributions, counter_deltas};
use hocvuso::core::{
    AuditAction, AuditEntry, Certificate, CertificateStamp, CompletedLesson, Completion, Lang,
    Learner, LearnerId, LessonProgress, Link, LinkKind, Mentor, Message, Outgoing, QuizAttempt,
    Recipient, Role, Session, Staff, Text,
};
use hocvuso::store::{Change, Record, SledStore, Store, StoreError};

/// A small deterministic generator: every case can be replayed by its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

pub fn areas() -> AreaTree {
    AreaTree::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("areas.toml")).unwrap()
}

fn id(s: &str) -> LearnerId {
    LearnerId::new(s).unwrap()
}

const LESSONS: [(&str, &str); 6] = [
    ("basics", "basics-phone"),
    ("basics", "basics-wifi"),
    ("vneid", "vneid-what"),
    ("vneid", "vneid-login"),
    ("safety", "safety-otp"),
    ("safety", "safety-links"),
];

/// Fills the store in `dir` as the engine would (learners with progress,
/// first completions and retakes, answers, counters from
/// `stats::contributions`, roles, invites used and not, mentors,
/// certificates, outbox messages, audit entries, channel values), closes
/// it (or, with `killed`, abandons it as a kill -9 would: no clean close,
/// only what was flushed), and returns every record it holds, sorted.
pub fn populate(dir: &Path, learners: usize, seed: u64, killed: bool) -> Vec<Record> {
    let areas = areas();
    let area_ids: Vec<String> = areas
        .subtree("tinh-mau")
        .iter()
        .map(|a| a.id.clone())
        .collect();
    let mut rng = Rng(seed | 1);
    let store = SledStore::open(dir).unwrap();
    let admin = Learner::new(id("tg:1"), "telegram", "Admin", 1_790_000_000);
    let volunteer = id("tg:2");
    let staff = Staff {
        role: Role::Volunteer,
        area: "tinh-mau".into(),
        since: 1_790_000_000,
        granted_by: admin.id.clone(),
        mentor_code: Some("MENT-ORAA-AAAA".into()),
        groups: vec!["G1".into()],
    };
    let invite = |code: &str, used: Option<&str>| Link {
        code: code.into(),
        kind: LinkKind::Invite {
            role: Role::Volunteer,
            area: "phuong-hoa-sen".into(),
        },
        created_by: admin.id.clone(),
        created: 1_790_000_000,
        expires: Some(1_800_000_000),
        used_by: used.map(id),
    };
    store
        .commit(&Change {
            staff: &[
                (volunteer.clone(), Some(staff.clone())),
                (
                    id("tg:3"),
                    Some(Staff {
                        area: "phuong-hoa-sen".into(),
                        mentor_code: None,
                        groups: vec![],
                        ..staff.clone()
                    }),
                ),
            ],
            links: &[
                invite("INVI-TEAA-0001", Some("tg:3")),
                invite("INVI-TEAA-0002", None),
            ],
            audit: &[AuditEntry {
                at: 1_790_000_000,
                actor: admin.id.clone(),
                action: AuditAction::Grant {
                    to: volunteer.clone(),
                    role: Role::Volunteer,
                    area: "tinh-mau".into(),
                },
            }],
            ..Change::of(&admin)
        })
        .unwrap();
    for n in 0..learners {
        let who = id(&format!("tg:{}", 1000 + n));
        let mut learner = Learner::new(who.clone(), "telegram", "Học viên", 1_790_000_000);
        learner.lang = Some(Lang::new("vi"));
        learner.session = Session::Menu;
        learner.area = Some(area_ids[rng.below(area_ids.len() as u64) as usize].clone());
        if n % 5 == 0 {
            learner.mentor = Some(Mentor {
                id: volunteer.clone(),
                channel: "telegram".into(),
                lang: Lang::new("vi"),
            });
        }
        let before = Learner {
            progress: Default::default(),
            ..learner.clone()
        };
        let mut at = 1_790_000_000 + rng.below(200 * 86_400) as i64;
        learner.started = Some(at);
        let mut completions = Vec::new();
        let mut attempts = Vec::new();
        let mut changed = Vec::new();
        for (topic, lesson) in LESSONS.iter().take(1 + rng.below(6) as usize) {
            at += 600;
            let p = LessonProgress {
                step: 0,
                updated: at,
                completed: Some(CompletedLesson {
                    at,
                    score: 2,
                    total: 3,
                }),
            };
            learner.progress.insert(lesson.to_string(), p.clone());
            changed.push((lesson.to_string(), p));
            completions.push(Completion {
                learner: who.clone(),
                topic: topic.to_string(),
                lesson: lesson.to_string(),
                version: "v1".into(),
                score: 2,
                total: 3,
                at,
            });
            attempts.push(QuizAttempt {
                learner: who.clone(),
                lesson: lesson.to_string(),
                question: 0,
                option: rng.below(3) as usize,
                correct: true,
                at,
            });
        }
        let mut certificates = Vec::new();
        if learner.progress.len() >= 2 {
            let code = format!("CERT-{:04}-AAAA", n % 10_000);
            learner.certificates.insert(
                "basics".into(),
                CertificateStamp {
                    code: code.clone(),
                    at,
                },
            );
            certificates.push(Certificate {
                code,
                learner: who.clone(),
                name: "Học viên".into(),
                topic: "basics".into(),
                at,
                lessons: vec![],
            });
        }
        let counters = counter_deltas(
            &contributions(&before, &areas),
            &contributions(&learner, &areas),
        );
        let progress: Vec<(&str, &LessonProgress)> =
            changed.iter().map(|(l, p)| (l.as_str(), p)).collect();
        let outbox: Vec<Outgoing> = if n % 7 == 0 {
            vec![Outgoing {
                channel: "telegram".into(),
                to: Recipient::Learner {
                    id: volunteer.clone(),
                },
                lang: Lang::new("vi"),
                message: Message::default().para(Text::new("menu-title").arg("n", n)),
                not_before: at,
            }]
        } else {
            Vec::new()
        };
        store
            .commit(&Change {
                progress: &progress,
                attempts: &attempts,
                completions: &completions,
                certificates: &certificates,
                counters: &counters,
                outbox: &outbox,
                mentor_before: learner.mentor.as_ref().map(|_| None),
                ..Change::of(&learner)
            })
            .unwrap();
        // Some retake their first lesson: an update, nothing appended.
        if n % 3 == 0 {
            let retake = Completion {
                at: at + 60,
                score: 3,
                ..completions[0].clone()
            };
            store
                .commit(&Change {
                    completions: std::slice::from_ref(&retake),
                    ..Change::of(&learner)
                })
                .unwrap();
        }
    }
    store
        .channel_put("telegram/last_update_id", "123456")
        .unwrap();
    let records = sorted_records(&store).unwrap();
    if killed {
        store.flush().unwrap();
        // Never closed: its lock and threads stay with this process, as
        // the files stay after a kill; damage is done to copies.
        std::mem::forget(store);
    } else {
        drop(store);
    }
    records
}

pub fn sorted_records(store: &dyn Store) -> Result<Vec<Record>, StoreError> {
    let mut records = Vec::new();
    store.export(&mut |r| {
        records.push(r);
        Ok(())
    })?;
    records.sort_by_cached_key(|r| serde_json::to_string(r).unwrap());
    Ok(records)
}

/// One way to damage a store's files.
#[derive(Debug, Clone)]
pub enum Damage {
    /// XOR one byte of `file` at `offset` with `mask` (never 0).
    Flip { file: String, offset: u64, mask: u8 },
    /// Cut `file` to `len` bytes.
    Truncate { file: String, len: u64 },
    /// Remove `file` (or folder).
    Delete { file: String },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::Flip { file, offset, mask } => {
                write!(f, "flip {file}@{offset} ^{mask:#04x}")
            }
            Damage::Truncate { file, len } => write!(f, "truncate {file} to {len}"),
            Damage::Delete { file } => write!(f, "delete {file}"),
        }
    }
}

/// The store's files with their sizes (folders as size 0), by name.
pub fn files(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let meta = e.metadata().unwrap();
            let size = if meta.is_dir() { 0 } else { meta.len() };
            (e.file_name().to_string_lossy().into_owned(), size)
        })
        .collect();
    out.sort();
    out
}

/// `n` damages spread over the files: most are byte flips (a third of them
/// in the first 4 KB of `db`, where sled keeps what it reads first), then
/// truncations, and every file deleted once.
pub fn plan(dir: &Path, n: usize, rng: &mut Rng) -> Vec<Damage> {
    let all = files(dir);
    let regular: Vec<&(String, u64)> = all.iter().filter(|(_, size)| *size > 0).collect();
    let db = all
        .iter()
        .find(|(name, _)| name == "db")
        .map_or(0, |(_, s)| *s);
    let mut out = Vec::new();
    for (name, _) in &all {
        out.push(Damage::Delete { file: name.clone() });
    }
    while out.len() < n {
        let mask = 1u8 << rng.below(8);
        let roll = rng.below(10);
        if roll < 3 && db > 0 {
            out.push(Damage::Flip {
                file: "db".into(),
                offset: rng.below(db.min(4096)),
                mask,
            });
        } else if roll < 8 {
            let (file, size) = regular[rng.below(regular.len() as u64) as usize];
            out.push(Damage::Flip {
                file: file.clone(),
                offset: rng.below(*size),
                mask,
            });
        } else {
            let (file, size) = regular[rng.below(regular.len() as u64) as usize];
            out.push(Damage::Truncate {
                file: file.clone(),
                len: rng.below(*size),
            });
        }
    }
    out.truncate(n.max(all.len()));
    out
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.metadata().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn apply(dir: &Path, damage: &Damage) {
    match damage {
        Damage::Flip { file, offset, mask } => {
            let path = dir.join(file);
            let mut bytes = std::fs::read(&path).unwrap();
            bytes[*offset as usize] ^= mask;
            std::fs::write(&path, bytes).unwrap();
        }
        Damage::Truncate { file, len } => {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(dir.join(file))
                .unwrap();
            f.set_len(*len).unwrap();
        }
        Damage::Delete { file } => {
            let path = dir.join(file);
            if path.is_dir() {
                std::fs::remove_dir_all(path).unwrap();
            } else {
                std::fs::remove_file(path).unwrap();
            }
        }
    }
}

/// How a damaged store took it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Opened, with every record as it was.
    Intact,
    /// Refused with the clear message (what is wrong, how to restore).
    Refused(String),
    /// Opened but with less or other data, or records that cannot be read:
    /// the failure this whole design exists to prevent.
    OpenedDamaged(String),
    /// Refused, but without the message saying how to restore.
    Unclear(String),
    Panicked(String),
    Hung,
}

impl Outcome {
    pub fn acceptable(&self) -> bool {
        matches!(self, Outcome::Intact | Outcome::Refused(_))
    }

    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Intact => "opened intact",
            Outcome::Refused(_) => "refused clearly",
            Outcome::OpenedDamaged(_) => "OPENED DAMAGED",
            Outcome::Unclear(_) => "REFUSED UNCLEARLY",
            Outcome::Panicked(_) => "PANICKED",
            Outcome::Hung => "HUNG",
        }
    }
}

/// Opens the damaged store in `dir` (on its own thread, with a time limit)
/// and compares what it holds with `expected`.
pub fn judge(dir: &Path, expected: &[Record]) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let dir: PathBuf = dir.to_path_buf();
    let expected = expected.to_vec();
    std::thread::spawn(move || {
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match SledStore::open(&dir) {
                    Ok(store) => match sorted_records(&store) {
                        Ok(found) if found == expected => Outcome::Intact,
                        Ok(found) => Outcome::OpenedDamaged(format!(
                            "{} records instead of {}",
                            found.len(),
                            expected.len()
                        )),
                        Err(e) => Outcome::OpenedDamaged(format!("records unreadable: {e}")),
                    },
                    Err(e @ StoreError::Damaged { .. }) => {
                        let text = e.to_string();
                        if text.contains("hocvuso store restore") && text.contains("is damaged") {
                            Outcome::Refused(text)
                        } else {
                            Outcome::Unclear(text)
                        }
                    }
                    Err(e) => Outcome::Unclear(e.to_string()),
                }
            }));
        let _ = tx.send(outcome.unwrap_or_else(|p| {
            Outcome::Panicked(
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default(),
            )
        }));
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or(Outcome::Hung)
}

/// Runs `damages` on fresh copies of the store in `pristine`; returns each
/// with its outcome.
pub fn run(pristine: &Path, expected: &[Record], damages: &[Damage]) -> Vec<(Damage, Outcome)> {
    let scratch = tempfile::tempdir().unwrap();
    damages
        .iter()
        .enumerate()
        .map(|(n, damage)| {
            let copy = scratch.path().join(format!("case-{n}"));
            copy_dir(pristine, &copy);
            apply(&copy, damage);
            let outcome = judge(&copy, expected);
            let _ = std::fs::remove_dir_all(&copy);
            (damage.clone(), outcome)
        })
        .collect()
}

/// Outcomes counted by label, for a report.
pub fn tally(results: &[(Damage, Outcome)]) -> Vec<(&'static str, usize)> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    for (_, outcome) in results {
        match counts.iter_mut().find(|(l, _)| *l == outcome.label()) {
            Some((_, n)) => *n += 1,
            None => counts.push((outcome.label(), 1)),
        }
    }
    counts
}

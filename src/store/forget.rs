//! What `Store::forget` is given and reports, and the rules both stores
//! share for finding a learner's personal data in records that are not
//! keyed by them (outbox messages, channel values).
//!
//! A learner who asks to be forgotten (Decree 13/2023 gives them that right)
//! leaves no record that names them: their own record, progress, answers,
//! completions, questions and timers go; messages to or about them go;
//! their certificates stay only as withdrawn codes; what they added to the
//! figures stays as anonymous counts (`stats::forgotten_scope`).

use crate::core::stats::CounterKey;
use crate::core::{Certificate, FORGOTTEN, Learner, LearnerId, Outgoing, Timestamp};

/// One learner to forget, and what is written in the same atomic write.
#[derive(Debug, Clone, Copy)]
pub struct Forget<'a> {
    pub learner: &'a LearnerId,
    /// Counter changes, applied atomically with the deletion: the learner's
    /// contributions moved to the anonymous tally, so figures stay equal to
    /// a recount of what is left.
    pub counters: &'a [(CounterKey, i64)],
    /// Messages to queue in the same write (a neutral notice to a volunteer
    /// whose question was withdrawn).
    pub outbox: &'a [Outgoing],
    pub at: Timestamp,
}

/// How many records of each kind were deleted or anonymised.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgetReport {
    /// Whether the learner's own record existed.
    pub learner: bool,
    /// Per-lesson progress rows (stores that keep them apart).
    pub progress: usize,
    pub attempts: usize,
    pub completions: usize,
    /// Certificates kept only as a withdrawn code.
    pub certificates: usize,
    pub threads: usize,
    pub outbox: usize,
    pub timers: usize,
    pub channel_values: usize,
    /// Links they made or used (mentor links, invites).
    pub links: usize,
    /// Mentees of theirs (a former volunteer) whose mentor link was cut.
    pub mentees: usize,
    /// A stored staff role, removed.
    pub staff: bool,
}

/// JSON string values that name the learner: their id, their name (also as
/// cut to 32 characters in notices), their question ids. A record mentions
/// them when its JSON holds one of these as a whole string value, so a name
/// "An" does not match "Anh".
pub(crate) fn needles(
    learner: Option<&Learner>,
    id: &LearnerId,
    threads: &[String],
) -> Vec<String> {
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    let mut out = vec![quoted(id.as_str())];
    if let Some(learner) = learner {
        let name = learner.display_name.trim();
        if !name.is_empty() {
            out.push(quoted(&learner.display_name));
            out.push(quoted(
                &learner.display_name.chars().take(32).collect::<String>(),
            ));
        }
        if let Some(printed) = &learner.certificate_name {
            out.push(quoted(printed));
        }
    }
    out.extend(threads.iter().map(|t| quoted(t)));
    // Thread ids also travel inside button data (`1:ht:<id>`).
    out.extend(threads.iter().map(|t| format!(":{t}\"")));
    out.sort();
    out.dedup();
    out
}

pub(crate) fn mentions(json: &[u8], needles: &[String]) -> bool {
    let text = String::from_utf8_lossy(json);
    needles.iter().any(|n| text.contains(n.as_str()))
}

pub(crate) fn outbox_mentions(item: &Outgoing, needles: &[String]) -> bool {
    mentions(&serde_json::to_vec(item).unwrap_or_default(), needles)
}

/// A certificate as kept after its holder was forgotten: the code, topic
/// and date, and when it was withdrawn.
pub(crate) fn withdrawn(cert: &Certificate, at: Timestamp) -> Certificate {
    Certificate {
        code: cert.code.clone(),
        learner: LearnerId::new(FORGOTTEN).expect("a valid id"),
        name: String::new(),
        topic: cert.topic.clone(),
        at: cert.at,
        lessons: Vec::new(),
        revoked: Some(at),
    }
}

/// Whether a channel value belongs to this learner: channels key per-person
/// values as `<channel>/<kind>/<local id>`, where the learner id is
/// `<prefix>:<local id>` (e.g. `telegram/blocked/123` for `tg:123`).
pub(crate) fn channel_key_is_theirs(key: &str, channel: &str, id: &LearnerId) -> bool {
    let Some((_, local)) = id.as_str().split_once(':') else {
        return false;
    };
    !channel.is_empty()
        && key.starts_with(&format!("{channel}/"))
        && key.rsplit('/').next() == Some(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_only_as_a_whole_value() {
        let id = LearnerId::new("tg:7").unwrap();
        let learner = Learner::new(id.clone(), "telegram", "An", 0);
        let n = needles(Some(&learner), &id, &["ABCD-EFGH".into()]);
        assert!(mentions(br#"{"name":"An"}"#, &n));
        assert!(!mentions(br#"{"name":"Anh"}"#, &n));
        assert!(mentions(br#"{"to":"tg:7"}"#, &n));
        assert!(!mentions(br#"{"to":"tg:70"}"#, &n));
        assert!(mentions(br#"{"data":"1:ht:ABCD-EFGH"}"#, &n));
    }

    #[test]
    fn channel_values_are_matched_by_channel_and_local_id() {
        let id = LearnerId::new("tg:123").unwrap();
        assert!(channel_key_is_theirs(
            "telegram/blocked/123",
            "telegram",
            &id
        ));
        assert!(!channel_key_is_theirs(
            "telegram/blocked/1234",
            "telegram",
            &id
        ));
        assert!(!channel_key_is_theirs("zalo/quota/123", "telegram", &id));
        assert!(!channel_key_is_theirs("telegram/photo/a/123", "", &id));
    }
}

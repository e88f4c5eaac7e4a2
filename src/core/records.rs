//! Records about people other than "this learner": staff roles, deep-link
//! codes (invites, mentor links, group cards), certificates and the audit
//! log. Plain serde data, written by the store, read through `Directory`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::state::{Lang, LearnerId, Timestamp};

/// What someone may do besides learning. Ordered by reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Learner,
    /// A member of a community tech team: pushes lessons, follows mentees.
    Volunteer,
    /// Checks figures for an area and exports them.
    Official,
    /// Named in the config file; grants and revokes roles.
    Admin,
}

impl Role {
    pub fn parse(word: &str) -> Option<Role> {
        match word.to_lowercase().as_str() {
            "volunteer" | "tinh-nguyen-vien" | "tnv" => Some(Role::Volunteer),
            "official" | "can-bo" | "cb" => Some(Role::Official),
            "learner" | "hoc-vien" => Some(Role::Learner),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Volunteer => "volunteer",
            Role::Official => "official",
            Role::Admin => "admin",
        }
    }
}

/// A granted role and the area it covers (the area's whole subtree).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub role: Role,
    pub area: String,
    pub since: Timestamp,
    pub granted_by: LearnerId,
    /// The code of this volunteer's mentor link, once made.
    #[serde(default)]
    pub mentor_code: Option<String>,
    /// Codes of the groups this person pushed lesson cards to.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// What a deep-link code (`/start <kind>_<code>`) stands for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkKind {
    /// Makes whoever opens it a volunteer of `area`; single use, expires.
    Invite { role: Role, area: String },
    /// Makes whoever opens it a mentee of `mentor`.
    Mentor {
        mentor: LearnerId,
        channel: String,
        lang: Lang,
    },
    /// A group a lesson card was posted to: learners who come in through
    /// it are counted for it.
    /// The title (the platform's chat name, refreshed on every staff
    /// `/push`) and area (of the volunteer who first posted there,
    /// changeable) came later, so older records have neither.
    Group {
        channel: String,
        chat: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        area: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub code: String,
    pub kind: LinkKind,
    pub created_by: LearnerId,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
    /// For single-use links: who used it.
    #[serde(default)]
    pub used_by: Option<LearnerId>,
}

impl Link {
    pub fn single_use(&self) -> bool {
        matches!(self.kind, LinkKind::Invite { .. })
    }
}

/// A certificate: what a learner shows, what an official verifies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    /// Unguessable, e.g. `K7QM-2XPD-9ARC`: from fresh randomness, not from
    /// the learner or a counter.
    pub code: String,
    pub learner: LearnerId,
    pub name: String,
    /// A topic id, or `BASIC` for the overall certificate of basic skills.
    pub topic: String,
    pub at: Timestamp,
    /// (lesson id, first completion, score, total), in topic order.
    pub lessons: Vec<CertifiedLesson>,
    /// When the holder asked the bot to forget them: the record then keeps
    /// only the code, the topic and the date, so `/verify` can say the
    /// certificate was withdrawn instead of "unknown".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked: Option<Timestamp>,
}

/// Stands in for a learner who asked to be forgotten, in the few records
/// that must outlive them (a withdrawn certificate).
pub const FORGOTTEN: &str = "-";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedLesson {
    pub lesson: String,
    pub at: Timestamp,
    pub score: usize,
    pub total: usize,
}

/// The `topic` of the overall certificate (all core topics done).
pub const BASIC: &str = "BASIC";

/// One line in the audit log: role changes, invites, exports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: LearnerId,
    pub action: AuditAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum AuditAction {
    Grant {
        to: LearnerId,
        role: Role,
        area: String,
    },
    Revoke {
        from: LearnerId,
        role: Role,
    },
    InviteMade {
        code: String,
        area: String,
    },
    InviteUsed {
        code: String,
        area: String,
    },
    Export {
        area: String,
        period: String,
    },
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditAction::Grant { to, role, area } => {
                write!(f, "grant {} {} {area}", to.as_str(), role.as_str())
            }
            AuditAction::Revoke { from, role } => {
                write!(f, "revoke {} {}", from.as_str(), role.as_str())
            }
            AuditAction::InviteMade { code, area } => write!(f, "invite {code} {area}"),
            AuditAction::InviteUsed { code, area } => write!(f, "joined {code} {area}"),
            AuditAction::Export { area, period } => write!(f, "export {area} {period}"),
        }
    }
}

/// Codes people type: upper-case Crockford base32 without look-alikes
/// (no I, L, O, U), in groups of four.
pub fn code_from(random: u64, groups: usize) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bits = random;
    let mut out = String::new();
    for i in 0..groups * 4 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[(bits & 31) as usize] as char);
        bits >>= 5;
    }
    out
}

/// A code as typed: case, spaces and dashes don't matter; look-alike
/// letters read as the digits they resemble.
pub fn normalise_code(typed: &str) -> String {
    let raw: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    raw.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readable_and_normalise_back() {
        let code = code_from(0x0123_4567_89ab_cdef, 3);
        assert_eq!(code.len(), 14);
        assert!(code.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()));
        assert!(!code.contains(['I', 'L', 'O', 'U']));
        assert_eq!(normalise_code(&code.to_lowercase().replace('-', " ")), code);
        assert_eq!(normalise_code("k7qm 2xpd 9arc"), "K7QM-2XPD-9ARC");
        assert_eq!(normalise_code("o1l"), "011");
        assert_ne!(code_from(1, 3), code_from(2, 3));
    }
}

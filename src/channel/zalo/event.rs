//! Webhook events, read (pure) into what the channel acts on.
//!
//! The OA webhook posts one JSON event per request: `event_name`,
//! `timestamp` (ms, as a string), `app_id`, and for messages
//! `sender.id` / `message.msg_id` / `message.text`; `follow` / `unfollow`
//! carry `follower.id`. Sources: Zalo's webhook docs
//! (developers.zalo.me/docs/official-account/webhook/...) as quoted in
//! hoangnd25/monorepo `wip/zalo-platform-integration.md` and the OA clients
//! laduchai2011/zalo5k `hookData`. A press of one of our query buttons
//! arrives as `user_send_text` whose text is the button's payload.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::{Input, Media, MediaKind};

/// Query-button payloads start with this, so a button press is told apart
/// from typed text; the rest is the core's callback data, checked by the core.
pub const BUTTON_PREFIX: &str = "#hv:";

#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// What identifies the delivery against duplicates: `message.msg_id`,
    /// or a hash of the raw body for events without one.
    pub key: String,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// The learner wrote (or pressed a button): `msg_id` is what a free
    /// reply answers to.
    Message {
        user: String,
        msg_id: String,
        input: Input,
    },
    Follow {
        user: String,
    },
    Unfollow {
        user: String,
    },
    /// Someone wrote in a group the OA is in (GMF): only staff commands
    /// such as `/push` are acted on there.
    GroupMessage {
        user: String,
        group: String,
        input: Input,
    },
    /// Anything else (seen/received receipts, OA echoes, group events…).
    Other(String),
}

impl Kind {
    /// The user the event is about, if any.
    pub fn user(&self) -> Option<&str> {
        match self {
            Kind::Message { user, .. }
            | Kind::Follow { user }
            | Kind::Unfollow { user }
            | Kind::GroupMessage { user, .. } => Some(user),
            Kind::Other(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadEvent {
    #[error("the event is not JSON: {0}")]
    NotJson(String),
    #[error("the event lacks {0}")]
    Lacks(&'static str),
}

#[derive(Deserialize)]
struct Raw {
    event_name: String,
    sender: Option<Id>,
    recipient: Option<Id>,
    follower: Option<Id>,
    message: Option<RawMessage>,
}

#[derive(Deserialize)]
struct Id {
    id: serde_json::Value,
}

#[derive(Deserialize)]
struct RawMessage {
    msg_id: Option<String>,
    text: Option<String>,
}

/// Reads a (signature-checked) event body.
pub fn parse(body: &[u8]) -> Result<Incoming, BadEvent> {
    let raw: Raw = serde_json::from_slice(body).map_err(|e| BadEvent::NotJson(e.to_string()))?;
    let msg_id = raw.message.as_ref().and_then(|m| m.msg_id.clone());
    let key = match &msg_id {
        Some(id) if !id.is_empty() => format!("m:{id}"),
        _ => format!("h:{}", body_hash(body)),
    };
    let kind = match raw.event_name.as_str() {
        "follow" | "unfollow" => {
            let user = user_id(raw.follower.as_ref()).ok_or(BadEvent::Lacks("follower.id"))?;
            if raw.event_name == "follow" {
                Kind::Follow { user }
            } else {
                Kind::Unfollow { user }
            }
        }
        // Every message a user sends to the OA: text, or a photo, voice
        // message or other file, which the core cannot read and says so.
        name if name.starts_with("user_send_") && !name.contains("group") => {
            let user = user_id(raw.sender.as_ref()).ok_or(BadEvent::Lacks("sender.id"))?;
            let msg_id = msg_id.ok_or(BadEvent::Lacks("message.msg_id"))?;
            let text = if name == "user_send_text" {
                raw.message.and_then(|m| m.text).unwrap_or_default()
            } else {
                String::new()
            };
            let media = match name {
                "user_send_image" => Some(MediaKind::Photo),
                "user_send_audio" | "user_send_voice" => Some(MediaKind::Voice),
                "user_send_text" | "user_send_link" => None,
                _ => Some(MediaKind::Other),
            };
            let input = match (media, text.strip_prefix(BUTTON_PREFIX)) {
                // Passing Zalo files on is not built yet: no file reference.
                (Some(kind), _) => Input::Media(Media { kind, file: None }),
                (None, Some(data)) => Input::Button(data.to_string()),
                (None, None) => Input::Text(text),
            };
            Kind::Message {
                user,
                msg_id,
                input,
            }
        }
        // A text in a GMF group: `sender.id` wrote, `recipient.id` is the
        // group [event names and fields as read by open-source GMF bots,
        // e.g. vyn-huy-nguyen/ai-zalo-bot-oa `src/utils/extractors.js`].
        "user_send_group_text" => {
            let user = user_id(raw.sender.as_ref()).ok_or(BadEvent::Lacks("sender.id"))?;
            let group = user_id(raw.recipient.as_ref()).ok_or(BadEvent::Lacks("recipient.id"))?;
            let text = raw.message.and_then(|m| m.text).unwrap_or_default();
            Kind::GroupMessage {
                user,
                group,
                input: Input::Text(text),
            }
        }
        other => Kind::Other(other.to_string()),
    };
    Ok(Incoming { key, kind })
}

/// A user id is a numeric string (sometimes sent as a number); anything
/// else is refused, since it becomes part of a learner id and store keys.
fn user_id(id: Option<&Id>) -> Option<String> {
    let id = match &id?.id {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then_some(id)
}

fn body_hash(body: &[u8]) -> String {
    Sha256::digest(body)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_buttons_and_follows_are_read() {
        let text = br#"{"app_id":"1","event_name":"user_send_text","timestamp":"1",
            "sender":{"id":"246"},"recipient":{"id":"9"},
            "message":{"msg_id":"abc","text":"/start l_x"}}"#;
        assert_eq!(
            parse(text).unwrap(),
            Incoming {
                key: "m:abc".into(),
                kind: Kind::Message {
                    user: "246".into(),
                    msg_id: "abc".into(),
                    input: Input::Text("/start l_x".into())
                }
            }
        );
        let press = br##"{"event_name":"user_send_text","timestamp":"1","sender":{"id":"246"},
            "message":{"msg_id":"abd","text":"#hv:1:m"}}"##;
        assert!(matches!(parse(press).unwrap().kind,
            Kind::Message { input: Input::Button(ref d), .. } if d == "1:m"));
        let sticker = br#"{"event_name":"user_send_sticker","timestamp":"1","sender":{"id":"246"},
            "message":{"msg_id":"abe"}}"#;
        assert!(matches!(
            parse(sticker).unwrap().kind,
            Kind::Message {
                input: Input::Media(Media {
                    kind: MediaKind::Other,
                    ..
                }),
                ..
            }
        ));
        let follow =
            br#"{"event_name":"follow","timestamp":"1","follower":{"id":"246"},"oa_id":"9"}"#;
        let incoming = parse(follow).unwrap();
        assert_eq!(incoming.kind, Kind::Follow { user: "246".into() });
        assert!(incoming.key.starts_with("h:"));
    }

    #[test]
    fn malformed_events_are_refused_without_panicking() {
        assert!(matches!(parse(b"[]"), Err(BadEvent::NotJson(_))));
        let bad_user = br#"{"event_name":"user_send_text","sender":{"id":"../x"},
            "message":{"msg_id":"a","text":"hi"}}"#;
        assert_eq!(parse(bad_user), Err(BadEvent::Lacks("sender.id")));
        let no_id =
            br#"{"event_name":"user_send_text","sender":{"id":"1"},"message":{"text":"hi"}}"#;
        assert_eq!(parse(no_id), Err(BadEvent::Lacks("message.msg_id")));
        let seen = br#"{"event_name":"user_seen_message","sender":{"id":"9"}}"#;
        assert_eq!(
            parse(seen).unwrap().kind,
            Kind::Other("user_seen_message".into())
        );
    }
}

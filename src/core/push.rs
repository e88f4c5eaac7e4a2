//! Volunteers' lesson cards in group chats: `/push` opens a topic → lesson →
//! "when" picker in the group, and the chosen card goes to the outbox, to be
//! posted at once or later. A card carries a deep link that opens the lesson
//! in each learner's private chat and counts them for the group.

use super::action::{Button, Message, Phrase, Text};
use super::callback::Callback;
use super::conversation::{Input, Place, Turn};
use super::outgoing::{Outgoing, Recipient};
use super::records::{Link, LinkKind, Role, code_from};
use super::state::Timestamp;
use super::stats::VIETNAM_OFFSET;

/// When a card can be posted: at once, in an hour, tomorrow morning or
/// tomorrow evening (Vietnam time), the times people read their phones.
pub const SLOTS: usize = 4;

impl Turn<'_> {
    /// Staff commands and picker buttons in a group; `false` for anything
    /// else, which gets the "open the private chat" answer.
    pub(super) fn group_input(&mut self, input: &Input) -> bool {
        match input {
            Input::Text(text) => {
                let text = text.trim();
                let name = text
                    .strip_prefix('/')
                    .and_then(|c| c.split_whitespace().next())
                    .map(|c| c.split('@').next().unwrap_or_default().to_lowercase());
                if name.as_deref() != Some("push") {
                    return false;
                }
                if self.require(Role::Volunteer).is_some() {
                    self.push_topics();
                }
                true
            }
            Input::Button(data) => {
                let Ok(callback) = Callback::parse(data) else {
                    return false;
                };
                let push = matches!(
                    callback,
                    Callback::PushTopic(_) | Callback::PushLesson(_) | Callback::PushAt(..)
                );
                if !push {
                    return false;
                }
                if self.require(Role::Volunteer).is_none() {
                    return true;
                }
                match callback {
                    Callback::PushTopic(topic) => self.push_lessons(&topic),
                    Callback::PushLesson(lesson) => self.push_when(&lesson),
                    Callback::PushAt(lesson, slot) => self.push_card(&lesson, slot),
                    _ => unreachable!("filtered above"),
                }
                true
            }
        }
    }

    /// `/push` (or its buttons) in a private chat: say where it works.
    pub(super) fn push_in_private(&mut self) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        self.send(Message::default().para(Text::new("push-in-group-only")));
    }

    fn push_topics(&mut self) {
        let lang = self.lang();
        let mut message = Message::default().para(Text::new("push-choose-topic"));
        for topic in self.core.lessons().topics() {
            message = message.row(vec![Button::new(
                Phrase::Content(topic.title.get(&lang).clone()),
                Callback::PushTopic(topic.id.clone()),
            )]);
        }
        self.send(message);
    }

    fn push_lessons(&mut self, topic: &str) {
        let Some(topic) = self.core.lessons().topic(topic) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let lang = self.lang();
        let mut message = Message::default()
            .para(Text::new("push-choose-lesson").arg("topic", topic.title.get(&lang).clone()));
        for id in &topic.lessons {
            if let Some(lesson) = self.core.lessons().lesson(id) {
                message = message.row(vec![Button::new(
                    Phrase::Content(lesson.text.get(&lang).title.clone()),
                    Callback::PushLesson(id.clone()),
                )]);
            }
        }
        self.send(message);
    }

    fn push_when(&mut self, lesson: &str) {
        let Some(found) = self.core.lessons().lesson(lesson) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let title = found.text.get(&self.lang()).title.clone();
        let mut message =
            Message::default().para(Text::new("push-choose-time").arg("lesson", title));
        for slot in 0..SLOTS {
            message = message.row(vec![Button::new(
                Text::new("push-slot").arg("slot", slot),
                Callback::PushAt(lesson.to_string(), slot),
            )]);
        }
        self.send(message);
    }

    fn push_card(&mut self, lesson_id: &str, slot: usize) {
        let Place::Group { chat } = self.place.clone() else {
            return self.push_in_private();
        };
        let (Some(lesson), Some(at)) = (
            self.core.lessons().lesson(lesson_id),
            slot_time(self.now, slot),
        ) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let channel = self.learner.channel.clone();
        let code = group_code(&channel, &chat);
        let lang = self.lang();
        let text = lesson.text.get(&lang);
        let card = Message::default()
            .heading(Phrase::Content(format!("📚 {}", text.title)))
            .para(Phrase::Content(text.summary.clone()))
            .para(Text::new("card-hint"))
            .row(vec![Button::open_private(
                Text::new("button-open-lesson"),
                &format!("g_{code}_{lesson_id}"),
            )]);
        self.reply.outbox.push(Outgoing {
            channel: channel.clone(),
            to: Recipient::Group { chat: chat.clone() },
            lang,
            message: card,
            not_before: at,
        });
        self.reply.links.push(Link {
            code: code.clone(),
            kind: LinkKind::Group { channel, chat },
            created_by: self.learner.id.clone(),
            created: self.now,
            expires: None,
            used_by: None,
        });
        self.remember_group(&code);
        let title = text.title.clone();
        let confirm = if at <= self.now {
            Text::new("push-queued").arg("lesson", title)
        } else {
            Text::new("push-scheduled")
                .arg("lesson", title)
                .arg("time", local_time(at))
        };
        self.send(Message::default().para(confirm));
    }

    /// Adds the group to the pusher's staff record, for their figures.
    fn remember_group(&mut self, code: &str) {
        let Ok(existing) = self.directory.staff(&self.learner.id) else {
            return;
        };
        let Some((role, area)) = self.role() else {
            return;
        };
        let mut staff = self.own_record(existing, role, area);
        if !staff.groups.iter().any(|g| g == code) {
            staff.groups.push(code.to_string());
            self.reply
                .staff
                .push((self.learner.id.clone(), Some(staff)));
        }
    }
}

/// The same group always gets the same code, so repeated cards count
/// together; it is not secret (it only attributes learners to a group).
pub(super) fn group_code(channel: &str, chat: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(channel.as_bytes())
        .chain_update(b":")
        .chain_update(chat.as_bytes())
        .finalize();
    code_from(
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")),
        2,
    )
}

/// The moment a slot stands for, from `now`.
pub(super) fn slot_time(now: Timestamp, slot: usize) -> Option<Timestamp> {
    let local = now + VIETNAM_OFFSET;
    let tomorrow = local - local.rem_euclid(86_400) + 86_400 - VIETNAM_OFFSET;
    match slot {
        0 => Some(now),
        1 => Some(now + 3600),
        2 => Some(tomorrow + 8 * 3600),
        3 => Some(tomorrow + 19 * 3600),
        _ => None,
    }
}

/// "08:00 24/11" in Vietnam time.
fn local_time(at: Timestamp) -> String {
    let local = time::OffsetDateTime::from_unix_timestamp(at + VIETNAM_OFFSET)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:02}:{:02} {:02}/{:02}",
        local.hour(),
        local.minute(),
        local.day(),
        u8::from(local.month())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fall_on_vietnam_clock_times() {
        // 2026-11-23 22:30 in Vietnam.
        let now = 1_795_447_800;
        assert_eq!(local_time(now), "22:30 23/11");
        assert_eq!(local_time(slot_time(now, 1).unwrap()), "23:30 23/11");
        assert_eq!(local_time(slot_time(now, 2).unwrap()), "08:00 24/11");
        assert_eq!(local_time(slot_time(now, 3).unwrap()), "19:00 24/11");
        assert_eq!(slot_time(now, 4), None);
    }

    #[test]
    fn a_group_keeps_its_code() {
        assert_eq!(
            group_code("telegram", "-100"),
            group_code("telegram", "-100")
        );
        assert_ne!(group_code("telegram", "-100"), group_code("zalo", "-100"));
        assert_eq!(group_code("telegram", "-100").len(), 9);
    }
}

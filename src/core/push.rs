//! Volunteers' lesson cards in group chats. `/push` in a group remembers the
//! group and sends the volunteer, privately, a topic → lesson → "when"
//! picker (group members are not shown buttons they may not press, and
//! groups on some platforms cannot show buttons at all); the chosen card
//! goes to the outbox, to be posted to the group at once or later. A card
//! carries a deep link that opens the lesson in each learner's private chat
//! and counts them for the group.

use super::action::{Button, Message, Phrase, Text};
use super::api::Place;
use super::callback::Callback;
use super::outgoing::{Outgoing, Recipient};
use super::records::{Link, LinkKind, Role, code_from};
use super::router::DeepLink;
use super::state::Timestamp;
use super::stats::{VIETNAM_OFFSET, vietnam_time};
use super::turn::Turn;

/// When a card can be posted: at once, in an hour, tomorrow morning or
/// tomorrow evening (Vietnam time), the times people read their phones.
pub const SLOTS: usize = 4;

impl Turn<'_> {
    /// `/push` in a group: remember it, answer briefly there, and send the
    /// picker to the volunteer's private chat.
    pub(super) fn push_from_group(&mut self) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        let Place::Group { chat } = self.place.clone() else {
            return;
        };
        self.learner.push_group = Some(chat);
        self.send(Message::default().para(Text::new("push-check-private")));
        let picker = self.topics_picker();
        self.reply.outbox.push(Outgoing {
            channel: self.learner.channel.clone(),
            to: Recipient::Learner {
                id: self.learner.id.clone(),
            },
            lang: self.lang(),
            message: picker,
            not_before: self.now,
        });
    }

    /// `/push` in a private chat: the picker for the group last chosen with
    /// `/push` there, or where to start.
    pub(super) fn push_in_private(&mut self) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        if self.learner.push_group.is_none() {
            return self.send(Message::default().para(Text::new("push-in-group-only")));
        }
        let picker = self.topics_picker();
        self.send(picker);
    }

    /// A picker button, in the group or privately: the role is checked at
    /// every step, since buttons can be forwarded or pressed by anyone.
    pub(super) fn push_step(&mut self, callback: Callback) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        let Some(chat) = self.push_target() else {
            return self.send(Message::default().para(Text::new("push-in-group-only")));
        };
        match callback {
            Callback::PushTopic(topic) => self.push_lessons(&topic),
            Callback::PushLesson(lesson) => self.push_when(&lesson),
            Callback::PushAt(lesson, slot) => self.push_card(&chat, &lesson, slot),
            _ => self.stale_button(),
        }
    }

    /// A learner who opened a group's card: counted for the first group
    /// they came in through.
    pub(super) fn join_from_group(&mut self, code: &str) {
        if let Ok(Some(Link {
            kind: LinkKind::Group { .. },
            ..
        })) = self.directory.link(code)
        {
            self.learner.via_group.get_or_insert(code.to_string());
        }
    }

    /// The group a card goes to: the one written in, or the one remembered.
    fn push_target(&self) -> Option<String> {
        match &self.place {
            Place::Group { chat } => Some(chat.clone()),
            Place::Private => self.learner.push_group.clone(),
        }
    }

    fn topics_picker(&self) -> Message {
        let lang = self.lang();
        let mut message = Message::default().para(Text::new("push-choose-topic"));
        for topic in self.core.lessons().topics() {
            message = message.row(vec![Button::new(
                Phrase::Content(topic.title.get(&lang).clone()),
                Callback::PushTopic(topic.id.clone()),
            )]);
        }
        message
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

    fn push_card(&mut self, chat: &str, lesson_id: &str, slot: usize) {
        let chat = chat.to_string();
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
                &DeepLink::Group {
                    code: code.clone(),
                    lesson: lesson_id.to_string(),
                }
                .encode(),
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
        let Ok(existing) = self.stored_staff() else {
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
    let local = vietnam_time(at);
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

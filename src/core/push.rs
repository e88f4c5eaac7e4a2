//! Volunteers' lesson cards in group chats. `/push` in a group remembers the
//! group and sends the volunteer, privately, a topic → lesson → "when"
//! picker (group members are not shown buttons they may not press, and
//! groups on some platforms cannot show buttons at all); the chosen card
//! goes to the outbox, to be posted to the group at once or later. A card
//! carries a deep link that opens the lesson in each learner's private chat
//! and counts them for the group.

use super::action::{Arg, Button, Message, Phrase, Text};
use super::api::Place;
use super::callback::Callback;
use super::outgoing::{Outgoing, Recipient};
use super::records::{Link, LinkKind, Role, code_from};
use super::router::DeepLink;
use super::state::Timestamp;
use super::stats::VIETNAM_OFFSET;
use super::turn::Turn;

/// When a card can be posted: at once, in an hour, tomorrow morning or
/// tomorrow evening (Vietnam time), the times people read their phones.
pub const SLOTS: usize = 4;

/// Seconds between two "look in your private chat" notices in one group.
const NOTICE_EVERY: i64 = 3600;

impl Turn<'_> {
    /// `/push` in a group: remember it, answer briefly there (at most once
    /// an hour), and send the picker for this group to the volunteer's
    /// private chat.
    pub(super) fn push_from_group(&mut self) {
        let Some((_, area)) = self.require(Role::Volunteer) else {
            return;
        };
        let Place::Group { chat, chat_title } = self.place.clone() else {
            return;
        };
        let Some(link) = self.group_link(&chat, chat_title, &area) else {
            return;
        };
        // Every group post counts against the group's rate limit and
        // everyone's attention: the notice at most once an hour.
        let now = self.now;
        let notices = &mut self.learner.push_notices;
        notices.retain(|_, at| now - *at < NOTICE_EVERY);
        if !notices.contains_key(&chat) {
            notices.insert(chat.clone(), now);
            self.send(Message::default().para(Text::new("push-check-private")));
        }
        self.learner.push_group = Some(chat);
        let picker = self.topics_picker(&link);
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
        let Some((_, area)) = self.require(Role::Volunteer) else {
            return;
        };
        let Some(chat) = self.learner.push_group.clone() else {
            return self.send(Message::default().para(Text::new("push-in-group-only")));
        };
        let Some(link) = self.group_link(&chat, None, &area) else {
            return;
        };
        let picker = self.topics_picker(&link);
        self.send(picker);
    }

    /// The group's link record, made or brought up to date (its title) in
    /// this turn's records; it keeps the area and maker it had first.
    fn group_link(&mut self, chat: &str, title: Option<String>, area: &str) -> Option<Link> {
        let channel = self.learner.channel.clone();
        let code = group_code(&channel, chat);
        let existing = match self.directory.link(&code) {
            Ok(found) => found,
            Err(e) => {
                self.unavailable(&e);
                return None;
            }
        };
        let link = match existing {
            Some(
                mut link @ Link {
                    kind: LinkKind::Group { .. },
                    ..
                },
            ) => {
                if let LinkKind::Group {
                    title: known,
                    area: group_area,
                    ..
                } = &mut link.kind
                {
                    let changed = title.is_some() && *known != title;
                    if changed {
                        *known = title;
                    }
                    // Groups made before they had an area take the first
                    // poster's now.
                    let unset = group_area.is_none();
                    if unset {
                        *group_area = Some(area.to_string());
                    }
                    if changed || unset {
                        self.reply.links.push(link.clone());
                    }
                }
                link
            }
            _ => {
                let link = Link {
                    code,
                    kind: LinkKind::Group {
                        channel,
                        chat: chat.to_string(),
                        title,
                        area: Some(area.to_string()),
                    },
                    created_by: self.learner.id.clone(),
                    created: self.now,
                    expires: None,
                    used_by: None,
                };
                self.reply.links.push(link.clone());
                link
            }
        };
        Some(link)
    }

    /// The group a picker button names, if it is a group on this
    /// volunteer's own channel (a forged code finds nothing).
    fn picked_group(&mut self, code: &str) -> Option<Link> {
        match self.directory.link(code) {
            Ok(Some(
                link @ Link {
                    kind: LinkKind::Group { .. },
                    ..
                },
            )) if matches!(&link.kind, LinkKind::Group { channel, .. } if *channel == self.learner.channel) => {
                Some(link)
            }
            Ok(_) => {
                self.send(Message::default().para(Text::new("button-old")));
                None
            }
            Err(e) => {
                self.unavailable(&e);
                None
            }
        }
    }

    /// A picker button, in the group or privately: the role is checked at
    /// every step, since buttons can be forwarded or pressed by anyone.
    pub(super) fn push_step(&mut self, callback: Callback) {
        let Some((role, mine)) = self.require(Role::Volunteer) else {
            return;
        };
        let code = match &callback {
            Callback::PushTopic(code, _)
            | Callback::PushLesson(code, _)
            | Callback::PushAt(code, ..)
            | Callback::GroupArea(code, _)
            | Callback::GroupAreaSet(code, _) => code.clone(),
            _ => return self.send(Message::default().para(Text::new("button-old"))),
        };
        let Some(link) = self.picked_group(&code) else {
            return;
        };
        match callback {
            Callback::PushTopic(_, topic) => self.push_lessons(&link, &topic),
            Callback::PushLesson(_, lesson) => self.push_when(&link, &lesson),
            Callback::PushAt(_, lesson, slot) => self.push_card(link, &lesson, slot),
            Callback::GroupArea(_, area) => self.group_area_screen(&link, role, &mine, &area),
            Callback::GroupAreaSet(_, area) => self.group_area_set(link, role, &mine, &area),
            _ => self.send(Message::default().para(Text::new("button-old"))),
        }
    }

    /// A learner who opened a group's card: counted for the first group
    /// they came in through (and, while they have no area, for its area).
    pub(super) fn join_from_group(&mut self, code: &str) {
        if let Ok(Some(Link {
            kind: LinkKind::Group { area, .. },
            ..
        })) = self.directory.link(code)
        {
            let first = self.learner.via_group.get_or_insert(code.to_string());
            if first == code && self.learner.area.is_none() {
                self.learner.group_area = area;
            }
        }
    }

    fn topics_picker(&self, link: &Link) -> Message {
        let lang = self.lang();
        let mut message = Message::default().para(group_text("push-choose-topic", link));
        for topic in self.core.lessons().topics() {
            message = message.row(vec![Button::new(
                Phrase::Content(topic.title.get(&lang).clone()),
                Callback::PushTopic(link.code.clone(), topic.id.clone()),
            )]);
        }
        message
    }

    fn push_lessons(&mut self, link: &Link, topic: &str) {
        let Some(topic) = self.core.lessons().topic(topic) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let lang = self.lang();
        let mut message = Message::default().para(
            group_text("push-choose-lesson", link).arg("topic", topic.title.get(&lang).clone()),
        );
        for id in &topic.lessons {
            if let Some(lesson) = self.core.lessons().lesson(id) {
                message = message.row(vec![Button::new(
                    Phrase::Content(lesson.text.get(&lang).title.clone()),
                    Callback::PushLesson(link.code.clone(), id.clone()),
                )]);
            }
        }
        self.send(message);
    }

    fn push_when(&mut self, link: &Link, lesson: &str) {
        let Some(found) = self.core.lessons().lesson(lesson) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let title = found.text.get(&self.lang()).title.clone();
        let mut message =
            Message::default().para(group_text("push-choose-time", link).arg("lesson", title));
        for slot in 0..SLOTS {
            message = message.row(vec![Button::new(
                Text::new("push-slot").arg("slot", slot),
                Callback::PushAt(link.code.clone(), lesson.to_string(), slot),
            )]);
        }
        self.send(message);
    }

    fn push_card(&mut self, link: Link, lesson_id: &str, slot: usize) {
        let LinkKind::Group { chat, area, .. } = link.kind.clone() else {
            return;
        };
        let (Some(lesson), Some(at)) = (
            self.core.lessons().lesson(lesson_id),
            slot_time(self.now, slot),
        ) else {
            return self.send(Message::default().para(Text::new("button-old")));
        };
        let code = link.code.clone();
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
            channel: self.learner.channel.clone(),
            to: Recipient::Group { chat },
            lang,
            message: card,
            not_before: at,
        });
        self.remember_group(&code);
        let title = text.title.clone();
        let confirm = if at <= self.now {
            group_text("push-queued", &link).arg("lesson", title)
        } else {
            group_text("push-scheduled", &link)
                .arg("lesson", title)
                .arg("time", Arg::Time(at))
        };
        let mut message = Message::default().para(confirm);
        if let Some((_, mine)) = self.role() {
            let shown = area.clone().unwrap_or_else(|| mine.clone());
            message = message
                .para(Text::new("group-area-is").arg("area", self.core.areas.full_name(&shown)))
                .row(vec![Button::new(
                    Text::new("button-group-area"),
                    Callback::GroupArea(code, mine),
                )]);
        }
        self.send(message);
    }

    /// Whether this person may change the group's area to `to`: the
    /// volunteer who first posted there, or an official (or admin) whose
    /// area covers the group's; either way only to an area inside their own.
    fn may_set_group_area(&self, link: &Link, role: Role, mine: &str, to: &str) -> bool {
        let LinkKind::Group { area, .. } = &link.kind else {
            return false;
        };
        let areas = &self.core.areas;
        let inside = areas.get(to).is_some() && areas.is_within(to, mine);
        let maker = link.created_by == self.learner.id;
        let covers =
            role >= Role::Official && area.as_deref().is_none_or(|a| areas.is_within(a, mine));
        inside && (maker || covers)
    }

    fn group_area_screen(&mut self, link: &Link, role: Role, mine: &str, area: &str) {
        if !self.may_set_group_area(link, role, mine, area) {
            return self.send(Message::default().para(Text::new("group-area-refused")));
        }
        let areas = &self.core.areas;
        let mut message = Message::default().para(group_text("group-area-choose", link));
        if areas.get(area).and_then(|a| a.parent.as_ref()).is_some() {
            message = message.para(Phrase::Content(areas.full_name(area)));
        }
        for child in areas.children(area) {
            let target = if areas.children(&child.id).next().is_some() {
                Callback::GroupArea(link.code.clone(), child.id.clone())
            } else {
                Callback::GroupAreaSet(link.code.clone(), child.id.clone())
            };
            message = message.row(vec![Button::new(
                Phrase::Content(child.name.clone()),
                target,
            )]);
        }
        let name = areas.get(area).map(|a| a.name.clone()).unwrap_or_default();
        message = message.row(vec![Button::new(
            Text::new("button-area-here").arg("area", name),
            Callback::GroupAreaSet(link.code.clone(), area.to_string()),
        )]);
        self.send(message);
    }

    fn group_area_set(&mut self, mut link: Link, role: Role, mine: &str, area: &str) {
        if !self.may_set_group_area(&link, role, mine, area) {
            return self.send(Message::default().para(Text::new("group-area-refused")));
        }
        if let LinkKind::Group {
            area: group_area, ..
        } = &mut link.kind
        {
            *group_area = Some(area.to_string());
        }
        let said = group_text("group-area-set", &link).arg("area", self.core.areas.full_name(area));
        self.reply.links.push(link);
        self.send(Message::default().para(said));
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

/// A message about a group, naming it: by its title, or by its code when
/// the platform gave none (`named` tells the message which).
pub(super) fn group_text(key: &'static str, link: &Link) -> Text {
    match &link.kind {
        LinkKind::Group {
            title: Some(title), ..
        } if !title.trim().is_empty() => {
            let title: String = title.chars().take(64).collect();
            Text::new(key).arg("group", title).arg("named", "yes")
        }
        _ => Text::new(key)
            .arg("group", link.code.as_str())
            .arg("named", "no"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_fall_on_vietnam_clock_times() {
        // 2026-11-23 22:30 in Vietnam.
        let now = 1_795_447_800;
        assert_eq!(slot_time(now, 0), Some(now));
        assert_eq!(slot_time(now, 1), Some(now + 3600));
        // 08:00 and 19:00 on 24/11 in Vietnam.
        assert_eq!(slot_time(now, 2), Some(1_795_482_000));
        assert_eq!(slot_time(now, 3), Some(1_795_521_600));
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

//! Bringing a learner back: one gentle reminder after a few days away from
//! an unfinished lesson, a second one later, never more for that lesson;
//! a week after a topic is finished, one suggestion of the next topic.
//! Only in the daytime (Vietnam), never after "Stop reminders".
//!
//! At most one reminder timer waits per learner: it is set when a learner
//! leaves a lesson unfinished, and when it fires it looks at how long they
//! have really been away, so activity in between costs no write.

use super::action::{Button, Message, Text};
use super::callback::Callback;
use super::outgoing::{Outgoing, Recipient};
use super::records::Role;
use super::timer::{Timer, TimerKind, is_daytime, next_daytime};
use super::turn::Turn;

/// Reminders for one lesson, at most.
pub const MAX_PER_LESSON: u8 = 2;
/// A reminder counts as having brought the learner back within this time.
const CAME_BACK_WITHIN: i64 = 2 * 86_400;

/// Days away before each reminder; configurable per deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderDelays {
    pub first: i64,
    pub second: i64,
    pub next_topic: i64,
}

impl Default for ReminderDelays {
    fn default() -> Self {
        ReminderDelays {
            first: 3 * 86_400,
            second: 10 * 86_400,
            next_topic: 7 * 86_400,
        }
    }
}

impl Turn<'_> {
    /// After every private turn: count a return after a reminder, and make
    /// sure a reminder waits if a lesson was left unfinished.
    pub(super) fn after_turn_reminders(&mut self) {
        if let Some(at) = self.learner.reminders.last_at
            && self.learner.last_active > at
        {
            self.learner.reminders.last_at = None;
            if self.now - at <= CAME_BACK_WITHIN {
                self.count_learner("r:back");
            }
        }
        let reminders = &self.learner.reminders;
        if reminders.off || reminders.scheduled {
            return;
        }
        let Some(lesson) = self.learner.current_lesson(self.core.lessons()) else {
            return;
        };
        let sent = reminders.sent.get(&lesson.id).copied().unwrap_or(0);
        if sent >= MAX_PER_LESSON {
            return;
        }
        let due = next_daytime(self.learner.last_active + self.delay_for(sent));
        self.learner.reminders.scheduled = true;
        self.reply.timers.push(Timer {
            due,
            learner: self.learner.id.clone(),
            kind: TimerKind::Reminder,
        });
    }

    fn delay_for(&self, sent: u8) -> i64 {
        if sent == 0 {
            self.core.reminder_delays.first
        } else {
            self.core.reminder_delays.second
        }
    }

    /// The reminder timer fired.
    pub(super) fn reminder_due(&mut self) {
        self.learner.reminders.scheduled = false;
        if self.learner.reminders.off {
            return;
        }
        let Some(lesson) = self.learner.current_lesson(self.core.lessons()) else {
            return;
        };
        let id = lesson.id.clone();
        let title = lesson.text.get(&self.lang()).title.clone();
        let sent = self.learner.reminders.sent.get(&id).copied().unwrap_or(0);
        if sent >= MAX_PER_LESSON {
            return;
        }
        let back_at = self.learner.last_active + self.delay_for(sent);
        if self.now < back_at || !is_daytime(self.now) {
            // Active since it was set, or night: wait until it is due again.
            self.learner.reminders.scheduled = true;
            self.reply.timers.push(Timer {
                due: next_daytime(back_at.max(self.now)),
                learner: self.learner.id.clone(),
                kind: TimerKind::Reminder,
            });
            return;
        }
        self.learner.reminders.sent.insert(id, sent + 1);
        self.learner.reminders.last_at = Some(self.now);
        self.count_learner("r:sent");
        let key = if sent == 0 {
            "reminder-first"
        } else {
            "reminder-second"
        };
        let message = Message::default()
            .para(
                Text::new(key)
                    .name(&self.learner.display_name)
                    .arg("lesson", title),
            )
            .row(vec![Button::new(
                Text::new("button-continue-short"),
                Callback::Resume,
            )])
            .row(vec![Button::new(
                Text::new("button-reminders-off"),
                Callback::RemindersOff,
            )]);
        self.send_later(message);
        if sent + 1 < MAX_PER_LESSON {
            self.learner.reminders.scheduled = true;
            self.reply.timers.push(Timer {
                due: next_daytime(self.learner.last_active + self.delay_for(sent + 1)),
                learner: self.learner.id.clone(),
                kind: TimerKind::Reminder,
            });
        }
    }

    /// When a topic is finished for the first time.
    pub(super) fn schedule_next_topic(&mut self, topic: &str) {
        if self.learner.reminders.off {
            return;
        }
        self.reply.timers.push(Timer {
            due: next_daytime(self.now + self.core.reminder_delays.next_topic),
            learner: self.learner.id.clone(),
            kind: TimerKind::NextTopic {
                topic: topic.to_string(),
            },
        });
    }

    /// A week after `finished`: the next topic not yet started, if any.
    pub(super) fn next_topic_due(&mut self, finished: &str) {
        if self.learner.reminders.off {
            return;
        }
        if !is_daytime(self.now) {
            self.reply.timers.push(Timer {
                due: next_daytime(self.now),
                learner: self.learner.id.clone(),
                kind: TimerKind::NextTopic {
                    topic: finished.to_string(),
                },
            });
            return;
        }
        let topics = self.core.lessons().topics();
        let after = topics.iter().position(|t| t.id == finished).unwrap_or(0);
        let next = topics
            .iter()
            .cycle()
            .skip(after + 1)
            .take(topics.len())
            .find(|t| !self.learner.started_topic(t));
        let Some(next) = next else {
            return;
        };
        let title = next.title.get(&self.lang()).clone();
        let message = Message::default()
            .para(Text::new("reminder-next-topic").arg("topic", title))
            .row(vec![Button::new(
                Text::new("button-open-topic"),
                Callback::Topic(next.id.clone()),
            )])
            .row(vec![Button::new(
                Text::new("button-reminders-off"),
                Callback::RemindersOff,
            )]);
        self.count_learner("r:sent");
        self.learner.reminders.last_at = Some(self.now);
        self.send_later(message);
    }

    /// "Stop reminders" or `/stop`.
    pub(super) fn reminders_off(&mut self) {
        self.learner.reminders.off = true;
        self.send(
            Message::default()
                .para(Text::new("reminders-off"))
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
    }

    /// A volunteer reminds one mentee from `/mentees`: the same rules as the
    /// bot's own reminders (daytime, not after "Stop reminders", at most two
    /// for one lesson), kept on the volunteer's side.
    pub(super) fn nudge_mentee(&mut self, tag: &str) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        let mentees = match self.directory.mentees(&self.learner.id) {
            Ok(m) => m,
            Err(e) => return self.unavailable(&e),
        };
        let Some(mentee) = mentees.into_iter().find(|m| mentee_tag(&m.id) == tag) else {
            return self.stale_button();
        };
        let lesson = mentee.current_lesson(self.core.lessons());
        let refused = |key| Message::default().para(Text::new(key));
        let Some(lesson) = lesson else {
            return self.send(refused("nudge-nothing"));
        };
        if mentee.reminders.off {
            return self.send(refused("nudge-off"));
        }
        if !is_daytime(self.now) {
            return self.send(refused("nudge-night"));
        }
        let entry = self
            .learner
            .reminders
            .nudged
            .entry(tag.to_string())
            .or_insert((lesson.id.clone(), 0));
        if entry.0 != lesson.id {
            *entry = (lesson.id.clone(), 0);
        }
        if entry.1 >= MAX_PER_LESSON {
            return self.send(refused("nudge-enough"));
        }
        entry.1 += 1;
        let message = Message::default()
            .para(
                Text::new("reminder-from-mentor")
                    .arg(
                        "name",
                        self.learner
                            .display_name
                            .chars()
                            .take(40)
                            .collect::<String>(),
                    )
                    .arg("lesson", lesson.text.get(&mentee.lang()).title.clone()),
            )
            .row(vec![Button::new(
                Text::new("button-continue-short"),
                Callback::Resume,
            )])
            .row(vec![Button::new(
                Text::new("button-reminders-off"),
                Callback::RemindersOff,
            )]);
        self.reply.outbox.push(Outgoing {
            channel: mentee.channel.clone(),
            to: Recipient::Learner {
                id: mentee.id.clone(),
            },
            lang: mentee.lang(),
            message,
            not_before: self.now,
        });
        self.send(Message::default().para(Text::new("nudge-sent").arg(
            "name",
            mentee.display_name.chars().take(40).collect::<String>(),
        )));
    }

    /// A message to this learner that goes out through the outbox (a timer
    /// has no chat to answer in).
    fn send_later(&mut self, message: Message) {
        self.reply.outbox.push(Outgoing {
            channel: self.learner.channel.clone(),
            to: Recipient::Learner {
                id: self.learner.id.clone(),
            },
            lang: self.lang(),
            message,
            not_before: self.now,
        });
    }

    /// An event counter for the learner's area and every area above it.
    fn count_learner(&mut self, metric: &str) {
        let area = self.learner.area.clone();
        self.count_for(area.as_deref(), metric, 1);
    }
}

/// A short tag for a mentee in button data: derived from the id but not
/// reversible, so a forwarded button reveals no platform id.
pub fn mentee_tag(id: &super::state::LearnerId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("mentee:{}", id.as_str()).as_bytes());
    let bits = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
    super::records::code_from(bits, 2).replace('-', "")
}

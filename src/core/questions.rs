//! Typed questions: words that are not a command find their lessons
//! through the search index, or a person is offered instead of a wrong
//! lesson; questions no lesson answered are counted (folded, by day) so
//! admins can see with `/unanswered` what authors should write next.

use super::action::{Button, Message, Phrase, Text};
use super::callback::Callback;
use super::records::Role;
use super::state::HelpDraft;
use super::stats::{CounterKey, VIETNAM_OFFSET};
use super::turn::Turn;
use crate::search::{is_meaningful, normalize};

/// The counter scope of unanswered questions. Its period number is a day
/// (days since 1970 in Vietnam), not a quarter, so "the last 90 days" is
/// one range read.
pub const UNANSWERED_SCOPE: &str = "unanswered";
/// How far back `/unanswered` looks, and how many it lists.
const UNANSWERED_DAYS: u32 = 90;
const UNANSWERED_SHOWN: usize = 20;
/// Longest folded question kept as a counter key.
const MAX_KEY_CHARS: usize = 80;

pub fn day_of(at: i64) -> u32 {
    u32::try_from((at + VIETNAM_OFFSET).div_euclid(86_400)).unwrap_or(0)
}

impl Turn<'_> {
    /// The best lessons for `text`, as buttons, with a person and the menu
    /// beside them; when nothing fits, a kind word and a person.
    pub(super) fn search_lessons(&mut self, text: &str) {
        if !is_meaningful(text) {
            self.send(Message::default().para(Text::new("free-text-hint")));
            return self.menu();
        }
        let hits = self.core.search().query(text);
        let lang = self.lang();
        if hits.is_empty() {
            self.count_unanswered(text);
            self.learner.last_question = Some(text.chars().take(1000).collect());
            return self.send(
                Message::default()
                    .para(Text::new("search-none"))
                    .row(vec![Button::new(
                        Text::new("button-help-send-question"),
                        Callback::HelpSendTyped,
                    )])
                    .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
            );
        }
        let mut message = Message::default().para(Text::new("search-found"));
        for hit in &hits {
            let Some(lesson) = self.core.lessons().lesson(&hit.lesson) else {
                continue;
            };
            let topic = self
                .core
                .lessons()
                .topic(&lesson.topic)
                .map(|t| t.title.get(&lang).clone())
                .unwrap_or_default();
            let label = format!("📖 {} — {}", lesson.text.get(&lang).title, topic);
            message = message.row(vec![Button::new(
                Phrase::Content(label),
                Callback::Lesson(lesson.id.clone()),
            )]);
        }
        self.learner.last_question = Some(text.chars().take(1000).collect());
        message = message
            .row(vec![Button::new(
                Text::new("button-help-send-question"),
                Callback::HelpSendTyped,
            )])
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    fn count_unanswered(&mut self, text: &str) {
        let folded: String = normalize(text).chars().take(MAX_KEY_CHARS).collect();
        if folded.trim().is_empty() {
            return;
        }
        self.reply.counts.push((
            CounterKey {
                scope: UNANSWERED_SCOPE.to_string(),
                quarter: day_of(self.now),
                metric: format!("q:{folded}"),
            },
            1,
        ));
    }

    /// `/hoi [question]` or `/help_me`: with words, they are the question.
    pub(super) fn ask_person_command(&mut self, question: &str) {
        let draft = HelpDraft {
            lesson: None,
            step: None,
        };
        if question.trim().is_empty() {
            return self.ask_help(draft);
        }
        self.learner.last_question = Some(question.chars().take(1000).collect());
        self.send_typed_question();
    }

    /// `/unanswered` (admins): the most frequent questions that found no
    /// lesson in the last 90 days.
    pub(super) fn unanswered(&mut self) {
        if self.require(Role::Admin).is_none() {
            return;
        }
        let today = day_of(self.now);
        let from = today.saturating_sub(UNANSWERED_DAYS - 1);
        let counts = match self.directory.counts(UNANSWERED_SCOPE, (from, today)) {
            Ok(c) => c,
            Err(e) => return self.unavailable(&e),
        };
        let mut rows: Vec<(&str, u64)> = counts
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("q:")?, *v)))
            .filter(|(_, v)| *v > 0)
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut message = Message::default()
            .heading(Text::new("unanswered-title").arg("days", UNANSWERED_DAYS as usize));
        if rows.is_empty() {
            message = message.para(Text::new("unanswered-none"));
        }
        for (question, count) in rows.iter().take(UNANSWERED_SHOWN) {
            message = message.para(
                Text::new("unanswered-line")
                    .arg("count", *count as usize)
                    .arg("question", question.to_string()),
            );
        }
        self.send(message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_turn_at_midnight_in_vietnam() {
        // 2025-11-30 16:59:59 UTC is 23:59:59 in Vietnam; a second later, a new day.
        let before = 1_764_521_999;
        assert_eq!(day_of(before) + 1, day_of(before + 1));
    }
}

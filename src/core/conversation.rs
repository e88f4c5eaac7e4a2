//! The lesson flow: opening a lesson where the learner left it, its steps,
//! the quiz, completion, the topic summary, and where "continue" leads.

use super::action::{Attachment, Block, Button, Message, Phrase, Text};
use super::callback::Callback;
use super::state::{CompletedLesson, Completion, QuizAttempt, Session};
use super::turn::Turn;
use crate::lesson::{Lesson, LessonText};

impl Turn<'_> {
    /// Where "continue" takes the learner: the screen they were on, or the
    /// unfinished lesson they touched last.
    pub(super) fn resume_target(&self) -> Option<Callback> {
        let lessons = self.core.lessons();
        match &self.learner.session {
            // The tree may have changed since: clamp into the lesson as it is now.
            Session::Reading { lesson: id, step } => {
                if let Some(lesson) = lessons.lesson(id) {
                    let step = (*step).min(lesson.step_count().saturating_sub(1));
                    return Some(Callback::Step(id.clone(), step));
                }
            }
            Session::Answering {
                lesson: id,
                question,
                ..
            } => {
                if let Some(lesson) = lessons.lesson(id) {
                    let question = if *question < lesson.question_count() {
                        *question
                    } else {
                        0
                    };
                    return Some(Callback::Question(id.clone(), question));
                }
            }
            _ => {}
        }
        self.learner
            .current_lesson(lessons)
            .map(|lesson| Callback::Lesson(lesson.id.clone()))
    }

    pub(super) fn resume_lesson_title(&self, target: &Callback) -> Option<String> {
        let id = match target {
            Callback::Step(id, _) | Callback::Question(id, _) | Callback::Lesson(id) => id,
            _ => return None,
        };
        let lesson = self.core.lessons().lesson(id)?;
        Some(lesson.text.get(&self.lang()).title.clone())
    }

    pub(super) fn open_lesson(&mut self, id: &str) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        let step = match self.learner.progress.get(id) {
            Some(p) if p.completed.is_none() => p.step.min(lesson.step_count().saturating_sub(1)),
            _ => 0,
        };
        self.step(id, step);
    }

    pub(super) fn step(&mut self, id: &str, step: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        if step >= lesson.step_count() {
            return self.stale_button();
        }
        self.learner.session = Session::Reading {
            lesson: id.to_string(),
            step,
        };
        let progress = self.learner.progress.entry(id.to_string()).or_default();
        progress.step = step;
        progress.updated = self.now;
        self.learner.started.get_or_insert(self.now);

        let text = lesson.text.get(&self.lang());
        let content = &text.steps[step];
        let mut message = Message::default().heading(
            Text::new("step-title")
                .arg("lesson", text.title.clone())
                .arg("number", step + 1)
                .arg("total", lesson.step_count()),
        );
        if let Some(heading) = &content.heading {
            message = message.heading(Phrase::Content(heading.clone()));
        }
        message = message.para(Phrase::Content(content.text.clone()));
        if let Some(tip) = &content.tip {
            message
                .blocks
                .push(Block::Tip(Phrase::Content(tip.clone())));
        }
        message.attachment = content.picture.clone().map(Attachment::Picture);
        let mut nav = Vec::new();
        if step > 0 {
            nav.push(Button::new(
                Text::new("button-back"),
                Callback::Step(id.to_string(), step - 1),
            ));
        }
        if step + 1 < lesson.step_count() {
            nav.push(Button::new(
                Text::new("button-next"),
                Callback::Step(id.to_string(), step + 1),
            ));
        } else {
            nav.push(Button::new(
                Text::new("button-quiz"),
                Callback::Question(id.to_string(), 0),
            ));
        }
        message = message.row(nav).row(vec![
            Button::new(
                Text::new("button-stuck"),
                Callback::HelpStuck(id.to_string(), step),
            ),
            Button::new(Text::new("button-menu"), Callback::Menu),
        ]);
        self.send(message);
    }

    /// Shows a quiz question. Question 0 starts (or restarts) the quiz; later
    /// questions only while the learner is at them, so old buttons cannot skip.
    pub(super) fn question(&mut self, id: &str, question: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        if question >= lesson.question_count() {
            return self.stale_button();
        }
        let at_this_question = matches!(
            &self.learner.session,
            Session::Answering { lesson: l, question: q, .. } if l == id && *q == question
        );
        if question == 0 && !at_this_question {
            self.learner.session = Session::Answering {
                lesson: id.to_string(),
                question: 0,
                score: 0,
                missed: false,
            };
        } else if !at_this_question {
            return self.stale_button();
        }
        self.touch(id);
        let text = lesson.text.get(&self.lang());
        let q = &text.quiz[question];
        let mut message = Message::default()
            .heading(
                Text::new("quiz-title")
                    .arg("lesson", text.title.clone())
                    .arg("number", question + 1)
                    .arg("total", lesson.question_count()),
            )
            .para(Phrase::Content(q.text.clone()));
        // Shown in an order of this learner's own, so where the right
        // answer stands tells nothing; the button still names the option.
        let order = option_order(self.learner.id.as_str(), id, question, q.options.len());
        for (shown, n) in order.into_iter().enumerate() {
            let label = format!("{}. {}", option_letter(shown), q.options[n]);
            message = message.row(vec![Button::new(
                Phrase::Content(label),
                Callback::Answer(id.to_string(), question, n),
            )]);
        }
        message = message.row(vec![
            Button::new(
                Text::new("button-reread"),
                Callback::Step(id.to_string(), 0),
            ),
            Button::new(Text::new("button-menu"), Callback::Menu),
        ]);
        self.send(message);
    }

    pub(super) fn touch(&mut self, id: &str) {
        self.learner
            .progress
            .entry(id.to_string())
            .or_default()
            .updated = self.now;
    }

    pub(super) fn answer(&mut self, id: &str, question: usize, option: usize) {
        let Some(lesson) = self.core.lessons().lesson(id) else {
            return self.missing();
        };
        let Session::Answering {
            lesson: current,
            question: at,
            score,
            missed,
        } = self.learner.session.clone()
        else {
            return self.stale_button();
        };
        let text = lesson.text.get(&self.lang());
        let Some(q) = text.quiz.get(question) else {
            return self.stale_button();
        };
        if current != id || at != question || option >= q.options.len() {
            return self.stale_button();
        }
        let correct = lesson.correct_option(question) == Some(option);
        self.reply.attempts.push(QuizAttempt {
            learner: self.learner.id.clone(),
            lesson: id.to_string(),
            question,
            option,
            correct,
            at: self.now,
        });
        self.touch(id);
        let explanation = Phrase::Content(q.explanation.clone());
        if !correct {
            self.learner.session = Session::Answering {
                lesson: current,
                question,
                score,
                missed: true,
            };
            let message = Message::default()
                .heading(Text::new("quiz-wrong"))
                .para(explanation)
                .row(vec![Button::new(
                    Text::new("button-retry"),
                    Callback::Question(id.to_string(), question),
                )])
                .row(vec![
                    Button::new(
                        Text::new("button-reread"),
                        Callback::Step(id.to_string(), 0),
                    ),
                    Button::new(Text::new("button-menu"), Callback::Menu),
                ]);
            return self.send(message);
        }
        let score = score + usize::from(!missed);
        let mut message = Message::default()
            .heading(Text::new("quiz-right"))
            .para(explanation);
        if question + 1 < lesson.question_count() {
            self.learner.session = Session::Answering {
                lesson: current,
                question: question + 1,
                score,
                missed: false,
            };
            message = message.row(vec![Button::new(
                Text::new("button-next-question"),
                Callback::Question(id.to_string(), question + 1),
            )]);
            return self.send(message);
        }
        self.send(message);
        self.complete(lesson, score);
    }

    pub(super) fn complete(&mut self, lesson: &Lesson, score: usize) {
        let total = lesson.question_count();
        let topic = self.core.lessons().topic(&lesson.topic);
        let topic_was_done = topic.is_some_and(|t| self.learner.finished_topic(t));
        let progress = self.learner.progress.entry(lesson.id.clone()).or_default();
        progress.updated = self.now;
        progress.step = 0;
        progress.completed = Some(match progress.completed.take() {
            Some(first) => CompletedLesson {
                score: first.score.max(score),
                ..first
            },
            None => CompletedLesson {
                at: self.now,
                score,
                total,
            },
        });
        self.learner.session = Session::Menu;
        self.reply.completions.push(Completion {
            learner: self.learner.id.clone(),
            topic: lesson.topic.clone(),
            lesson: lesson.id.clone(),
            version: lesson.version.clone(),
            score,
            total,
            at: self.now,
        });

        let lang = self.lang();
        let mut message = Message::default()
            .heading(Text::new("lesson-done").arg("lesson", lesson.text.get(&lang).title.clone()))
            .para(
                Text::new("lesson-score")
                    .arg("score", score)
                    .arg("total", total),
            );
        let next = self
            .core
            .lessons()
            .next_in_topic(&lesson.id)
            .filter(|next| !self.learner.is_completed(&next.id));
        if let Some(next) = next {
            message = message.row(vec![Button::new(
                Text::new("button-next-lesson").arg("lesson", next.text.get(&lang).title.clone()),
                Callback::Lesson(next.id.clone()),
            )]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);

        if let Some(topic) = topic
            && !topic_was_done
            && self.learner.finished_topic(topic)
        {
            self.schedule_next_topic(&topic.id);
            let basic = self.certify(topic);
            self.summary(&topic.id);
            if basic {
                self.send_certificate(super::records::BASIC);
            }
        }
        self.offer_area_once();
    }

    /// The completion summary of a finished topic.
    pub(super) fn summary(&mut self, id: &str) {
        let lessons = self.core.lessons();
        let Some(topic) = lessons.topic(id) else {
            return self.missing();
        };
        let lang = self.lang();
        let done: Vec<(&LessonText, &CompletedLesson)> = topic
            .lessons
            .iter()
            .filter_map(|l| {
                let completed = self.learner.progress.get(l)?.completed.as_ref()?;
                Some((lessons.lesson(l)?.text.get(&lang), completed))
            })
            .collect();
        if done.len() < topic.lessons.len() {
            return self.topic(id);
        }
        let mut message = Message::default()
            .heading(Text::new("summary-title").arg("topic", topic.title.get(&lang).clone()))
            .para(Text::new("summary-intro").name(&self.learner.display_name));
        let (mut score, mut total) = (0, 0);
        for (text, completed) in &done {
            score += completed.score;
            total += completed.total;
            message = message.para(
                Text::new("summary-line")
                    .arg("lesson", text.title.clone())
                    .arg("date", super::Arg::Date(completed.at))
                    .arg("score", completed.score)
                    .arg("total", completed.total),
            );
        }
        message = message.para(
            Text::new("summary-total")
                .arg("score", score)
                .arg("total", total),
        );
        if let Some(spec) = self.certificate_spec(id) {
            message = message.para(Text::new("certificate-code").arg("code", spec.code.clone()));
            message.attachment = Some(Attachment::Certificate(spec));
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    /// A lesson or topic id that is not in the tree (any more).
    pub(super) fn missing(&mut self) {
        let lessons = self.core.lessons();
        let gone = match &self.learner.session {
            Session::Reading { lesson, .. } | Session::Answering { lesson, .. } => {
                lessons.lesson(lesson).is_none()
            }
            _ => false,
        };
        if gone {
            self.learner.session = Session::Menu;
        }
        self.send(Message::default().para(Text::new("lesson-missing")));
        self.menu();
    }
}

/// The options of one question in the order one learner sees them: a
/// shuffle seeded by learner, lesson and question, so it is the same on
/// every retry and for every screen of that learner, and differs between
/// learners. Authors may put the right option anywhere.
pub fn option_order(learner: &str, lesson: &str, question: usize, count: usize) -> Vec<usize> {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(learner.as_bytes())
        .chain_update([0])
        .chain_update(lesson.as_bytes())
        .chain_update(question.to_le_bytes())
        .finalize();
    let mut seed = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut order: Vec<usize> = (0..count).collect();
    // Fisher-Yates with a small xorshift stream from the seed.
    for i in (1..count).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let j = (seed % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

fn option_letter(n: usize) -> char {
    (b'A' + u8::try_from(n).unwrap_or(0)) as char
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;

//! Certificates: issued when a learner finishes every lesson of a topic (and
//! an overall one for all core topics), shown again from `/summary`, and
//! checked by staff with `/verify CODE`.
//!
//! A certificate's code comes from fresh randomness (see `fresh_code`), is
//! stored with the certificate record, and is printed on the picture.

use super::action::{Arg, Attachment, Button, CertificateSpec, Message, Phrase, Text};
use super::callback::Callback;
use super::outgoing::{Outgoing, Recipient};
use super::records::{BASIC, Certificate, CertifiedLesson, Role, normalise_code};
use super::state::CertificateStamp;
use super::turn::Turn;
use crate::core::Lang;
use crate::lesson::Topic;

impl Turn<'_> {
    /// Called once, when `topic` has just been finished: the topic's
    /// certificate, the overall one if this completes the core topics, and
    /// a note to the learner's mentor. `true` if the overall one was issued.
    pub(super) fn certify(&mut self, topic: &Topic) -> bool {
        if self.learner.certificates.contains_key(&topic.id) {
            return false;
        }
        let lessons: Vec<CertifiedLesson> = topic
            .lessons
            .iter()
            .filter_map(|id| {
                let done = self.learner.progress.get(id)?.completed.as_ref()?;
                Some(CertifiedLesson {
                    lesson: id.clone(),
                    at: done.at,
                    score: done.score,
                    total: done.total,
                })
            })
            .collect();
        self.issue(&topic.id, lessons);
        self.notify_mentor(topic);

        let core_topics: Vec<&Topic> = self
            .core
            .lessons()
            .topics()
            .iter()
            .filter(|t| t.core)
            .collect();
        let all_core_done = !core_topics.is_empty()
            && core_topics
                .iter()
                .all(|t| self.learner.certificates.contains_key(&t.id));
        if topic.core && all_core_done && !self.learner.certificates.contains_key(BASIC) {
            let lines = core_topics
                .iter()
                .filter_map(|t| {
                    let stamp = self.learner.certificates.get(&t.id)?;
                    Some(CertifiedLesson {
                        lesson: t.id.clone(),
                        at: stamp.at,
                        score: 0,
                        total: 0,
                    })
                })
                .collect();
            self.issue(BASIC, lines);
            return true;
        }
        false
    }

    fn issue(&mut self, topic: &str, lessons: Vec<CertifiedLesson>) {
        let code = self.fresh_code();
        self.learner.certificates.insert(
            topic.to_string(),
            CertificateStamp {
                code: code.clone(),
                at: self.now,
            },
        );
        self.reply.certificates.push(Certificate {
            code,
            learner: self.learner.id.clone(),
            name: self.learner.display_name.clone(),
            topic: topic.to_string(),
            at: self.now,
            lessons,
        });
    }

    fn notify_mentor(&mut self, topic: &Topic) {
        let Some(mentor) = self.learner.mentor.clone() else {
            return;
        };
        let name: String = self.learner.display_name.chars().take(32).collect();
        let message = Message::default().para(
            Text::new("mentee-finished-topic")
                .arg("name", name)
                .arg("topic", topic.title.get(&mentor.lang).clone()),
        );
        self.reply.outbox.push(Outgoing {
            channel: mentor.channel.clone(),
            to: Recipient::Learner { id: mentor.id },
            lang: mentor.lang,
            message,
            not_before: self.now,
        });
    }

    /// The certificate picture with a short caption; for a topic, the
    /// summary message carries the picture instead (see `summary`).
    pub(super) fn send_certificate(&mut self, topic: &str) {
        let Some(spec) = self.certificate_spec(topic) else {
            return self.stale_button();
        };
        let mut message = Message::default();
        message = if spec.basic {
            message
                .heading(Text::new("basic-title"))
                .para(Text::new("basic-text").name(&spec.name))
        } else {
            message.para(Text::new("certificate-caption").arg("topic", spec.topic.clone()))
        };
        message = message
            .para(Text::new("certificate-code").arg("code", spec.code.clone()))
            .row(vec![Button::new(
                Text::new("button-overview"),
                Callback::Overview,
            )]);
        message.attachment = Some(Attachment::Certificate(spec));
        self.send(message);
    }

    /// What the picture of `topic`'s certificate shows.
    pub(super) fn certificate_spec(&self, topic: &str) -> Option<CertificateSpec> {
        let stamp = self.learner.certificates.get(topic)?;
        let lang = self.lang();
        let lessons = self.core.lessons();
        if topic == BASIC {
            let lines = lessons
                .topics()
                .iter()
                .filter(|t| t.core)
                .filter_map(|t| {
                    let s = self.learner.certificates.get(&t.id)?;
                    Some((t.title.get(&lang).clone(), s.at, 0, 0))
                })
                .collect();
            return Some(CertificateSpec {
                code: stamp.code.clone(),
                name: self.learner.display_name.clone(),
                basic: true,
                topic: String::new(),
                topic_vi: String::new(),
                topic_en: String::new(),
                issued: stamp.at,
                lessons: lines,
            });
        }
        let t = lessons.topic(topic)?;
        let lines = t
            .lessons
            .iter()
            .filter_map(|id| {
                let done = self.learner.progress.get(id)?.completed.as_ref()?;
                let title = lessons.lesson(id)?.text.get(&lang).title.clone();
                Some((title, done.at, done.score, done.total))
            })
            .collect();
        Some(CertificateSpec {
            code: stamp.code.clone(),
            name: self.learner.display_name.clone(),
            basic: false,
            topic: t.title.get(&lang).clone(),
            topic_vi: t.title.get(&Lang::new("vi")).clone(),
            topic_en: t.title.get(&Lang::new("en")).clone(),
            issued: stamp.at,
            lessons: lines,
        })
    }

    /// `/summary`: every topic, done, under way or not started, with the
    /// certificates earned as buttons to see them again.
    pub(super) fn overview(&mut self) {
        let lang = self.lang();
        let mut message = Message::default().heading(Text::new("overview-title"));
        let mut buttons = Vec::new();
        for topic in self.core.lessons().topics() {
            let (done, total) = self.learner.topic_counts(topic);
            let title = topic.title.get(&lang).clone();
            let line = match self.learner.certificates.get(&topic.id) {
                Some(stamp) => {
                    buttons.push(Button::new(
                        Phrase::Content(format!("🎓 {title}")),
                        Callback::Certificate(topic.id.clone()),
                    ));
                    Text::new("overview-done")
                        .arg("topic", title)
                        .arg("date", Arg::Date(stamp.at))
                        .arg("code", stamp.code.clone())
                }
                None if self.learner.started_topic(topic) => Text::new("overview-started")
                    .arg("topic", title)
                    .arg("done", done)
                    .arg("total", total),
                None => Text::new("overview-new").arg("topic", title),
            };
            message = message.para(line);
        }
        if let Some(stamp) = self.learner.certificates.get(BASIC) {
            message = message.para(
                Text::new("overview-basic")
                    .arg("date", Arg::Date(stamp.at))
                    .arg("code", stamp.code.clone()),
            );
            buttons.push(Button::new(
                Text::new("button-basic-certificate"),
                Callback::Certificate(BASIC.to_string()),
            ));
        }
        for button in buttons {
            message = message.row(vec![button]);
        }
        message = message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        self.send(message);
    }

    pub(super) fn resend_certificate(&mut self, topic: &str) {
        if !self.learner.certificates.contains_key(topic) {
            return self.stale_button();
        }
        if topic == BASIC {
            self.send_certificate(BASIC);
        } else {
            self.summary(topic);
        }
    }

    /// `/verify CODE` (volunteers, officials, admins).
    pub(super) fn verify(&mut self, args: &str) {
        if self.require(Role::Volunteer).is_none() {
            return;
        }
        let code = normalise_code(args);
        if code.is_empty() {
            return self.usage("usage-verify");
        }
        let found = match self.directory.certificate(&code) {
            Ok(found) => found,
            Err(e) => return self.unavailable(&e),
        };
        let Some(cert) = found else {
            let shown: String = code.chars().take(20).collect();
            return self
                .send(Message::default().para(Text::new("verify-unknown").arg("code", shown)));
        };
        let lang = self.lang();
        // The overall certificate's name is interface text: `basic` selects it.
        let topic = self
            .core
            .lessons()
            .topic(&cert.topic)
            .map_or_else(String::new, |t| t.title.get(&lang).clone());
        self.send(
            Message::default().para(
                Text::new("verify-found")
                    .arg("code", cert.code.clone())
                    .arg("name", cert.name.clone())
                    .arg("topic", topic)
                    .arg("basic", if cert.topic == BASIC { "yes" } else { "no" })
                    .arg("date", Arg::Date(cert.at))
                    .arg("lessons", cert.lessons.len()),
            ),
        );
    }
}

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
use super::state::{CertificateStamp, Session};
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
        self.issue(&topic.id);
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
            self.issue(BASIC);
            return true;
        }
        false
    }

    fn issue(&mut self, topic: &str) {
        let code = self.fresh_code();
        self.learner.certificates.insert(
            topic.to_string(),
            CertificateStamp {
                code,
                at: self.now,
                name: self.learner.certificate_name.clone(),
            },
        );
        if let Some(record) = self.certificate_record(topic) {
            self.reply.certificates.push(record);
        }
    }

    /// The stored record of a certificate the learner holds, as their record
    /// says it: written when issued, and again under the same code when the
    /// learner then chooses the name to print.
    fn certificate_record(&self, topic: &str) -> Option<Certificate> {
        let stamp = self.learner.certificates.get(topic)?;
        let lessons = if topic == BASIC {
            self.core
                .lessons()
                .topics()
                .iter()
                .filter(|t| t.core)
                .filter_map(|t| {
                    let s = self.learner.certificates.get(&t.id)?;
                    Some(CertifiedLesson {
                        lesson: t.id.clone(),
                        at: s.at,
                        score: 0,
                        total: 0,
                    })
                })
                .collect()
        } else {
            self.core
                .lessons()
                .topic(topic)?
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
                .collect()
        };
        Some(Certificate {
            code: stamp.code.clone(),
            learner: self.learner.id.clone(),
            name: self.printed_name(stamp),
            topic: topic.to_string(),
            at: stamp.at,
            lessons,
            revoked: None,
        })
    }

    /// The name on a certificate: the one chosen for it, else the chat's.
    fn printed_name(&self, stamp: &CertificateStamp) -> String {
        stamp
            .name
            .clone()
            .unwrap_or_else(|| self.learner.display_name.clone())
    }

    /// Once a topic is finished: its certificate (and the overall one), or
    /// first the question of the name to print if the learner has never
    /// chosen one.
    pub(super) fn hand_over(&mut self, topic: &Topic, basic: bool) -> bool {
        let mut show = vec![topic.id.clone()];
        if basic {
            show.push(BASIC.to_string());
        }
        if self.learner.certificate_name.is_none() {
            self.ask_name(show);
            return false;
        }
        self.show_certificates(&show);
        true
    }

    fn show_certificates(&mut self, show: &[String]) {
        for topic in show {
            if topic == BASIC {
                self.send_certificate(BASIC);
            } else {
                self.summary(topic);
            }
        }
    }

    /// Which name to print: the chat's display name as one tap, or typed.
    pub(super) fn ask_name(&mut self, show: Vec<String>) {
        let display = self.learner.display_name.trim().to_string();
        let known = valid_name(&display).is_some();
        let first = !show.is_empty();
        self.learner.session = Session::Naming { show };
        let mut message = Message::default()
            .para(Text::new(if first { "name-ask" } else { "name-ask-again" }))
            .para(Text::new(if known {
                "name-type-or-tap"
            } else {
                "name-type"
            }));
        if known {
            message = message.row(vec![Button::new(
                Text::new("button-name-display").arg("name", display),
                Callback::NameDisplay,
            )]);
        }
        self.send(message);
    }

    /// `/name [name]`: the name for future certificates.
    pub(super) fn name_command(&mut self, args: &str) {
        if args.trim().is_empty() {
            return self.ask_name(Vec::new());
        }
        self.learner.session = Session::Naming { show: Vec::new() };
        self.name_typed(args);
    }

    pub(super) fn name_display(&mut self) {
        if !matches!(self.learner.session, Session::Naming { .. }) {
            return self.stale_button();
        }
        let display = self.learner.display_name.clone();
        self.name_typed(&display);
    }

    /// A name typed (or tapped) while the bot waits for one.
    pub(super) fn name_typed(&mut self, typed: &str) {
        let Session::Naming { show } = self.learner.session.clone() else {
            return self.stale_button();
        };
        let Some(name) = valid_name(typed) else {
            self.send(Message::default().para(Text::new("name-invalid")));
            return self.ask_name(show);
        };
        self.learner.session = Session::Menu;
        self.learner.certificate_name = Some(name.clone());
        // The certificates waiting for this name get it; earlier ones keep theirs.
        for topic in &show {
            if let Some(stamp) = self.learner.certificates.get_mut(topic) {
                stamp.name = Some(name.clone());
            }
            if let Some(record) = self.certificate_record(topic) {
                self.reply.certificates.push(record);
            }
        }
        let key = if show.is_empty() {
            "name-set-future"
        } else {
            "name-set"
        };
        self.send(Message::default().para(Text::new(key).arg("name", name)));
        if show.is_empty() {
            return self.menu();
        }
        self.show_certificates(&show);
        self.ask_next();
    }

    fn notify_mentor(&mut self, topic: &Topic) {
        let Some(mentor) = self.learner.mentor.clone() else {
            return;
        };
        // A mentor whose role was revoked hears nothing more (M4); when the
        // role cannot be read, the notice is left out rather than risked.
        if !self.may_mentor(&mentor.id).unwrap_or(false) {
            return;
        }
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
                name: self.printed_name(stamp),
                area: self.printed_area(),
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
            name: self.printed_name(stamp),
            area: self.printed_area(),
            basic: false,
            topic: t.title.get(&lang).clone(),
            topic_vi: t.title.get(&Lang::new("vi")).clone(),
            topic_en: t.title.get(&Lang::new("en")).clone(),
            issued: stamp.at,
            lessons: lines,
        })
    }

    /// "Tổ dân phố 1, Phường Hoa Sen, Tỉnh Mẫu", when the learner chose an area.
    fn printed_area(&self) -> Option<String> {
        let area = self.learner.area.as_deref()?;
        let path = self.core.areas.path(area);
        (!path.is_empty()).then(|| {
            path.iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
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
        if let Some(at) = cert.revoked {
            return self.send(
                Message::default().para(
                    Text::new("verify-revoked")
                        .arg("code", cert.code.clone())
                        .arg("date", Arg::Date(at)),
                ),
            );
        }
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

/// A name to print: 2-60 letters and spaces once spaces are tidied and the
/// text composed (NFC), as Vietnamese names are written; `None` otherwise.
pub(super) fn valid_name(typed: &str) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = typed.nfc().collect::<String>();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let letters = name.chars().all(|c| c.is_alphabetic() || c == ' ');
    let length = name.chars().count();
    (letters && (2..=60).contains(&length)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::valid_name;

    #[test]
    fn names_are_letters_and_spaces_of_a_sensible_length() {
        assert_eq!(
            valid_name("  Nguyễn   Thị  Lan "),
            Some("Nguyễn Thị Lan".into())
        );
        // Decomposed diacritics (as some keyboards type them) are composed.
        assert_eq!(valid_name("Nguye\u{302}\u{303}n"), Some("Nguyễn".into()));
        assert_eq!(valid_name("Bà Tư"), Some("Bà Tư".into()));
        for bad in [
            "",
            "A",
            "Lan123",
            "<b>Lan</b>",
            "Lan 👵",
            "Nguyễn_Lan",
            &"a".repeat(61),
        ] {
            assert_eq!(valid_name(bad), None, "{bad}");
        }
        assert!(valid_name(&"a".repeat(60)).is_some());
    }
}

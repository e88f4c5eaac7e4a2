//! Typed input, routed in one place: the commands people type, the deep-link
//! payloads that `/start` carries, and button data (`Callback`) each map to
//! one feature here.
//!
//! Parsing trusts nothing: an unknown command is `Command::Unknown`, a
//! payload that is none of ours is `None`. Features never look at raw text
//! to find out what was asked.

use super::action::{Message, Text};
use super::callback::Callback;
use super::records::normalise_code;
use super::state::{HelpDraft, Media, Session};
use super::turn::Turn;
use crate::lesson::is_valid_id;

/// Longest first message kept while the learner picks a language.
const MAX_PENDING_BYTES: usize = 512;

/// A command as typed: `/name args`, or `/name@bot args` in Telegram groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `/start [payload]`: the raw payload, resolved by `DeepLink::parse`.
    Start(String),
    Menu,
    Progress,
    Language,
    Help,
    Summary,
    Area,
    WhoAmI,
    Grant(String),
    Revoke(String),
    Invite(String),
    MentorLink,
    Mentees,
    Push,
    Stats(String),
    Export(String),
    Verify(String),
    /// `/help_me` or `/hoi [question]`: ask a volunteer.
    AskPerson(String),
    /// `/stop`: no more reminders (`/start` turns them on again).
    Stop,
    /// `/unanswered` (admins): questions no lesson answered.
    Unanswered,
    /// Anything else that starts with `/`: the name, cut short.
    Unknown(String),
}

impl Command {
    /// `None` when the text is not a command at all.
    pub fn parse(text: &str) -> Option<Command> {
        let command = text.trim().strip_prefix('/')?;
        let (name, args) = command
            .split_once(char::is_whitespace)
            .unwrap_or((command, ""));
        let name = name.split('@').next().unwrap_or_default().to_lowercase();
        let args = args.trim().to_string();
        Some(match name.as_str() {
            "start" => Command::Start(args),
            "menu" => Command::Menu,
            "progress" => Command::Progress,
            "lang" | "language" => Command::Language,
            "help" => Command::Help,
            "summary" => Command::Summary,
            "area" => Command::Area,
            "whoami" => Command::WhoAmI,
            "grant" => Command::Grant(args),
            "revoke" => Command::Revoke(args),
            "invite" => Command::Invite(args),
            "mentorlink" => Command::MentorLink,
            "mentees" => Command::Mentees,
            "push" => Command::Push,
            "stats" => Command::Stats(args),
            "export" => Command::Export(args),
            "verify" => Command::Verify(args),
            "help_me" | "hoi" | "helpme" => Command::AskPerson(args),
            "stop" => Command::Stop,
            "unanswered" => Command::Unanswered,
            _ => Command::Unknown(name.chars().take(32).collect()),
        })
    }
}

/// What a `/start` payload opens. Codes are kept as typed (normalised when
/// looked up); lesson and topic ids are checked to be well-formed, not that
/// they exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// `i_<code>`: a volunteer invite.
    Invite(String),
    /// `m_<code>`: become this volunteer's mentee.
    Mentor(String),
    /// `g_<code>_<lesson>`: a lesson card posted to a group.
    Group { code: String, lesson: String },
    /// `l_<lesson>`
    Lesson(String),
    /// `t_<topic>`
    Topic(String),
}

impl DeepLink {
    /// Longest payload Telegram carries in a `/start` link.
    pub const MAX_LEN: usize = 64;

    pub fn parse(payload: &str) -> Option<DeepLink> {
        let payload = payload.trim();
        if payload.len() > Self::MAX_LEN {
            return None;
        }
        let code_ok =
            |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let (kind, rest) = payload.split_once('_')?;
        let link = match kind {
            "i" => DeepLink::Invite(rest.to_string()),
            "m" => DeepLink::Mentor(rest.to_string()),
            "g" => {
                let (code, lesson) = rest.split_once('_')?;
                if !is_valid_id(lesson) {
                    return None;
                }
                DeepLink::Group {
                    code: code.to_string(),
                    lesson: lesson.to_string(),
                }
            }
            "l" if is_valid_id(rest) => DeepLink::Lesson(rest.to_string()),
            "t" if is_valid_id(rest) => DeepLink::Topic(rest.to_string()),
            _ => return None,
        };
        match &link {
            DeepLink::Invite(code) | DeepLink::Mentor(code) | DeepLink::Group { code, .. }
                if !code_ok(code) =>
            {
                None
            }
            _ => Some(link),
        }
    }

    pub fn encode(&self) -> String {
        match self {
            DeepLink::Invite(code) => format!("i_{code}"),
            DeepLink::Mentor(code) => format!("m_{code}"),
            DeepLink::Group { code, lesson } => format!("g_{code}_{lesson}"),
            DeepLink::Lesson(id) => format!("l_{id}"),
            DeepLink::Topic(id) => format!("t_{id}"),
        }
    }

    /// The `/start …` line a person can type when a link cannot be tapped.
    pub fn typed(&self) -> String {
        format!("/start {}", self.encode())
    }
}

impl Turn<'_> {
    /// Typed text in a private chat: a command, or words.
    pub(super) fn text(&mut self, text: &str) {
        let text = text.trim();
        if self.learner.lang.is_none() {
            return self.first_contact(text);
        }
        match Command::parse(text) {
            Some(command) => self.command(command),
            None => self.free_text(text),
        }
    }

    /// Before a language is chosen, whatever was written first (a command, a
    /// deep link, a question) is kept and handled once the learner can read
    /// the answer.
    fn first_contact(&mut self, text: &str) {
        let keep = match Command::parse(text) {
            Some(Command::Start(payload)) => {
                (!payload.is_empty() && payload.len() <= DeepLink::MAX_LEN).then_some(payload)
            }
            Some(_) => (text.len() <= MAX_PENDING_BYTES).then(|| text.to_string()),
            None => None,
        };
        if keep.is_some() {
            self.learner.pending_start = keep;
        }
        self.choose_language(true)
    }

    /// What was kept from first contact, now that a language is chosen.
    pub(super) fn run_pending(&mut self, pending: &str) {
        self.learner.session = Session::Menu;
        if pending.starts_with('/') {
            return self.text(pending);
        }
        // Older records kept the encoded button rather than the payload.
        match Callback::parse(pending) {
            Ok(target) => self.callback(target),
            Err(_) => self.start(pending),
        }
    }

    /// Words that are not a command: part of a question to a person, or a
    /// question the lessons may answer.
    fn free_text(&mut self, text: &str) {
        if self.help_message(text, None) {
            return;
        }
        self.search_lessons(text);
    }

    /// A photo, voice message or file.
    pub(super) fn media(&mut self, media: Media) {
        if self.learner.lang.is_none() {
            return self.choose_language(true);
        }
        if self.help_message("", Some(media.clone())) {
            return;
        }
        self.media_outside_help(media);
    }

    pub(super) fn command(&mut self, command: Command) {
        match command {
            Command::Start(payload) => {
                self.learner.reminders.off = false;
                self.start(&payload)
            }
            Command::Menu => self.menu(),
            Command::Progress => self.progress(),
            Command::Language => self.choose_language(false),
            Command::Help => self.help(),
            Command::Summary => self.overview(),
            Command::Area => self.area_browse(None),
            Command::WhoAmI => self.whoami(),
            Command::Grant(args) => self.grant(&args),
            Command::Revoke(args) => self.revoke(&args),
            Command::Invite(args) => self.invite(&args),
            Command::MentorLink => self.mentor_link(),
            Command::Mentees => self.mentees(),
            Command::Push => self.push_in_private(),
            Command::Stats(args) => self.stats_command(&args),
            Command::Export(args) => self.export_command(&args),
            Command::Verify(args) => self.verify(&args),
            Command::AskPerson(question) => self.ask_person_command(&question),
            Command::Stop => self.reminders_off(),
            Command::Unanswered => self.unanswered(),
            Command::Unknown(name) => {
                self.send(
                    Message::default().para(Text::new("unknown-command").arg("command", name)),
                );
                self.help();
            }
        }
    }

    /// `/start [payload]`: payloads are deep links such as `l_vneid-what`.
    fn start(&mut self, payload: &str) {
        match DeepLink::parse(payload) {
            Some(link) => self.deep_link(link),
            None => self.welcome_back(),
        }
    }

    fn welcome_back(&mut self) {
        let name = self.learner.display_name.clone();
        self.send(Message::default().para(Text::new("welcome-back").name(&name)));
        self.menu();
    }

    pub(super) fn deep_link(&mut self, link: DeepLink) {
        match link {
            DeepLink::Invite(code) => self.use_invite(&normalise_code(&code)),
            DeepLink::Mentor(code) => self.join_mentor(&normalise_code(&code)),
            DeepLink::Group { code, lesson } => {
                self.join_from_group(&normalise_code(&code));
                match self.core.lessons().lesson(&lesson) {
                    Some(lesson) => self.open_lesson(&lesson.id.clone()),
                    None => self.menu(),
                }
            }
            DeepLink::Lesson(id) => match self.core.lessons().lesson(&id) {
                Some(lesson) => self.open_lesson(&lesson.id.clone()),
                None => self.welcome_back(),
            },
            DeepLink::Topic(id) => match self.core.lessons().topic(&id) {
                Some(topic) => self.topic(&topic.id.clone()),
                None => self.welcome_back(),
            },
        }
    }

    pub(super) fn callback(&mut self, callback: Callback) {
        // Staff may reach the push picker from a group before ever choosing
        // a language privately: it works in the base language.
        let open = matches!(callback, Callback::SetLang(_)) || callback.is_push();
        if self.learner.lang.is_none() && !open {
            return self.choose_language(true);
        }
        match callback {
            Callback::SetLang(lang) => self.set_language(lang),
            Callback::ChooseLang => self.choose_language(false),
            Callback::Menu => self.menu(),
            Callback::Resume => match self.resume_target() {
                Some(target) => self.callback(target),
                None => self.menu(),
            },
            Callback::Progress => self.progress(),
            Callback::Help => self.help(),
            Callback::Topic(id) => self.topic(&id),
            Callback::TopicGroup(id) => self.topic_group(&id),
            Callback::Lesson(id) => self.open_lesson(&id),
            Callback::Step(id, step) => self.step(&id, step),
            Callback::Question(id, question) => self.question(&id, question),
            Callback::Answer(id, question, option) => self.answer(&id, question, option),
            Callback::Summary(id) => self.summary(&id),
            Callback::Overview => self.overview(),
            Callback::Certificate(topic) => self.resend_certificate(&topic),
            Callback::AreaBrowse(area) => self.area_browse(Some(&area)),
            Callback::AreaSet(area) => self.area_set(&area),
            Callback::AreaSkip => self.area_skip(),
            Callback::Stats(area, period, view) => self.stats(&area, period, view),
            push @ (Callback::PushTopic(_) | Callback::PushLesson(_) | Callback::PushAt(..)) => {
                self.push_step(push)
            }
            Callback::HelpAsk => self.ask_help(HelpDraft {
                lesson: None,
                step: None,
            }),
            Callback::HelpStuck(lesson, step) => self.ask_help(HelpDraft {
                lesson: Some(lesson),
                step: Some(step),
            }),
            Callback::HelpSendTyped => self.send_typed_question(),
            Callback::HelpSendMedia => self.send_last_media(),
            Callback::HelpTake(id) => self.take_question(&id),
            Callback::HelpPass(id) => self.pass_question(&id),
            Callback::HelpClose(id) => self.close_question(&id),
            Callback::HelpRate(id, helped) => self.rate_question(&id, helped),
            Callback::RemindersOff => self.reminders_off(),
            Callback::Nudge(tag) => self.nudge_mentee(&tag),
        }
    }

    /// Input in a group: staff's `/push` and picker buttons. `false` for
    /// anything else, which gets the "open the private chat" answer.
    pub(super) fn group_input(&mut self, input: &super::Input) -> bool {
        match input {
            super::Input::Text(text) => {
                if Command::parse(text) != Some(Command::Push) {
                    return false;
                }
                self.push_from_group();
                true
            }
            super::Input::Button(data) => match Callback::parse(data) {
                Ok(callback) if callback.is_push() => {
                    self.push_step(callback);
                    true
                }
                _ => false,
            },
            super::Input::Media(_) => false,
        }
    }

    /// A button that is malformed, forged or no longer fits where the learner is.
    pub(super) fn stale_button(&mut self) {
        if self.learner.lang.is_none() {
            return self.choose_language(true);
        }
        self.send(Message::default().para(Text::new("button-old")));
        self.menu();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_with_bot_names_case_and_arguments() {
        assert_eq!(Command::parse("/menu"), Some(Command::Menu));
        assert_eq!(Command::parse("  /MENU@hocvuso_bot "), Some(Command::Menu));
        assert_eq!(
            Command::parse("/stats  phuong-1 "),
            Some(Command::Stats("phuong-1".into()))
        );
        assert_eq!(
            Command::parse("/start"),
            Some(Command::Start(String::new()))
        );
        assert_eq!(
            Command::parse("/xoa_het tat ca"),
            Some(Command::Unknown("xoa_het".into()))
        );
        assert_eq!(
            Command::parse("/hoi cài vneid thế nào"),
            Some(Command::AskPerson("cài vneid thế nào".into()))
        );
        assert_eq!(
            Command::parse("/help_me"),
            Some(Command::AskPerson(String::new()))
        );
        assert_eq!(Command::parse("/stop"), Some(Command::Stop));
        assert_eq!(Command::parse("menu"), None);
        assert_eq!(Command::parse("làm sao /menu"), None);
    }

    #[test]
    fn deep_links_round_trip_and_refuse_what_is_not_ours() {
        let links = [
            DeepLink::Invite("ABCD-EFGH-JKMN".into()),
            DeepLink::Mentor("ABCD".into()),
            DeepLink::Group {
                code: "DAA7-KJM8".into(),
                lesson: "vneid-what".into(),
            },
            DeepLink::Lesson("vneid-what".into()),
            DeepLink::Topic("vneid".into()),
        ];
        for link in links {
            assert_eq!(DeepLink::parse(&link.encode()), Some(link.clone()));
        }
        for bad in [
            "",
            "x_1",
            "l_",
            "l_Bad Id",
            "i_<script>",
            "g_CODE",
            "g_CODE_",
            "t_../etc",
            &"l_".repeat(40),
        ] {
            assert_eq!(DeepLink::parse(bad), None, "{bad}");
        }
    }
}

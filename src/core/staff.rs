//! Roles and the links that bring people in: who may do what, granting and
//! revoking roles, invites for volunteers, mentor links, and a volunteer's
//! view of their mentees.
//!
//! Every check of a role happens in `require`, in one place. Writes leave as
//! records in the reply (staff changes, links, audit entries).

use super::action::{Button, Message, Text};
use super::callback::Callback;
use super::directory::Unavailable;
use super::records::{AuditAction, Link, LinkKind, Role, Staff};
use super::router::DeepLink;
use super::state::{Learner, LearnerId, Mentor};
use super::turn::Turn;

/// Invites expire a week after they are made.
const INVITE_DAYS: i64 = 7;
/// How many mentees `/mentees` lists (the least active first).
const MENTEES_SHOWN: usize = 30;

impl Turn<'_> {
    /// The learner's own staff record, looked up at most once a turn.
    pub(super) fn stored_staff(&mut self) -> Result<Option<Staff>, Unavailable> {
        if let Some(known) = &self.own_staff {
            return Ok(known.clone());
        }
        let found = self.directory.staff(&self.learner.id)?;
        self.own_staff = Some(found.clone());
        Ok(found)
    }

    /// The role a stored record gives, and the area it covers: admins come
    /// from the configuration only, so a stored record of someone no longer
    /// named there grants nothing.
    pub(super) fn resolve_role(&self, stored: Option<&Staff>) -> (Role, String) {
        let root = || self.core.areas.root().id.clone();
        if self.core.admins.contains(&self.learner.id) {
            return (Role::Admin, root());
        }
        match stored {
            Some(staff) if staff.role != Role::Admin => (staff.role, staff.area.clone()),
            _ => (Role::Learner, root()),
        }
    }

    /// The learner's role and the area it covers. `None` (after telling the
    /// user) when the lookup failed.
    pub(super) fn role(&mut self) -> Option<(Role, String)> {
        match self.stored_staff() {
            Ok(stored) => Some(self.resolve_role(stored.as_ref())),
            Err(e) => {
                self.unavailable(&e);
                None
            }
        }
    }

    /// The role and area if the learner has at least `min`; otherwise a
    /// polite refusal and `None`.
    pub(super) fn require(&mut self, min: Role) -> Option<(Role, String)> {
        let (role, area) = self.role()?;
        if role >= min {
            return Some((role, area));
        }
        self.send(
            Message::default()
                .para(Text::new("not-allowed").arg("role", min.as_str()))
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
        None
    }

    /// This person's stored staff record, or a new one for an admin from the
    /// configuration (who has none), so codes and groups can be kept in it.
    pub(super) fn own_record(&self, existing: Option<Staff>, role: Role, area: String) -> Staff {
        existing.unwrap_or(Staff {
            role,
            area,
            since: self.now,
            granted_by: self.learner.id.clone(),
            mentor_code: None,
            groups: Vec::new(),
        })
    }

    pub(super) fn whoami(&mut self) {
        let Some((role, area)) = self.role() else {
            return;
        };
        let area_name = self.core.areas.full_name(&area);
        let mut message = Message::default()
            .para(Text::new("whoami-id").arg("id", self.learner.id.as_str()))
            .para(Text::new("whoami-role").arg("role", role.as_str()));
        if role > Role::Learner {
            message = message.para(Text::new("whoami-area").arg("area", area_name));
        }
        if let Some(area) = &self.learner.area {
            message =
                message.para(Text::new("whoami-home").arg("area", self.core.areas.full_name(area)));
        }
        self.send(message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]));
    }

    /// `/grant <id> <volunteer|official> <area>` (admins).
    pub(super) fn grant(&mut self, args: &str) {
        if self.require(Role::Admin).is_none() {
            return;
        }
        let words: Vec<&str> = args.split_whitespace().collect();
        let [who, role, area] = words.as_slice() else {
            return self.usage("usage-grant");
        };
        let (Some(who), Some(role)) = (LearnerId::new(*who), Role::parse(role)) else {
            return self.usage("usage-grant");
        };
        if role == Role::Learner {
            return self.revoke(who.as_str());
        }
        if self.core.areas.get(area).is_none() {
            return self.unknown_area(area);
        }
        let seen = match self.directory.learner(&who) {
            Ok(found) => found.is_some(),
            Err(e) => return self.unavailable(&e),
        };
        let previous = match self.directory.staff(&who) {
            Ok(previous) => previous,
            Err(e) => return self.unavailable(&e),
        };
        let staff = Staff {
            role,
            area: area.to_string(),
            since: self.now,
            granted_by: self.learner.id.clone(),
            groups: previous
                .as_ref()
                .map(|p| p.groups.clone())
                .unwrap_or_default(),
            mentor_code: previous.and_then(|p| p.mentor_code),
        };
        self.reply.staff.push((who.clone(), Some(staff)));
        self.audit(AuditAction::Grant {
            to: who.clone(),
            role,
            area: area.to_string(),
        });
        let mut message = Message::default().para(
            Text::new("granted")
                .arg("id", who.as_str())
                .arg("role", role.as_str())
                .arg("area", self.core.areas.full_name(area)),
        );
        if !seen {
            message = message.para(Text::new("granted-not-seen"));
        }
        self.send(message);
    }

    /// `/revoke <id>` (admins): back to learner.
    pub(super) fn revoke(&mut self, args: &str) {
        if self.require(Role::Admin).is_none() {
            return;
        }
        let Some(who) = LearnerId::new(args.trim()).filter(|_| !args.trim().contains(' ')) else {
            return self.usage("usage-revoke");
        };
        let staff = match self.directory.staff(&who) {
            Ok(staff) => staff,
            Err(e) => return self.unavailable(&e),
        };
        let Some(staff) = staff else {
            return self
                .send(Message::default().para(Text::new("revoke-none").arg("id", who.as_str())));
        };
        self.reply.staff.push((who.clone(), None));
        self.audit(AuditAction::Revoke {
            from: who.clone(),
            role: staff.role,
        });
        self.send(
            Message::default().para(
                Text::new("revoked")
                    .arg("id", who.as_str())
                    .arg("role", staff.role.as_str()),
            ),
        );
    }

    /// `/invite [area]` (officials, admins): a single-use volunteer invite.
    pub(super) fn invite(&mut self, args: &str) {
        let Some((_, my_area)) = self.require(Role::Official) else {
            return;
        };
        let area = match args.trim() {
            "" => my_area.clone(),
            other => other.to_string(),
        };
        if self.core.areas.get(&area).is_none() {
            return self.unknown_area(&area);
        }
        if !self.core.areas.is_within(&area, &my_area) {
            return self.outside_area(&area);
        }
        let code = self.fresh_code();
        let expires = self.now + INVITE_DAYS * 86_400;
        self.reply.links.push(Link {
            code: code.clone(),
            kind: LinkKind::Invite {
                role: Role::Volunteer,
                area: area.clone(),
            },
            created_by: self.learner.id.clone(),
            created: self.now,
            expires: Some(expires),
            used_by: None,
        });
        self.audit(AuditAction::InviteMade {
            code: code.clone(),
            area: area.clone(),
        });
        let link = DeepLink::Invite(code);
        self.send(
            Message::default()
                .para(
                    Text::new("invite-made")
                        .arg("area", self.core.areas.full_name(&area))
                        .arg("date", super::Arg::Date(expires))
                        .arg("code", link.typed()),
                )
                .row(vec![Button::open_private(
                    Text::new("button-invite-link"),
                    &link.encode(),
                )]),
        );
    }

    /// `/mentorlink` (volunteers): the link that makes learners their mentees.
    pub(super) fn mentor_link(&mut self) {
        let Some((role, area)) = self.require(Role::Volunteer) else {
            return;
        };
        let existing = match self.stored_staff() {
            Ok(staff) => staff,
            Err(e) => return self.unavailable(&e),
        };
        let code = match existing.as_ref().and_then(|s| s.mentor_code.clone()) {
            Some(code) => code,
            None => {
                let code = self.fresh_code();
                self.reply.links.push(Link {
                    code: code.clone(),
                    kind: LinkKind::Mentor {
                        mentor: self.learner.id.clone(),
                        channel: self.learner.channel.clone(),
                        lang: self.lang(),
                    },
                    created_by: self.learner.id.clone(),
                    created: self.now,
                    expires: None,
                    used_by: None,
                });
                let mut staff = self.own_record(existing, role, area);
                staff.mentor_code = Some(code.clone());
                self.reply
                    .staff
                    .push((self.learner.id.clone(), Some(staff)));
                code
            }
        };
        let link = DeepLink::Mentor(code);
        self.send(
            Message::default()
                .para(Text::new("mentor-link").arg("code", link.typed()))
                .row(vec![Button::open_private(
                    Text::new("button-mentor-link"),
                    &link.encode(),
                )]),
        );
    }

    /// `/mentees` (volunteers): who learns with them and how far they are,
    /// the least recently active first (whom to visit). Names and progress
    /// only: no ids, no phone numbers.
    pub(super) fn mentees(&mut self) {
        let Some((_, my_area)) = self.require(Role::Volunteer) else {
            return;
        };
        let mut mentees = match self.directory.mentees(&self.learner.id) {
            Ok(m) => m,
            Err(e) => return self.unavailable(&e),
        };
        mentees.sort_by_key(|m| m.last_active);
        let total_lessons = self.core.lessons().lessons().count();
        // Open questions first: someone is waiting for an answer.
        let mut message = self.open_question_lines(Message::default(), &my_area);
        message = message.heading(Text::new("mentees-title").arg("count", mentees.len()));
        if mentees.is_empty() {
            message = message.para(Text::new("mentees-none"));
        }
        for mentee in mentees.iter().take(MENTEES_SHOWN) {
            message = message.para(self.mentee_line(mentee, total_lessons));
            if mentee.current_lesson(self.core.lessons()).is_some() && !mentee.reminders.off {
                let name: String = mentee.display_name.chars().take(24).collect();
                message = message.row(vec![Button::new(
                    Text::new("button-nudge").arg("name", name),
                    Callback::Nudge(super::remind::mentee_tag(&mentee.id)),
                )]);
            }
        }
        if mentees.len() > MENTEES_SHOWN {
            message =
                message.para(Text::new("mentees-more").arg("count", mentees.len() - MENTEES_SHOWN));
        }
        message = self.group_lines(message);
        self.send(message.row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]));
    }

    fn mentee_line(&self, mentee: &Learner, total_lessons: usize) -> Text {
        let done = mentee.completed_count();
        let name: String = mentee.display_name.chars().take(32).collect();
        let current = mentee
            .current_lesson(self.core.lessons())
            .map(|l| l.text.get(&self.lang()).title.clone())
            .unwrap_or_else(|| "—".to_string());
        Text::new("mentee-line")
            .arg("name", name)
            .arg("done", done)
            .arg("total", total_lessons)
            .arg("certificates", mentee.certificates.len())
            .arg("date", super::Arg::Date(mentee.last_active))
            .arg("current", current)
    }

    fn find_link(&mut self, code: &str) -> Option<Option<Link>> {
        let code = super::records::normalise_code(code);
        match self.directory.link(&code) {
            Ok(link) => Some(link),
            Err(e) => {
                self.unavailable(&e);
                None
            }
        }
    }

    pub(super) fn use_invite(&mut self, code: &str) {
        let Some(link) = self.find_link(code) else {
            return;
        };
        let (link, role, area) = match link {
            Some(
                link @ Link {
                    kind: LinkKind::Invite { .. },
                    ..
                },
            ) => {
                let LinkKind::Invite { role, area } = link.kind.clone() else {
                    unreachable!("matched above")
                };
                (link, role, area)
            }
            _ => return self.link_refused("invite-unknown"),
        };
        if link.used_by.is_some() {
            return self.link_refused("invite-used");
        }
        if link.expires.is_some_and(|at| at < self.now) {
            return self.link_refused("invite-expired");
        }
        let Some((current, _)) = self.role() else {
            return;
        };
        if current >= role {
            return self.link_refused("invite-already");
        }
        let mut used = link.clone();
        used.used_by = Some(self.learner.id.clone());
        self.reply.claim = Some(link.code.clone());
        self.reply.links.push(used);
        self.reply.staff.push((
            self.learner.id.clone(),
            Some(Staff {
                role,
                area: area.clone(),
                since: self.now,
                granted_by: link.created_by.clone(),
                mentor_code: None,
                groups: Vec::new(),
            }),
        ));
        self.audit(AuditAction::InviteUsed {
            code: link.code.clone(),
            area: area.clone(),
        });
        self.send(
            Message::default()
                .heading(
                    Text::new("invite-welcome")
                        .arg("role", role.as_str())
                        .arg("area", self.core.areas.full_name(&area)),
                )
                .para(Text::new("volunteer-help"))
                .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]),
        );
    }

    fn link_refused(&mut self, key: &'static str) {
        self.send(Message::default().para(Text::new(key)));
        self.menu();
    }

    pub(super) fn join_mentor(&mut self, code: &str) {
        let Some(link) = self.find_link(code) else {
            return;
        };
        let Some(LinkKind::Mentor {
            mentor,
            channel,
            lang,
        }) = link.map(|l| l.kind)
        else {
            return self.link_refused("mentor-unknown");
        };
        if mentor == self.learner.id {
            return self.link_refused("mentor-self");
        }
        let name = match self.directory.learner(&mentor) {
            Ok(Some(m)) => m.display_name,
            Ok(None) => String::new(),
            Err(e) => return self.unavailable(&e),
        };
        self.learner.mentor = Some(Mentor {
            id: mentor,
            channel,
            lang,
        });
        let joined = if name.trim().is_empty() {
            Text::new("mentor-joined-anon")
        } else {
            Text::new("mentor-joined").arg("name", name)
        };
        self.send(Message::default().para(joined));
        self.menu();
    }
}

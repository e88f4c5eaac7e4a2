//! Free replies and proactive messages, per user.
//!
//! Zalo lets an OA send up to 8 free *reply* messages within 48 hours of a
//! user's message, counted only when the send names that message
//! (`recipient.message_id`); a send by `user_id` alone, the 9th reply or one
//! after 48 hours counts as a *proactive* message, paid or from the OA's
//! package, and only possible within 7 days of the user's last interaction.
//! A follow allows a few welcome messages (3). Sources: Zalo OA support
//! articles "Các loại tin của Zalo OA" and "Vì sao tôi không thể gửi tin phản
//! hồi qua ứng dụng thứ 3" (zalooa.freshdesk.com), and the send-API notes
//! quoted by open-source clients (quota_type `reply`/`welcome_msg`). Zalo
//! has changed these numbers before, so all are settings.
//!
//! The plan is pure: given a user's window and how many messages are to go,
//! it says how each is sent, and when the free replies will not last, spends
//! the last one on telling the learner to write to continue, so a lesson never
//! stops without a word. Windows are kept in memory, written to the store
//! (`zalo/quota/<user>`) every few seconds and at shutdown.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::core::Timestamp;
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct QuotaPolicy {
    /// Seconds after a user's message during which replies to it are free.
    pub reply_window: i64,
    /// Free replies per user message.
    pub replies_per_message: u32,
    /// Messages allowed after a follow, before the user has written.
    pub welcome_messages: u32,
    /// Send proactive (possibly paid) messages when the free replies are used
    /// up; off by default so the OA never pays without the operator's say.
    pub proactive: bool,
    /// Seconds after the last interaction during which proactive messages are possible.
    pub proactive_window: i64,
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        QuotaPolicy {
            reply_window: 48 * 3600,
            replies_per_message: 8,
            welcome_messages: 3,
            proactive: false,
            proactive_window: 7 * 86_400,
        }
    }
}

/// What a user's last interaction allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// When the user last wrote (or followed), unix seconds.
    pub since: Timestamp,
    /// The message free replies answer to; `None` after a follow.
    pub reply_to: Option<String>,
    /// Free messages sent since.
    pub used: u32,
}

/// How one message goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// A free reply naming the user's message.
    Reply(String),
    /// By `user_id`: a welcome message after a follow (free) or a proactive one.
    Direct { free: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// How each of the first `routes.len()` messages goes; the rest cannot go now.
    pub routes: Vec<Route>,
    /// Send the "write to continue" notice (with this route) after them.
    pub notice: Option<Route>,
}

impl QuotaPolicy {
    fn free_left(&self, window: &Window, now: Timestamp) -> u32 {
        let (limit, span) = match window.reply_to {
            Some(_) => (self.replies_per_message, self.reply_window),
            None => (self.welcome_messages, self.reply_window),
        };
        if now - window.since > span {
            0
        } else {
            limit.saturating_sub(window.used)
        }
    }

    /// How `count` messages to a user with `window` go out at `now`.
    pub fn plan(&self, window: Option<&Window>, count: usize, now: Timestamp) -> Plan {
        let free = window.map_or(0, |w| self.free_left(w, now)) as usize;
        let free_route = || match window.and_then(|w| w.reply_to.clone()) {
            Some(id) => Route::Reply(id),
            None => Route::Direct { free: true },
        };
        let proactive =
            self.proactive && window.is_some_and(|w| now - w.since <= self.proactive_window);
        if count <= free || proactive {
            let routes = (0..count)
                .map(|i| {
                    if i < free {
                        free_route()
                    } else {
                        Route::Direct { free: false }
                    }
                })
                .collect();
            return Plan {
                routes,
                notice: None,
            };
        }
        match free {
            // Nothing can go, not even a word: the caller keeps the messages.
            0 => Plan {
                routes: Vec::new(),
                notice: None,
            },
            _ => Plan {
                routes: (0..free - 1).map(|_| free_route()).collect(),
                notice: Some(free_route()),
            },
        }
    }
}

/// The windows of every user seen, shared by the webhook workers and the outbox.
pub struct Quotas {
    store: Arc<dyn Store>,
    policy: QuotaPolicy,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    windows: HashMap<String, Window>,
    dirty: HashSet<String>,
}

pub fn quota_key(user: &str) -> String {
    format!("zalo/quota/{user}")
}

impl Quotas {
    pub fn new(store: Arc<dyn Store>, policy: QuotaPolicy) -> Self {
        Quotas {
            store,
            policy,
            state: Mutex::new(State::default()),
        }
    }

    /// The user wrote: a new window of free replies to `msg_id`.
    pub fn on_message(&self, user: &str, msg_id: &str, now: Timestamp) {
        self.set(
            user,
            Window {
                since: now,
                reply_to: Some(msg_id.to_string()),
                used: 0,
            },
        );
    }

    /// The user followed the OA: a few welcome messages.
    pub fn on_follow(&self, user: &str, now: Timestamp) {
        self.set(
            user,
            Window {
                since: now,
                reply_to: None,
                used: 0,
            },
        );
    }

    /// The user's window, read from the store on first use.
    pub fn window(&self, user: &str) -> Option<Window> {
        if let Some(w) = self.lock().windows.get(user) {
            return Some(w.clone());
        }
        let stored: Window = match self.store.channel_get(&quota_key(user)) {
            Ok(Some(json)) => serde_json::from_str(&json).ok()?,
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "could not read a quota window");
                return None;
            }
        };
        self.lock()
            .windows
            .entry(user.to_string())
            .or_insert(stored.clone());
        Some(stored)
    }

    pub fn plan(&self, user: &str, count: usize, now: Timestamp) -> Plan {
        self.policy.plan(self.window(user).as_ref(), count, now)
    }

    /// One message went out by `route`.
    pub fn spent(&self, user: &str, route: &Route) {
        if matches!(route, Route::Direct { free: false }) {
            return;
        }
        let mut state = self.lock();
        if let Some(w) = state.windows.get_mut(user) {
            w.used = w.used.saturating_add(1);
            state.dirty.insert(user.to_string());
        }
    }

    /// Writes the windows changed since the last call; forgets old ones.
    pub fn persist(&self, now: Timestamp) -> Result<(), StoreError> {
        let keep = self.policy.reply_window.max(self.policy.proactive_window);
        let changed: Vec<(String, Window)> = {
            let mut state = self.lock();
            let dirty = std::mem::take(&mut state.dirty);
            let changed = dirty
                .into_iter()
                .filter_map(|u| state.windows.get(&u).map(|w| (u, w.clone())))
                .collect();
            state.windows.retain(|_, w| now - w.since <= keep);
            changed
        };
        for (user, window) in changed {
            let json = serde_json::to_string(&window).map_err(|e| StoreError::Io(e.to_string()))?;
            if let Err(e) = self.store.channel_put(&quota_key(&user), &json) {
                self.lock().dirty.insert(user);
                return Err(e);
            }
        }
        Ok(())
    }

    fn set(&self, user: &str, window: Window) {
        let mut state = self.lock();
        state.windows.insert(user.to_string(), window);
        state.dirty.insert(user.to_string());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn window(used: u32) -> Window {
        Window {
            since: 1000,
            reply_to: Some("m1".into()),
            used,
        }
    }

    #[test]
    fn replies_go_free_while_they_last() {
        let p = QuotaPolicy::default();
        let plan = p.plan(Some(&window(0)), 3, 1000 + 3600);
        assert_eq!(plan.routes, vec![Route::Reply("m1".into()); 3]);
        assert_eq!(plan.notice, None);
    }

    #[test]
    fn when_replies_run_out_the_last_one_tells_the_learner_to_write() {
        let p = QuotaPolicy::default();
        let plan = p.plan(Some(&window(5)), 5, 1010);
        assert_eq!(plan.routes, vec![Route::Reply("m1".into()); 2]);
        assert_eq!(plan.notice, Some(Route::Reply("m1".into())));
        // After the window, nothing free is left and nothing goes.
        let late = p.plan(Some(&window(0)), 1, 1000 + 48 * 3600 + 1);
        assert_eq!(
            late,
            Plan {
                routes: vec![],
                notice: None
            }
        );
        assert_eq!(
            p.plan(None, 1, 0),
            Plan {
                routes: vec![],
                notice: None
            }
        );
    }

    #[test]
    fn proactive_messages_fill_in_only_when_allowed_and_within_seven_days() {
        let p = QuotaPolicy {
            proactive: true,
            ..QuotaPolicy::default()
        };
        let plan = p.plan(Some(&window(7)), 2, 1010);
        assert_eq!(
            plan.routes,
            vec![Route::Reply("m1".into()), Route::Direct { free: false }]
        );
        let too_late = p.plan(Some(&window(0)), 1, 1000 + 8 * 86_400);
        assert_eq!(too_late.routes, vec![]);
    }

    #[test]
    fn a_follow_allows_a_few_welcome_messages() {
        let p = QuotaPolicy::default();
        let w = Window {
            since: 0,
            reply_to: None,
            used: 0,
        };
        let plan = p.plan(Some(&w), 2, 10);
        assert_eq!(plan.routes, vec![Route::Direct { free: true }; 2]);
    }

    #[test]
    fn windows_survive_a_restart_once_persisted() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let q = Quotas::new(store.clone(), QuotaPolicy::default());
        q.on_message("7", "m9", 100);
        q.spent("7", &Route::Reply("m9".into()));
        q.persist(100).unwrap();
        let again = Quotas::new(store, QuotaPolicy::default());
        assert_eq!(
            again.window("7"),
            Some(Window {
                since: 100,
                reply_to: Some("m9".into()),
                used: 1
            })
        );
    }
}

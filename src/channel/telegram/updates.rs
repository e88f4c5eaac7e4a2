//! One update, from arrival to the last message sent, in two lanes per chat
//! (`kit::Lanes`): one chat's updates are handled in order and its answers
//! sent in order, while other chats go on.
//!
//! The update lane translates the update into an `engine::Event` (learner
//! `tg:<user id>`, private or group place, text or button data), answers a
//! button press at once (the spinner stops), and runs the engine with the
//! update id (`Engine::handle_once`, so a redelivery changes nothing). As
//! soon as the effects are stored it says so (`Done`: polling may then
//! confirm the update, the webhook answers 200), and the answer goes to the
//! chat's send lane. So a chat waiting out flood control holds up neither
//! its own next update's commit nor anyone else.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use teloxide::types::{ChatKind, PublicChatKind, Update, UpdateKind, User};

use super::Telegram;
use super::api::ApiError;
use super::render::render;
use super::send::Pace;
use crate::channel::kit::{self, Lanes, Outcome};
use crate::core::{Action, Input, LearnerId, Place};
use crate::engine::{Event, Handled};

/// Tells whoever fed the update whether its effects are stored (`false`:
/// the store failed). Told exactly once: if handling ends without a word
/// (a panic), dropping it says `false`, so polling's offset never sticks on
/// an update that is gone.
pub(super) struct Done(Option<Box<dyn FnOnce(bool) + Send>>);

impl Done {
    pub fn new(tell: impl FnOnce(bool) + Send + 'static) -> Self {
        Done(Some(Box::new(tell)))
    }

    fn tell(mut self, stored: bool) {
        if let Some(tell) = self.0.take() {
            tell(stored);
        }
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        if let Some(tell) = self.0.take() {
            tell(false);
        }
    }
}

/// An update on its way through its chat's lane.
pub(super) struct Job {
    pub id: i64,
    pub update: Update,
    pub done: Done,
}

/// What the engine answered, on its way to the chat.
struct Answer {
    group: bool,
    /// The message whose button was pressed (its keyboard is removed).
    pressed: Option<i32>,
    handled: Handled,
}

/// An update as the engine needs it, plus where to answer.
struct Incoming {
    event: Event,
    chat_id: i64,
    /// A button press: its query id and the message that carried the button.
    press: Option<(String, Option<i32>)>,
}

pub(super) struct Pipeline {
    updates: Lanes<Job>,
    sends: Lanes<Answer>,
}

impl Pipeline {
    pub fn new(bot: &Arc<Telegram>) -> Self {
        let sends = {
            let bot = Arc::clone(bot);
            Lanes::new(move |chat, answer| {
                let bot = Arc::clone(&bot);
                async move { bot.answer(chat, answer).await }
            })
        };
        let updates = {
            let (bot, sends) = (Arc::clone(bot), sends.clone());
            Lanes::new(move |_chat, job| {
                let (bot, sends) = (Arc::clone(&bot), sends.clone());
                async move { bot.handle(job, &sends).await }
            })
        };
        Pipeline { updates, sends }
    }

    /// Queues an update behind its chat's earlier ones.
    pub fn push(&self, job: Job) {
        let chat = job.update.chat().map_or(0, |c| c.id.0);
        self.updates.push(chat, job);
    }

    /// Answers queued or being sent.
    pub fn answers_pending(&self) -> usize {
        self.sends.pending()
    }

    /// Waits until every update in hand is handled, then gives their
    /// answers up to `grace` to go out (an answer waiting out a long flood
    /// pause is not worth holding a shutdown for).
    pub async fn finish(&self, grace: Duration) {
        self.updates.idle().await;
        if tokio::time::timeout(grace, self.sends.idle())
            .await
            .is_err()
        {
            tracing::warn!(
                left = self.sends.pending(),
                "answers still waiting at shutdown were not sent"
            );
        }
    }
}

impl Telegram {
    /// The update lane's work for one update.
    async fn handle(self: &Arc<Self>, job: Job, sends: &Lanes<Answer>) {
        let Some(incoming) = self.translate(job.update) else {
            job.done.tell(true);
            return;
        };
        if let Some((query_id, _)) = &incoming.press {
            // Stop the spinner first, whatever happens next.
            let bot = Arc::clone(self);
            let body = json!({"callback_query_id": query_id});
            tokio::spawn(async move {
                let answer = bot
                    .settings
                    .retry
                    .run("answerCallbackQuery", || {
                        bot.api.call_ignoring("answerCallbackQuery", &body)
                    })
                    .await;
                if let Err(e) = answer {
                    tracing::warn!(error = %e, "could not answer a button press");
                }
            });
        }
        let group = incoming.event.place != Place::Private;
        let chat_id = incoming.chat_id;
        if !group {
            self.unmark_blocked(chat_id);
        }
        let outcome = kit::handle(&self.app, incoming.event, Some(job.id.to_string())).await;
        job.done.tell(!matches!(outcome, Outcome::Failed));
        if let Outcome::Handled(handled) = outcome {
            let pressed = incoming.press.and_then(|(_, message)| message);
            sends.push(
                chat_id,
                Answer {
                    group,
                    pressed,
                    handled,
                },
            );
        }
    }

    /// The send lane's work for one answer.
    async fn answer(self: &Arc<Self>, chat_id: i64, answer: Answer) {
        if let (Some(message_id), true) = (answer.pressed, self.settings.remove_pressed_keyboard) {
            // Best effort, beside the answer: the learner keeps the text and
            // loses the stale buttons.
            let bot = Arc::clone(self);
            tokio::spawn(async move {
                let body = json!({"chat_id": chat_id, "message_id": message_id,
                                  "reply_markup": {"inline_keyboard": []}});
                if let Err(e) = bot.api.call_ignoring("editMessageReplyMarkup", &body).await {
                    tracing::debug!(error = %e, "could not remove the pressed keyboard");
                }
            });
        }
        let pace = Pace::Live {
            group: answer.group,
            retry: &self.settings.retry,
        };
        let handled = &answer.handled;
        for action in &handled.actions {
            let Action::Send(message) = action;
            let rendered = render(&self.app.localizer, &handled.lang, message, &self.username);
            match self.send(chat_id, &rendered, pace).await {
                Ok(()) => {}
                Err(ApiError::Blocked(reason)) => {
                    tracing::info!(chat_id, %reason, "chat blocked the bot; marked");
                    self.mark_blocked(chat_id);
                    return;
                }
                Err(e) => {
                    tracing::error!(chat_id, error = %e, "a message could not be sent");
                    return;
                }
            }
        }
    }

    fn translate(&self, update: Update) -> Option<Incoming> {
        let now = kit::unix_now();
        let (from, chat, input, press): (User, _, Input, _) = match update.kind {
            UpdateKind::Message(message) => {
                let from = message.from.clone()?;
                let text = message
                    .text()
                    .or_else(|| message.caption())
                    .unwrap_or_default()
                    .to_string();
                (from, message.chat, Input::Text(text), None)
            }
            UpdateKind::CallbackQuery(query) => {
                let message = query.message.as_ref()?;
                let chat = message.chat().clone();
                let press = Some((query.id.0.clone(), Some(message.id().0)));
                (
                    query.from,
                    chat,
                    Input::Button(query.data.unwrap_or_default()),
                    press,
                )
            }
            _ => return None,
        };
        let place = match chat.kind {
            ChatKind::Private(_) => Place::Private,
            ChatKind::Public(ref public) => match public.kind {
                PublicChatKind::Channel(_) => return None,
                _ => Place::Group {
                    chat: chat.id.0.to_string(),
                },
            },
        };
        let learner = LearnerId::new(format!("tg:{}", from.id.0))?;
        Some(Incoming {
            event: Event {
                learner,
                channel: "telegram",
                display_name: from.first_name,
                place,
                input,
                now,
            },
            chat_id: chat.id.0,
            press,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Done;
    use std::sync::{Arc, Mutex};

    #[test]
    fn an_update_dropped_without_a_word_is_reported_not_stored() {
        let heard = Arc::new(Mutex::new(Vec::new()));
        let done = |heard: &Arc<Mutex<Vec<bool>>>| {
            let heard = Arc::clone(heard);
            Done::new(move |stored| heard.lock().unwrap().push(stored))
        };
        done(&heard).tell(true);
        drop(done(&heard));
        assert_eq!(*heard.lock().unwrap(), [true, false], "each told once");
    }
}

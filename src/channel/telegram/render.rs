//! Core messages as Telegram HTML with inline keyboards.
//!
//! Pure: text through Fluent, escaped, headings bold, tips in italics;
//! callback buttons carry the core's compact data, "open the private chat"
//! buttons a `t.me` deep link to this bot.

use std::path::PathBuf;

use serde_json::{Value, json};
use teloxide::utils::html::escape;

use crate::core::{Attachment, Block, Callback, Lang, Message, Target};
use crate::i18n::Localizer;

/// Telegram's limit for callback data, in bytes.
const MAX_CALLBACK_BYTES: usize = 64;
/// Telegram's limit for a photo caption, in characters.
pub const MAX_CAPTION_CHARS: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// `reply_markup` for the message, if it has buttons.
    pub keyboard: Option<Value>,
    pub picture: Option<PathBuf>,
}

impl Rendered {
    /// Whether the text fits as the picture's caption.
    pub fn fits_caption(&self) -> bool {
        self.html.chars().count() <= MAX_CAPTION_CHARS
    }
}

pub fn render(
    localizer: &Localizer,
    lang: &Lang,
    message: &Message,
    bot_username: &str,
) -> Rendered {
    let html = message
        .blocks
        .iter()
        .map(|block| match block {
            Block::Heading(p) => format!("<b>{}</b>", escape(&localizer.phrase(lang, p))),
            Block::Para(p) => escape(&localizer.phrase(lang, p)),
            Block::Tip(p) => format!("💡 <i>{}</i>", escape(&localizer.phrase(lang, p))),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let rows: Vec<Value> = message
        .keyboard
        .iter()
        .map(|row| {
            let buttons: Vec<Value> = row
                .iter()
                .map(|button| {
                    let text = localizer.phrase(lang, &button.label);
                    match &button.target {
                        Target::Callback(callback) => {
                            json!({"text": text, "callback_data": callback_data(callback)})
                        }
                        Target::OpenPrivate(payload) => {
                            json!({"text": text, "url": deep_link(bot_username, payload)})
                        }
                    }
                })
                .collect();
            Value::Array(buttons)
        })
        .collect();
    Rendered {
        html,
        keyboard: (!rows.is_empty()).then(|| json!({ "inline_keyboard": rows })),
        picture: match &message.attachment {
            Some(Attachment::Picture(path)) => Some(path.clone()),
            _ => None,
        },
    }
}

/// The button data; data over Telegram's limit (impossible with validated
/// lesson ids) becomes the menu button rather than a refused message.
fn callback_data(callback: &Callback) -> String {
    let data = callback.to_string();
    if data.len() <= MAX_CALLBACK_BYTES {
        data
    } else {
        tracing::error!(
            len = data.len(),
            "callback data too long, sending the menu instead"
        );
        Callback::Menu.to_string()
    }
}

/// `https://t.me/<bot>?start=<payload>`; Telegram allows `[A-Za-z0-9_-]`,
/// up to 64 characters, in a payload, so anything else opens the plain chat.
pub fn deep_link(bot_username: &str, payload: &str) -> String {
    let valid = !payload.is_empty()
        && payload.len() <= 64
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        format!("https://t.me/{bot_username}?start={payload}")
    } else {
        format!("https://t.me/{bot_username}")
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::core::{Button, Phrase, Text};

    fn localizer() -> Localizer {
        Localizer::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")).unwrap()
    }

    #[test]
    fn blocks_become_escaped_html() {
        let mut message = Message::default()
            .heading(Phrase::Content("A <b> & c".into()))
            .para(Phrase::Content("x < y".into()));
        message
            .blocks
            .push(Block::Tip(Phrase::Content("tip".into())));
        let r = render(&localizer(), &Lang::new("en"), &message, "bot");
        assert_eq!(
            r.html,
            "<b>A &lt;b&gt; &amp; c</b>\n\nx &lt; y\n\n💡 <i>tip</i>"
        );
        assert_eq!(r.keyboard, None);
    }

    #[test]
    fn buttons_become_an_inline_keyboard() {
        let message = Message::default()
            .para(Text::new("menu-title"))
            .row(vec![
                Button::new(
                    Text::new("button-menu"),
                    Callback::Step("basics-phone".into(), 2),
                ),
                Button::open_private(Text::new("button-open-private"), "l_basics-phone"),
            ])
            .row(vec![Button::open_private(
                Text::new("button-open-private"),
                "bad payload!",
            )]);
        let r = render(&localizer(), &Lang::new("en"), &message, "hv_bot");
        assert_eq!(
            r.keyboard.unwrap(),
            json!({"inline_keyboard": [
                [{"text": "☰ Main menu", "callback_data": "1:s:basics-phone:2"},
                 {"text": "💬 Learn in a private chat", "url": "https://t.me/hv_bot?start=l_basics-phone"}],
                [{"text": "💬 Learn in a private chat", "url": "https://t.me/hv_bot"}]
            ]})
        );
    }

    #[test]
    fn oversized_callback_data_falls_back_to_the_menu_without_panicking() {
        let huge = Callback::Topic("t".repeat(100));
        assert_eq!(callback_data(&huge), "1:m");
    }
}

//! Core messages as Telegram HTML with inline keyboards.
//!
//! Pure: text through Fluent, escaped, headings bold, tips in italics;
//! callback buttons carry the core's compact data, "open the private chat"
//! buttons a `t.me` deep link to this bot. `Rendered::parts` then lays a
//! message out as the Bot API calls that send it.

use std::path::PathBuf;

use serde_json::{Value, json};
use teloxide::utils::html::escape;

use super::split::{MAX_CAPTION_CHARS, MAX_MESSAGE_CHARS, split_html, units};
use crate::core::{Attachment, Block, Callback, Document, Lang, Media, MediaKind, Message, Target};
use crate::i18n::Localizer;

/// Telegram's limit for callback data, in bytes.
const MAX_CALLBACK_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    /// `reply_markup` for the message, if it has buttons.
    pub keyboard: Option<Value>,
    pub attachment: Option<Attachment>,
    /// The language pictures are drawn in.
    pub lang: Lang,
}

/// One Bot API call of a rendered message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// `sendPhoto`, by cached file id or uploaded.
    Photo {
        path: PathBuf,
        caption: Option<String>,
        keyboard: Option<Value>,
    },
    /// `sendDocument`, uploaded with its file name.
    Document {
        document: Document,
        caption: Option<String>,
        keyboard: Option<Value>,
    },
    /// `sendPhoto` of a certificate or chart, drawn in `lang` when sent.
    Drawn {
        attachment: Attachment,
        lang: Lang,
        caption: Option<String>,
        keyboard: Option<Value>,
    },
    /// A learner's photo or voice message passed on to a volunteer (or the
    /// other way round), by Telegram's own `file_id`.
    Forward {
        kind: MediaKind,
        file_id: String,
        caption: Option<String>,
        keyboard: Option<Value>,
    },
    /// `sendMessage` with HTML.
    Text {
        html: String,
        keyboard: Option<Value>,
    },
}

impl Part {
    /// The Bot API method that sends it.
    pub fn method(&self) -> &'static str {
        match self {
            Part::Photo { .. } | Part::Drawn { .. } => "sendPhoto",
            Part::Document { .. } => "sendDocument",
            Part::Forward { kind, .. } => match kind {
                MediaKind::Photo => "sendPhoto",
                MediaKind::Voice => "sendVoice",
                MediaKind::Other => "sendDocument",
            },
            Part::Text { .. } => "sendMessage",
        }
    }
}

/// Media references made by this channel are `tg:<file_id>`.
pub const FILE_PREFIX: &str = "tg:";

/// The Telegram `file_id` of a forwarded file, if it came from Telegram.
fn telegram_file(media: &Media) -> Option<&str> {
    media.file.as_deref()?.strip_prefix(FILE_PREFIX)
}

impl Rendered {
    /// The calls, in order: the attachment first, with the text as its
    /// caption if it fits; otherwise the text follows, cut into messages
    /// Telegram accepts. The buttons always go on the last call, so they
    /// sit under the end of what the learner reads.
    pub fn parts(&self) -> Vec<Part> {
        let mut parts = Vec::new();
        let fits_caption = units(&self.html) <= MAX_CAPTION_CHARS;
        let caption = (fits_caption && !self.html.is_empty()).then(|| self.html.clone());
        // A file from another platform cannot be passed on here: the text
        // alone says what was sent.
        let attachment = self.attachment.as_ref().filter(|a| match a {
            Attachment::Forward(media) => telegram_file(media).is_some(),
            _ => true,
        });
        let text_follows = !fits_caption || attachment.is_none();
        let attachment_keyboard = if text_follows && !self.html.is_empty() {
            None
        } else {
            self.keyboard.clone()
        };
        match attachment {
            Some(Attachment::Picture(path)) => parts.push(Part::Photo {
                path: path.clone(),
                caption: caption.filter(|_| !text_follows),
                keyboard: attachment_keyboard,
            }),
            Some(Attachment::Document(document)) => parts.push(Part::Document {
                document: document.clone(),
                caption: caption.filter(|_| !text_follows),
                keyboard: attachment_keyboard,
            }),
            Some(Attachment::Forward(media)) => {
                if let Some(file_id) = telegram_file(media) {
                    parts.push(Part::Forward {
                        kind: media.kind,
                        file_id: file_id.to_string(),
                        caption: caption.filter(|_| !text_follows),
                        keyboard: attachment_keyboard,
                    });
                }
            }
            Some(drawn @ (Attachment::Chart(_) | Attachment::Certificate(_))) => {
                parts.push(Part::Drawn {
                    attachment: drawn.clone(),
                    lang: self.lang.clone(),
                    caption: caption.filter(|_| !text_follows),
                    keyboard: attachment_keyboard,
                });
            }
            None => {}
        }
        if text_follows && !self.html.is_empty() {
            let texts = split_html(&self.html, MAX_MESSAGE_CHARS);
            let last = texts.len() - 1;
            for (i, html) in texts.into_iter().enumerate() {
                let keyboard = if i == last {
                    self.keyboard.clone()
                } else {
                    None
                };
                parts.push(Part::Text { html, keyboard });
            }
        }
        parts
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
        attachment: message.attachment.clone(),
        lang: lang.clone(),
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
    use super::*;
    use crate::core::{Button, Phrase, Text};

    fn localizer() -> Localizer {
        crate::i18n::shipped_localizer()
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

    fn rendered(html: &str, attachment: Option<Attachment>) -> Rendered {
        Rendered {
            html: html.to_string(),
            keyboard: Some(json!({"inline_keyboard": [[{"text": "x", "callback_data": "1:m"}]]})),
            attachment,
            lang: Lang::new("vi"),
        }
    }

    #[test]
    fn short_text_is_the_caption_with_the_buttons() {
        let r = rendered("<b>Hi</b>", Some(Attachment::Picture("a.png".into())));
        assert_eq!(
            r.parts(),
            [Part::Photo {
                path: "a.png".into(),
                caption: Some("<b>Hi</b>".into()),
                keyboard: r.keyboard.clone(),
            }]
        );
    }

    #[test]
    fn long_text_follows_the_attachment_in_parts_with_buttons_on_the_last() {
        let html = "Bác đọc kỹ nhé. ".repeat(600);
        let document = Document {
            name: "export.csv".into(),
            content: b"a,b\n".to_vec(),
        };
        let r = rendered(&html, Some(Attachment::Document(document.clone())));
        let parts = r.parts();
        assert_eq!(
            parts[0],
            Part::Document {
                document,
                caption: None,
                keyboard: None
            }
        );
        assert_eq!(parts.len(), 4, "{} chars in 4096-char messages", html.len());
        for (i, part) in parts[1..].iter().enumerate() {
            let Part::Text { html, keyboard } = part else {
                panic!("{part:?}")
            };
            assert!(units(html) <= MAX_MESSAGE_CHARS);
            assert_eq!(keyboard.is_some(), i == 2, "buttons only on the last part");
        }
        let plain = rendered(&html, None).parts();
        assert_eq!(plain.len(), 3);
        assert_eq!(
            plain.iter().map(Part::method).collect::<Vec<_>>(),
            ["sendMessage"; 3]
        );
    }

    #[test]
    fn oversized_callback_data_falls_back_to_the_menu_without_panicking() {
        let huge = Callback::Topic("t".repeat(100));
        assert_eq!(callback_data(&huge), "1:m");
    }
}

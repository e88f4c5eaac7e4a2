//! Core messages as Zalo message parts, pure.
//!
//! Limits of a customer-service message [Zalo send-API docs as quoted by
//! open-source clients: text at most 2000 characters; at most 5 buttons,
//! titles at most 100 characters, `oa.query.*` payloads at most 1000]:
//! - text is plain (Zalo has no markup): headings get a `▌`, tips a 💡;
//!   longer text is split at paragraphs, then lines, then words;
//! - buttons go with the last text part; a keyboard with more than 5 buttons
//!   continues in further messages ("More choices:");
//! - a callback button is an `oa.query.hide` button whose payload is
//!   `#hv:` + the core's compact data, held to the same 64-byte limit as on
//!   Telegram; "open the private chat" buttons send `/start <payload>`.
//!
//! Group messages (GMF) carry no buttons: only the text, plus a link to the
//! OA's chat when one is configured.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::event::BUTTON_PREFIX;
use crate::channel::plain::render_text;
use crate::core::{Attachment, Callback, Document, Lang, Message, Target, Text};
use crate::i18n::Localizer;

pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_BUTTONS: usize = 5;
pub const MAX_TITLE_CHARS: usize = 100;
/// The core's limit for callback data, the same as Telegram's.
const MAX_CALLBACK_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// A text message, with template buttons if any.
    Text { text: String, buttons: Vec<Value> },
    /// A lesson picture, uploaded and sent as an image attachment.
    Image(PathBuf),
    /// A file, uploaded and sent as a file attachment.
    File(Document),
    /// A certificate or chart, drawn (`present`) in `Lang` and sent as an image.
    Drawn(Attachment, Lang),
}

/// The parts of one core message to a learner, in sending order.
pub fn render(localizer: &Localizer, lang: &Lang, message: &Message) -> Vec<Part> {
    let mut parts = Vec::new();
    match &message.attachment {
        Some(Attachment::Picture(path)) => parts.push(Part::Image(path.clone())),
        Some(Attachment::Document(doc)) => parts.push(Part::File(doc.clone())),
        // Passing a learner's photo on is not built for Zalo yet: the text
        // names what was sent, and the volunteer asks in the thread.
        Some(Attachment::Forward(_)) => {}
        Some(drawn @ (Attachment::Chart(_) | Attachment::Certificate(_))) => {
            parts.push(Part::Drawn(drawn.clone(), lang.clone()));
        }
        None => {}
    }
    let text = render_text(localizer, lang, message);
    let buttons: Vec<Value> = message
        .keyboard
        .iter()
        .flatten()
        .map(|button| {
            let title = truncate(&localizer.phrase(lang, &button.label), MAX_TITLE_CHARS);
            let payload = match &button.target {
                Target::Callback(callback) => callback_payload(callback),
                Target::OpenPrivate(payload) => start_command(payload),
            };
            json!({"title": title, "type": "oa.query.hide", "payload": payload})
        })
        .collect();
    let mut chunks = split_text(&text, MAX_TEXT_CHARS);
    let last = chunks.pop();
    parts.extend(chunks.into_iter().map(|text| Part::Text {
        text,
        buttons: Vec::new(),
    }));
    let mut groups = buttons.chunks(MAX_BUTTONS);
    let first_buttons = groups.next().map(<[Value]>::to_vec).unwrap_or_default();
    match last {
        Some(text) => parts.push(Part::Text {
            text,
            buttons: first_buttons,
        }),
        None if !first_buttons.is_empty() => parts.push(Part::Text {
            text: more_choices(localizer, lang),
            buttons: first_buttons,
        }),
        None => {}
    }
    for group in groups {
        parts.push(Part::Text {
            text: more_choices(localizer, lang),
            buttons: group.to_vec(),
        });
    }
    parts
}

/// The notice sent with the last free reply: write (or press) to go on.
pub fn write_to_continue(localizer: &Localizer, lang: &Lang) -> Part {
    Part::Text {
        text: localizer.text(lang, &Text::new("zalo-write-to-continue")),
        buttons: vec![json!({
            "title": truncate(&localizer.text(lang, &Text::new("button-continue-short")), MAX_TITLE_CHARS),
            "type": "oa.query.hide",
            "payload": callback_payload(&Callback::Resume),
        })],
    }
}

/// A document Zalo would not take, as text.
pub fn document_unavailable(localizer: &Localizer, lang: &Lang, name: &str) -> Part {
    Part::Text {
        text: localizer.text(
            lang,
            &Text::new("zalo-document-unavailable").arg("name", name.to_string()),
        ),
        buttons: Vec::new(),
    }
}

/// A message for a Zalo group: text chunks, the OA link last.
pub fn render_group(
    localizer: &Localizer,
    lang: &Lang,
    message: &Message,
    oa_link: Option<&str>,
) -> Vec<String> {
    let mut text = render_text(localizer, lang, message);
    if let Some(link) = oa_link {
        let line = localizer.text(
            lang,
            &Text::new("zalo-group-link").arg("link", link.to_string()),
        );
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&line);
    }
    // A card's deep link cannot ride on a button here: say what to send the
    // OA instead, so the lesson opens and the learner counts for the group.
    let payload = message
        .keyboard
        .iter()
        .flatten()
        .find_map(|b| match &b.target {
            Target::OpenPrivate(p) if !p.is_empty() => Some(p),
            _ => None,
        });
    if let Some(payload) = payload {
        let line = localizer.text(
            lang,
            &Text::new("zalo-group-start").arg("command", start_command(payload)),
        );
        text.push('\n');
        text.push_str(&line);
    }
    split_text(&text, MAX_TEXT_CHARS)
}

/// `#hv:<data>`; data over the limit (impossible with validated lesson ids)
/// becomes the menu button rather than a refused message.
pub fn callback_payload(callback: &Callback) -> String {
    let data = callback.to_string();
    let data = if data.len() <= MAX_CALLBACK_BYTES {
        data
    } else {
        tracing::error!(
            len = data.len(),
            "callback data too long, sending the menu instead"
        );
        Callback::Menu.to_string()
    };
    format!("{BUTTON_PREFIX}{data}")
}

/// `/start <payload>` for a deep-link payload of `[A-Za-z0-9_-]` (at most 64),
/// plain `/start` otherwise, as on Telegram.
fn start_command(payload: &str) -> String {
    let valid = !payload.is_empty()
        && payload.len() <= 64
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        format!("/start {payload}")
    } else {
        "/start".to_string()
    }
}

fn more_choices(localizer: &Localizer, lang: &Lang) -> String {
    localizer.text(lang, &Text::new("zalo-more-choices"))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Splits text into pieces of at most `max` characters, at paragraph breaks
/// where possible, then line breaks, then spaces, then anywhere.
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..limit];
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| head.rfind(sep).filter(|&i| i > 0))
            .unwrap_or(limit);
        pieces.push(rest[..cut].trim_end().to_string());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_string());
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Button, Phrase};

    fn localizer() -> Localizer {
        crate::i18n::shipped_localizer()
    }

    #[test]
    fn long_text_is_split_at_paragraphs_and_never_over_the_limit() {
        let para = "chữ ".repeat(300); // 1200 characters
        let text = format!("{para}\n\n{para}\n\n{}", "x".repeat(4500));
        let pieces = split_text(&text, MAX_TEXT_CHARS);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_TEXT_CHARS));
        assert_eq!(pieces[0], para.trim_end());
        let joined: String = pieces.concat();
        assert_eq!(joined.chars().filter(|c| *c == 'x').count(), 4500);
        assert_eq!(split_text("", 10), Vec::<String>::new());
    }

    #[test]
    fn more_than_five_buttons_continue_in_further_messages() {
        let buttons: Vec<Button> = (0..7)
            .map(|i| {
                Button::new(
                    Phrase::Content(format!("Topic {i}")),
                    Callback::Topic(format!("t{i}")),
                )
            })
            .collect();
        let message = Message::default()
            .para(Text::new("menu-title"))
            .row(buttons[..4].to_vec())
            .row(buttons[4..].to_vec());
        let parts = render(&localizer(), &Lang::new("en"), &message);
        let counts: Vec<usize> = parts
            .iter()
            .map(|p| match p {
                Part::Text { buttons, .. } => buttons.len(),
                _ => 0,
            })
            .collect();
        assert_eq!(counts, [5, 2]);
        let Part::Text { buttons, .. } = &parts[1] else {
            panic!()
        };
        assert_eq!(buttons[1]["payload"], "#hv:1:t:t6");
        assert_eq!(buttons[1]["type"], "oa.query.hide");
    }

    #[test]
    fn pictures_come_first_and_deep_links_become_start_commands() {
        let message = Message {
            attachment: Some(Attachment::Picture("a.png".into())),
            ..Message::default()
        }
        .para(Phrase::Content("Step".into()))
        .row(vec![
            Button::open_private(Text::new("button-open-private"), "l_basics-phone"),
            Button::open_private(Text::new("button-open-private"), "bad payload!"),
        ]);
        let parts = render(&localizer(), &Lang::new("en"), &message);
        assert_eq!(parts[0], Part::Image("a.png".into()));
        let Part::Text { text, buttons } = &parts[1] else {
            panic!()
        };
        assert_eq!(text, "Step");
        assert_eq!(buttons[0]["payload"], "/start l_basics-phone");
        assert_eq!(buttons[1]["payload"], "/start");
        let title = truncate(&"ă".repeat(150), MAX_TITLE_CHARS);
        assert_eq!(title.chars().count(), MAX_TITLE_CHARS);
    }

    #[test]
    fn oversized_callback_data_falls_back_to_the_menu() {
        assert_eq!(
            callback_payload(&Callback::Topic("t".repeat(100))),
            "#hv:1:m"
        );
    }

    #[test]
    fn group_posts_are_text_with_the_oa_link() {
        let message = Message::default()
            .para(Phrase::Content("New lesson!".into()))
            .row(vec![Button::new(Text::new("button-menu"), Callback::Menu)]);
        let texts = render_group(
            &localizer(),
            &Lang::new("en"),
            &message,
            Some("https://zalo.me/1"),
        );
        assert_eq!(texts.len(), 1);
        assert!(texts[0].starts_with("New lesson!\n\n"));
        assert!(texts[0].contains("https://zalo.me/1"));
    }
}

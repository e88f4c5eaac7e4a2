//! Renders a core message as plain text, for channels without formatting.

use crate::core::{Block, Lang, Message};
use crate::i18n::Localizer;

/// The message's text blocks, one paragraph each; headings marked with `▌`.
pub fn render_text(localizer: &Localizer, lang: &Lang, message: &Message) -> String {
    message
        .blocks
        .iter()
        .map(|block| match block {
            Block::Heading(p) => format!("▌ {}", localizer.phrase(lang, p)),
            Block::Para(p) => localizer.phrase(lang, p),
            Block::Tip(p) => format!("💡 {}", localizer.phrase(lang, p)),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

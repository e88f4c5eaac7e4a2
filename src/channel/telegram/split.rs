//! Cuts rendered HTML into parts Telegram accepts (4096 characters a message,
//! 1024 a caption).
//!
//! Pure. A cut goes at the last block boundary (blank line) that fits, else
//! the last line break, else the last space, else between two characters;
//! never inside a tag or an entity (`&amp;`). Tags open at a cut are closed
//! at the end of the part and opened again at the start of the next, so each
//! part is valid HTML on its own. Lengths are counted in UTF-16 code units of
//! the HTML itself, which is never less than what Telegram counts (it counts
//! text after parsing the markup, in UTF-16 units).

/// Telegram's limit for a message's text.
pub const MAX_MESSAGE_CHARS: usize = 4096;
/// Telegram's limit for a photo's or document's caption.
pub const MAX_CAPTION_CHARS: usize = 1024;

/// Length as Telegram may count it (UTF-16 code units; an emoji is two).
pub fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The parts of `html`, each at most `limit` units; one part if it fits.
pub fn split_html(html: &str, limit: usize) -> Vec<String> {
    if units(html) <= limit {
        return vec![html.to_string()];
    }
    let tokens = tokenize(html);
    let mut parts = Vec::new();
    let mut open: Vec<Tag> = Vec::new();
    let mut start = 0;
    while start < tokens.len() {
        let end = cut(&tokens, start, &open, limit);
        let mut closing = open.clone();
        for token in &tokens[start..end] {
            token.apply(&mut closing);
        }
        let mut part: String = open.iter().map(|t| t.raw.as_str()).collect();
        part.push_str(&html[tokens[start].start..tokens[end - 1].end]);
        for tag in closing.iter().rev() {
            part.push_str(&tag.close());
        }
        parts.push(part);
        open = closing;
        start = end;
        // The next part starts at its text, not at the blank it was cut on.
        while start < tokens.len() && tokens[start].is_space() {
            start += 1;
        }
    }
    parts
}

/// Where the part that starts at token `start` ends (exclusive).
fn cut(tokens: &[Token], start: usize, open: &[Tag], limit: usize) -> usize {
    let mut stack = open.to_vec();
    let mut len: usize = open.iter().map(|t| units(&t.raw)).sum();
    let close_len = |stack: &[Tag]| stack.iter().map(|t| t.name.len() + 3).sum::<usize>();
    // Last cut before a blank line, a line break, a space; last token that fits.
    let mut breaks: [Option<usize>; 3] = [None; 3];
    let mut fits = start;
    for (j, token) in tokens.iter().enumerate().skip(start) {
        if j > start && fits == j {
            match token.kind {
                Kind::Newline if tokens.get(j + 1).is_some_and(|t| t.kind == Kind::Newline) => {
                    breaks[0] = Some(j)
                }
                Kind::Newline => breaks[1] = Some(j),
                Kind::Space => breaks[2] = Some(j),
                _ => {}
            }
        }
        len += token.units;
        token.apply(&mut stack);
        if len + close_len(&stack) > limit {
            break;
        }
        fits = j + 1;
    }
    if fits == tokens.len() {
        return fits;
    }
    // A single token longer than the limit still makes progress.
    breaks
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(fits.max(start + 1))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Open,
    Close,
    Newline,
    Space,
    /// A character or an entity.
    Text,
}

#[derive(Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    units: usize,
    /// The tag name, for tags.
    name: String,
    raw: String,
}

#[derive(Debug, Clone)]
struct Tag {
    name: String,
    raw: String,
}

impl Tag {
    fn close(&self) -> String {
        format!("</{}>", self.name)
    }
}

impl Token {
    fn is_space(&self) -> bool {
        matches!(self.kind, Kind::Newline | Kind::Space)
    }

    /// Tracks the tags open after this token.
    fn apply(&self, stack: &mut Vec<Tag>) {
        match self.kind {
            Kind::Open => stack.push(Tag {
                name: self.name.clone(),
                raw: self.raw.clone(),
            }),
            Kind::Close => {
                if let Some(i) = stack.iter().rposition(|t| t.name == self.name) {
                    stack.truncate(i);
                }
            }
            _ => {}
        }
    }
}

/// Tags, entities and single characters, with their byte ranges.
fn tokenize(html: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = html[i..].chars().next() {
        let rest = &html[i..];
        let atom = match c {
            '<' => rest.find('>').map(|e| e + 1),
            '&' => rest
                .char_indices()
                .take(12)
                .find(|(_, c)| *c == ';')
                .map(|(e, _)| e + 1),
            _ => None,
        };
        let len = atom.unwrap_or(c.len_utf8());
        let raw = &rest[..len];
        let (kind, name) = match (c, atom.is_some()) {
            ('<', true) => tag_kind(raw),
            ('\n', _) => (Kind::Newline, String::new()),
            (' ', _) => (Kind::Space, String::new()),
            _ => (Kind::Text, String::new()),
        };
        tokens.push(Token {
            kind,
            start: i,
            end: i + len,
            units: units(raw),
            name,
            raw: raw.to_string(),
        });
        i += len;
    }
    tokens
}

/// `<b>` / `<a href="…">` open, `</b>` closes; the name is what follows `<`/`</`.
fn tag_kind(raw: &str) -> (Kind, String) {
    let inner = raw.trim_start_matches('<').trim_end_matches('>');
    let (kind, inner) = match inner.strip_prefix('/') {
        Some(rest) => (Kind::Close, rest),
        None => (Kind::Open, inner),
    };
    let name = inner
        .split(|c: char| c.is_whitespace() || c == '/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    (kind, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part fits, tags balance within each part, and no entity is cut.
    fn check(parts: &[String], limit: usize) {
        for part in parts {
            assert!(units(part) <= limit, "{} > {limit}: {part:?}", units(part));
            let mut stack = Vec::new();
            for token in tokenize(part) {
                match token.kind {
                    Kind::Open => stack.push(token.name),
                    Kind::Close => assert_eq!(stack.pop(), Some(token.name), "{part:?}"),
                    _ if token.raw.starts_with('&') => {
                        assert!(token.raw.ends_with(';'), "a cut entity in {part:?}")
                    }
                    _ => {}
                }
            }
            assert!(stack.is_empty(), "unclosed {stack:?} in {part:?}");
        }
    }

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(
            split_html("<b>Hi</b>\n\nthere", 4096),
            ["<b>Hi</b>\n\nthere"]
        );
    }

    #[test]
    fn blocks_are_kept_whole_when_they_fit() {
        let html = "<b>Heading</b>\n\nfirst block here\n\nsecond block here";
        let parts = split_html(html, 34);
        assert_eq!(
            parts,
            ["<b>Heading</b>\n\nfirst block here", "second block here"]
        );
        check(&parts, 34);
    }

    #[test]
    fn a_huge_block_is_cut_at_lines_then_words() {
        let html = "one two three\nfour five six seven";
        assert_eq!(
            split_html(html, 20),
            ["one two three", "four five six seven"]
        );
        let words = "aaaa bbbb cccc dddd";
        assert_eq!(split_html(words, 10), ["aaaa bbbb", "cccc dddd"]);
    }

    #[test]
    fn tags_are_closed_and_reopened_across_a_cut() {
        let html = "💡 <i>one two three four five six</i>";
        let parts = split_html(html, 20);
        assert_eq!(parts[0], "💡 <i>one two</i>");
        assert!(parts[1].starts_with("<i>three"), "{parts:?}");
        check(&parts, 20);
        let joined: String = parts.concat().replace("</i><i>", " ");
        assert_eq!(joined, html);
    }

    #[test]
    fn entities_and_long_words_are_never_cut_inside() {
        let html = "&amp;&lt;".repeat(30);
        let parts = split_html(&html, 16);
        check(&parts, 16);
        assert_eq!(parts.concat(), html);
        let word = "x".repeat(50);
        let parts = split_html(&word, 16);
        assert_eq!(parts.concat(), word);
        check(&parts, 16);
    }

    #[test]
    fn a_long_lesson_fits_telegram_messages() {
        let block = format!(
            "<b>Bước</b>\n\n{}",
            "Bác bấm vào nút &quot;Đăng nhập&quot;. ".repeat(60)
        );
        let html = [block.as_str(); 5].join("\n\n");
        let parts = split_html(&html, MAX_MESSAGE_CHARS);
        assert!(parts.len() >= 3, "{}", parts.len());
        check(&parts, MAX_MESSAGE_CHARS);
        // Nothing is lost but the blanks cut on.
        let strip = |s: &str| s.replace([' ', '\n'], "");
        assert_eq!(strip(&parts.concat()), strip(&html));
    }
}

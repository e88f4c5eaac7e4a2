//! Text for pictures: the shipped fonts, cleaning caller strings, escaping
//! them for XML, and measuring and fitting them into a width.
//!
//! Widths come from shaping with the same shaper and fonts that resvg draws
//! with (harfrust over the embedded Noto Sans), so a line that fits here fits
//! in the picture. This module knows nothing of certificates or charts.

use harfrust::{FontRef, ShapeOptions, ShaperData, UnicodeBuffer};
use skrifa::MetadataProvider;
use skrifa::charmap::Charmap;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::RenderError;

pub(crate) const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
pub(crate) const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
/// The family name inside both files; SVG templates ask for it by name.
pub(crate) const FAMILY: &str = "Noto Sans";
const ELLIPSIS: char = '…';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

impl Weight {
    /// The value of the SVG `font-weight` attribute.
    pub(crate) fn css(self) -> &'static str {
        match self {
            Weight::Regular => "400",
            Weight::Bold => "700",
        }
    }
}

/// How a line may be drawn: its preferred size, the smallest size it may
/// shrink to before it is cut with "…", and extra space between letters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub weight: Weight,
    pub size: f32,
    pub min_size: f32,
    pub letter_spacing: f32,
}

impl Style {
    pub(crate) const fn new(weight: Weight, size: f32, min_size: f32) -> Self {
        Style {
            weight,
            size,
            min_size,
            letter_spacing: 0.0,
        }
    }

    pub(crate) const fn spaced(self, letter_spacing: f32) -> Self {
        Style {
            letter_spacing,
            ..self
        }
    }
}

/// A line ready to draw: cleaned text at the size that fits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub text: String,
    pub size: f32,
    pub width: f32,
}

/// One embedded font file, parsed once, with its shaping tables cached.
struct Face {
    font: FontRef<'static>,
    charmap: Charmap<'static>,
    shaper: ShaperData,
    units_per_em: f32,
}

impl Face {
    fn parse(data: &'static [u8], name: &'static str) -> Result<Self, RenderError> {
        let font = FontRef::new(data).map_err(|_| RenderError::Font(name))?;
        let shaper = ShaperData::new(&font);
        let units_per_em = f32::from(
            font.metrics(
                skrifa::instance::Size::unscaled(),
                skrifa::instance::LocationRef::default(),
            )
            .units_per_em,
        );
        if units_per_em <= 0.0 {
            return Err(RenderError::Font(name));
        }
        Ok(Face {
            charmap: font.charmap(),
            font,
            shaper,
            units_per_em,
        })
    }

    fn has_glyph(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// The shaped advance of `text` at a size of one pixel.
    fn advance_per_px(&self, text: &str) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let shaper = self.shaper.shaper(&self.font).build();
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let shaped = shaper.shape(buffer, ShapeOptions::new());
        let units: i64 = shaped
            .glyph_positions()
            .iter()
            .map(|p| i64::from(p.x_advance))
            .sum();
        units as f32 / self.units_per_em
    }
}

/// The two shipped weights of Noto Sans.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, RenderError> {
        Ok(Fonts {
            regular: Face::parse(REGULAR_TTF, "NotoSans-Regular.ttf")?,
            bold: Face::parse(BOLD_TTF, "NotoSans-Bold.ttf")?,
        })
    }

    fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Whether both weights can draw `c`.
    pub(crate) fn covers(&self, c: char) -> bool {
        self.regular.has_glyph(c) && self.bold.has_glyph(c)
    }

    /// A caller's string made safe to lay out on one line: line breaks and
    /// tabs become spaces, other control characters and invisible format
    /// characters go (a bidi override could draw a name backwards), letters are composed (NFC,
    /// so "Nguyễn" typed with combining marks uses the font's own "ễ"),
    /// characters our fonts cannot draw (emoji, scripts beyond Latin, Greek
    /// and Cyrillic) are left out rather than drawn as empty boxes, and runs
    /// of spaces become one.
    pub(crate) fn clean(&self, raw: &str) -> String {
        let composed: String = raw
            .chars()
            .map(|c| if is_line_space(c) { ' ' } else { c })
            .filter(|c| !c.is_control() && !is_invisible_format(*c))
            .nfc()
            .filter(|c| *c == ' ' || self.covers(*c))
            .collect();
        composed.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The drawn width of `text` in pixels.
    pub(crate) fn measure(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        letter_spacing: f32,
    ) -> f32 {
        let spacing = letter_spacing * text.chars().count() as f32;
        self.face(weight).advance_per_px(text) * size + spacing
    }

    /// Fits already-cleaned `text` into `max_width`: shrinks it down to the
    /// style's minimum size, and past that cuts it and ends it with "…".
    pub(crate) fn fit(&self, text: &str, style: Style, max_width: f32) -> Fitted {
        let measure =
            |t: &str, size: f32| self.measure(t, style.weight, size, style.letter_spacing);
        let width = measure(text, style.size);
        if width <= max_width {
            return fitted(text, style.size, width);
        }
        // Width grows linearly with size, so the size that just fits is one
        // division away; round down a little so rounding never overflows.
        let size = (style.size * max_width / width * 0.995).max(style.min_size);
        let width = measure(text, size);
        if width <= max_width {
            return fitted(text, size, width);
        }
        let cut = self.cut(text, max_width, |t| measure(t, size));
        let width = measure(&cut, size);
        fitted(&cut, size, width)
    }

    /// The longest prefix of `text` that, ended with "…", fits `max_width`.
    fn cut(&self, text: &str, max_width: f32, measure: impl Fn(&str) -> f32) -> String {
        // Cut points never separate a letter from a combining mark after it.
        let ends: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| !is_combining_mark(*c))
            .map(|(i, _)| i)
            .collect();
        let with_ellipsis = |end: usize| format!("{}{ELLIPSIS}", text[..end].trim_end());
        // Binary search for the last end that fits; the first end (an empty
        // prefix, just "…") is accepted even if nothing fits at all.
        let (mut lo, mut hi) = (0, ends.len());
        while hi - lo > 1 {
            let mid = (lo + hi) / 2;
            if measure(&with_ellipsis(ends[mid])) <= max_width {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        with_ellipsis(ends.get(lo).copied().unwrap_or(0))
    }
}

fn fitted(text: &str, size: f32, width: f32) -> Fitted {
    Fitted {
        text: text.to_owned(),
        size,
        width,
    }
}

fn is_line_space(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Invisible format characters: bidi embeddings, overrides, isolates and
/// marks, zero-width joiners and spaces, variation selectors, the byte order
/// mark and the soft hyphen. None is needed for Vietnamese, and left behind
/// from a dropped emoji sequence they would leave odd gaps.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// `text` escaped for XML character data and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> Fonts {
        Fonts::load().unwrap()
    }

    const NAME: Style = Style::new(Weight::Bold, 88.0, 44.0);

    #[test]
    fn every_vietnamese_letter_has_a_glyph_in_both_weights() {
        let fonts = fonts();
        let letters = "ẮẰẲẴẶắằẳẵặỆệỮữỰựĐđƠơƯưẢảẠạÃãỎỏỌọỦủỤụỸỹỴỵ…·";
        for c in letters.chars() {
            assert!(fonts.covers(c), "no glyph for {c:?}");
        }
        // The check is real: a character Noto Sans lacks is reported.
        assert!(!fonts.covers('😀'));
    }

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(
            escape(r#"<b>Tom & "Jerry" 'x'</b>"#),
            "&lt;b&gt;Tom &amp; &quot;Jerry&quot; &apos;x&apos;&lt;/b&gt;"
        );
    }

    #[test]
    fn cleaning_composes_marks_and_drops_controls_overrides_and_emoji() {
        let fonts = fonts();
        let decomposed = "Nguye\u{0302}\u{0303}n";
        assert_ne!(decomposed, "Nguyễn");
        assert_eq!(fonts.clean(decomposed), "Nguyễn");
        assert_eq!(
            fonts.clean(" Bà\u{7}\u{202E}  Tư\n😀 \u{200D}\u{FE0F} <&> "),
            "Bà Tư <&>"
        );
        assert_eq!(fonts.clean("\u{0}\u{1b}"), "");
    }

    #[test]
    fn measured_width_grows_with_text_and_size() {
        let fonts = fonts();
        let short = fonts.measure("Lan", Weight::Regular, 40.0, 0.0);
        let long = fonts.measure("Lan Anh", Weight::Regular, 40.0, 0.0);
        let big = fonts.measure("Lan", Weight::Regular, 80.0, 0.0);
        let bold = fonts.measure("Lan", Weight::Bold, 40.0, 0.0);
        assert!(short > 20.0 && short < 120.0, "{short}");
        assert!(long > short);
        assert!((big - 2.0 * short).abs() < 0.01);
        assert!(bold > short);
        // Glyph advances, not a character count: "W" is wider than "i".
        assert!(
            fonts.measure("WWWW", Weight::Regular, 40.0, 0.0)
                > 2.0 * fonts.measure("iiii", Weight::Regular, 40.0, 0.0)
        );
    }

    #[test]
    fn a_short_name_keeps_its_size() {
        let fitted = fonts().fit("Trần Thị Lan", NAME, 1200.0);
        assert_eq!(fitted.text, "Trần Thị Lan");
        assert_eq!(fitted.size, 88.0);
        assert!(fitted.width <= 1200.0);
    }

    #[test]
    fn a_longer_name_shrinks_to_fit() {
        let fonts = fonts();
        let name = "Công Tằng Tôn Nữ Thị Phương Thảo Nguyên";
        assert!(fonts.measure(name, Weight::Bold, 88.0, 0.0) > 1200.0);
        let fitted = fonts.fit(name, NAME, 1200.0);
        assert_eq!(fitted.text, name);
        assert!(fitted.size < 88.0 && fitted.size >= 44.0);
        assert!(fitted.width <= 1200.0);
        assert!(fitted.width > 1100.0, "shrunk too far: {}", fitted.width);
    }

    #[test]
    fn a_hostile_300_character_name_is_cut_with_an_ellipsis_inside_the_width() {
        let fonts = fonts();
        let mut raw = String::from("<&>\"' 😀 Nguye\u{0302}\u{0303}n \u{202E}שלום ");
        while raw.chars().count() < 300 {
            raw.push_str("Trần Văn Ẵ ");
        }
        let clean = fonts.clean(&raw);
        assert!(clean.starts_with("<&>\"' Nguyễn"), "{clean}");
        let fitted = fonts.fit(&clean, NAME, 1200.0);
        assert_eq!(fitted.size, 44.0);
        assert!(fitted.text.ends_with('…'));
        assert!(fitted.text.starts_with("<&>\"' Nguyễn"));
        assert!(fitted.width <= 1200.0);
        assert_eq!(
            fitted.width,
            fonts.measure(&fitted.text, Weight::Bold, 44.0, 0.0)
        );
        // Nearly the whole width is used.
        assert!(fitted.width > 1100.0, "{}", fitted.width);
    }

    #[test]
    fn letter_spacing_counts_in_the_fit() {
        let fonts = fonts();
        let style = Style::new(Weight::Regular, 40.0, 10.0).spaced(12.0);
        let text = "BÌNH DÂN HỌC VỤ SỐ";
        let plain = fonts.measure(text, Weight::Regular, 40.0, 0.0);
        let fitted = fonts.fit(text, style, plain);
        assert!(fitted.size < 40.0);
        assert!(fitted.width <= plain);
    }

    #[test]
    fn a_cut_never_separates_a_letter_from_its_mark() {
        let fonts = fonts();
        // Marks that have no precomposed form stay combining after NFC.
        let text = "q\u{0323}".repeat(50);
        let fitted = fonts.fit(&text, Style::new(Weight::Regular, 30.0, 30.0), 200.0);
        let body = fitted.text.trim_end_matches('…');
        assert!(body.ends_with('\u{0323}'), "{body:?}");
        assert!(fitted.width <= 200.0);
    }
}

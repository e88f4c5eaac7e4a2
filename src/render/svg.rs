//! A small SVG writer: the document frame and the few elements the templates
//! draw. Text goes in only as a [`Fitted`] line, escaped here, so no caller
//! string reaches the SVG unescaped or unmeasured.

use std::fmt::Write;

use super::text::{FAMILY, Fitted, Weight, escape};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn css(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// How a line of text is painted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paint {
    pub weight: Weight,
    pub fill: &'static str,
    pub anchor: Anchor,
    pub letter_spacing: f32,
}

impl Paint {
    pub(crate) const fn new(weight: Weight, fill: &'static str, anchor: Anchor) -> Self {
        Paint {
            weight,
            fill,
            anchor,
            letter_spacing: 0.0,
        }
    }
}

pub(crate) struct Svg {
    out: String,
}

impl Svg {
    pub(crate) fn new(width: u32, height: u32, background: &str) -> Self {
        let mut out = String::with_capacity(16 * 1024);
        // Writing to a String cannot fail; the results are ignored throughout.
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{FAMILY}">"#
        );
        let _ = write!(
            out,
            r#"<rect width="{width}" height="{height}" fill="{background}"/>"#
        );
        Svg { out }
    }

    /// Appends markup the template wrote itself (shapes, never caller text).
    pub(crate) fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    pub(crate) fn text(&mut self, x: f32, y: f32, line: &Fitted, paint: Paint) {
        if line.text.is_empty() {
            return;
        }
        let spacing = if paint.letter_spacing > 0.0 {
            format!(r#" letter-spacing="{:.1}""#, paint.letter_spacing)
        } else {
            String::new()
        };
        let _ = write!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{:.2}" font-weight="{}" fill="{}" text-anchor="{}"{spacing}>{}</text>"#,
            line.size,
            paint.weight.css(),
            paint.fill,
            paint.anchor.css(),
            escape(&line.text),
        );
    }

    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" {attrs}/>"#
        );
    }

    pub(crate) fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, attrs: &str) {
        let _ = write!(
            self.out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" {attrs}/>"#
        );
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push_str("</svg>");
        self.out
    }
}

//! The certificate of completion: what a caller passes in
//! ([`CertificateView`]) and the SVG template it is drawn with.
//!
//! Landscape 1600×1131 (the A-series ratio, so it also prints well), with
//! the name as the largest line. Every line is fitted to the room it has:
//! it shrinks to a floor size and is then cut with "…", so nothing a caller
//! passes can leave the frame.

use std::f32::consts::PI;
use std::fmt::Write;

use super::svg::{Anchor, Paint, Svg};
use super::text::{Fitted, Fonts, Style, Weight};

pub(crate) const WIDTH: u32 = 1600;
pub(crate) const HEIGHT: u32 = 1131;
const W: f32 = WIDTH as f32;
const CENTRE: f32 = W / 2.0;
/// Width available to centred lines inside the frame and its ornaments.
const TEXT_WIDTH: f32 = 1240.0;

/// Everything a certificate says, already translated and formatted.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateView {
    /// The movement's name, e.g. "Bình dân học vụ số".
    pub movement: String,
    /// E.g. "GIẤY CHỨNG NHẬN HOÀN THÀNH".
    pub heading_vi: String,
    /// E.g. "Certificate of completion"; may be empty.
    pub heading_en: String,
    /// E.g. "Trao cho" / "Awarded to".
    pub awarded_to: String,
    pub name: String,
    /// Where the learner lives, under the name, when they chose an area.
    pub area: Option<String>,
    /// The topic's title line; the caller may make it bilingual.
    pub topic: String,
    pub lessons: Vec<CertificateLine>,
    /// E.g. "Cấp ngày 12/11/2026".
    pub issued: String,
    /// E.g. "Mã xác nhận".
    pub code_label: String,
    pub code: String,
    /// How to check the code, e.g. "Kiểm tra mã: gửi /kiemtra MÃ cho bot".
    pub verify_hint: String,
    pub kind: CertificateKind,
}

/// One completed lesson (or, on an overall certificate, one topic).
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateLine {
    pub title: String,
    /// E.g. "12/11/2026 · 3/3".
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKind {
    /// One topic completed.
    Topic,
    /// The basic digital skills certificate: every core topic completed.
    Overall,
}

/// The colours that tell the two kinds apart at a glance.
struct Palette {
    background: &'static str,
    accent: &'static str,
    gold: &'static str,
    ink: &'static str,
    muted: &'static str,
}

impl CertificateKind {
    fn palette(self) -> Palette {
        match self {
            CertificateKind::Topic => Palette {
                background: "#fdfaf2",
                accent: "#1d4e89",
                gold: "#b8912f",
                ink: "#1f2328",
                muted: "#4a4f57",
            },
            CertificateKind::Overall => Palette {
                background: "#fdf6e6",
                accent: "#9b1c1c",
                gold: "#c0932a",
                ink: "#1f1a17",
                muted: "#51473f",
            },
        }
    }
}

// Line styles: preferred size and the floor a line may shrink to. The
// floors keep every line readable on a phone; past them a line is cut.
const MOVEMENT: Style = Style::new(Weight::Bold, 32.0, 22.0).spaced(3.0);
const HEADING_VI: Style = Style::new(Weight::Bold, 62.0, 34.0);
const HEADING_EN: Style = Style::new(Weight::Regular, 34.0, 24.0);
const AWARDED: Style = Style::new(Weight::Regular, 32.0, 24.0);
const NAME: Style = Style::new(Weight::Bold, 92.0, 44.0);
const TOPIC: Style = Style::new(Weight::Bold, 40.0, 26.0);
const AREA: Style = Style::new(Weight::Regular, 26.0, 18.0);
const FOOTER: Style = Style::new(Weight::Regular, 30.0, 22.0);
const CODE: Style = Style::new(Weight::Bold, 30.0, 22.0);
const HINT: Style = Style::new(Weight::Regular, 24.0, 18.0);

pub(crate) fn svg(fonts: &Fonts, view: &CertificateView) -> String {
    let palette = view.kind.palette();
    let mut svg = Svg::new(WIDTH, HEIGHT, palette.background);
    frame(&mut svg, &palette);
    header(&mut svg, fonts, view, &palette);
    recipient(&mut svg, fonts, view, &palette);
    let lines: Vec<CertificateLine> = view
        .lessons
        .iter()
        .map(|l| CertificateLine {
            title: fonts.clean(&l.title),
            detail: fonts.clean(&l.detail),
        })
        .collect();
    lessons(&mut svg, fonts, &lines, &palette);
    footer(&mut svg, fonts, view, &palette);
    seal(&mut svg, view.kind, &palette);
    svg.finish()
}

fn fit(fonts: &Fonts, raw: &str, style: Style, width: f32) -> Fitted {
    fonts.fit(&fonts.clean(raw), style, width)
}

fn centred(svg: &mut Svg, y: f32, line: &Fitted, style: Style, fill: &'static str) {
    let paint = Paint {
        letter_spacing: style.letter_spacing,
        ..Paint::new(style.weight, fill, Anchor::Middle)
    };
    svg.text(CENTRE, y, line, paint);
}

/// A double border in the accent colour and gold, with corner ornaments.
fn frame(svg: &mut Svg, p: &Palette) {
    let (w, h) = (W, HEIGHT as f32);
    svg.rect(24.0, 24.0, w - 48.0, h - 48.0, &stroke(p.accent, 14.0));
    svg.rect(50.0, 50.0, w - 100.0, h - 100.0, &stroke(p.gold, 3.0));
    svg.rect(60.0, 60.0, w - 120.0, h - 120.0, &stroke(p.gold, 1.2));
    let corner = format!(
        r#"<path d="M0 64 A64 64 0 0 1 64 0" {s}/><path d="M0 96 A96 96 0 0 1 96 0" {t}/><rect x="20" y="20" width="16" height="16" transform="rotate(45 28 28)" fill="{gold}"/>"#,
        s = stroke(p.gold, 3.0),
        t = stroke(p.gold, 1.2),
        gold = p.gold,
    );
    for (x, y, sx, sy) in [
        (60.0, 60.0, 1, 1),
        (w - 60.0, 60.0, -1, 1),
        (60.0, h - 60.0, 1, -1),
        (w - 60.0, h - 60.0, -1, -1),
    ] {
        svg.raw(&format!(
            r#"<g transform="translate({x} {y}) scale({sx} {sy})">{corner}</g>"#
        ));
    }
}

fn stroke(colour: &str, width: f32) -> String {
    format!(r#"fill="none" stroke="{colour}" stroke-width="{width}""#)
}

/// The movement's name between two gold rules, then the two headings.
fn header(svg: &mut Svg, fonts: &Fonts, view: &CertificateView, p: &Palette) {
    let movement = fit(fonts, &view.movement, MOVEMENT, 900.0);
    centred(svg, 138.0, &movement, MOVEMENT, p.accent);
    if !movement.text.is_empty() {
        let half = movement.width / 2.0 + 24.0;
        let rule = stroke(p.gold, 2.5);
        svg.line(CENTRE - half - 150.0, 127.0, CENTRE - half, 127.0, &rule);
        svg.line(CENTRE + half, 127.0, CENTRE + half + 150.0, 127.0, &rule);
    }
    let heading = fit(fonts, &view.heading_vi, HEADING_VI, TEXT_WIDTH);
    centred(svg, 230.0, &heading, HEADING_VI, p.accent);
    let english = fit(fonts, &view.heading_en, HEADING_EN, TEXT_WIDTH);
    centred(svg, 284.0, &english, HEADING_EN, p.muted);
    divider(svg, 322.0, p);
}

/// A short gold rule with a diamond in the middle.
fn divider(svg: &mut Svg, y: f32, p: &Palette) {
    let rule = stroke(p.gold, 2.0);
    svg.line(CENTRE - 190.0, y, CENTRE - 18.0, y, &rule);
    svg.line(CENTRE + 18.0, y, CENTRE + 190.0, y, &rule);
    svg.rect(
        CENTRE - 7.0,
        y - 7.0,
        14.0,
        14.0,
        &format!(r#"fill="{}" transform="rotate(45 {CENTRE} {y})""#, p.gold),
    );
}

fn recipient(svg: &mut Svg, fonts: &Fonts, view: &CertificateView, p: &Palette) {
    // With an area under the name, the block moves up to make room for it
    // above the topic, which keeps clear of the lesson list.
    let area = view.area.as_deref().filter(|a| !a.trim().is_empty());
    let (awarded_y, name_y, rule_y, topic_y) = if area.is_some() {
        (372.0, 468.0, 502.0, 586.0)
    } else {
        (388.0, 486.0, 522.0, 572.0)
    };
    let awarded = fit(fonts, &view.awarded_to, AWARDED, TEXT_WIDTH);
    centred(svg, awarded_y, &awarded, AWARDED, p.muted);
    let name = fit(fonts, &view.name, NAME, TEXT_WIDTH);
    centred(svg, name_y, &name, NAME, p.ink);
    let underline = (name.width / 2.0 + 40.0).clamp(260.0, TEXT_WIDTH / 2.0);
    svg.line(
        CENTRE - underline,
        rule_y,
        CENTRE + underline,
        rule_y,
        &stroke(p.gold, 2.0),
    );
    if let Some(area) = area {
        let line = fit(fonts, area, AREA, TEXT_WIDTH);
        centred(svg, 538.0, &line, AREA, p.muted);
    }
    let topic = fit(fonts, &view.topic, TOPIC, TEXT_WIDTH);
    centred(svg, topic_y, &topic, TOPIC, p.accent);
}

/// Where the lesson list may draw: between the topic and the footer, clear
/// of the seal in the lower right corner.
const LIST_TOP: f32 = 604.0;
const LIST_BOTTOM: f32 = 900.0;
const LIST_LEFT: f32 = 190.0;
const LIST_RIGHT: f32 = 1410.0;
const COLUMN_GAP: f32 = 50.0;
const ONE_COLUMN_MAX: usize = 6;
/// The smallest title size; rows are not made smaller than it needs, and
/// when more lines are given than such rows hold, the list ends with "…".
const LIST_FONT_MIN: f32 = 20.0;
/// The smallest detail (date, score) size: the one line kept small.
const DETAIL_FONT_MIN: f32 = 17.0;

/// How the lesson lines are laid out: columns, rows and the row height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ListLayout {
    pub columns: usize,
    pub rows: usize,
    pub row_height: f32,
    /// How many lines are drawn; when fewer than given, the last slot says "…".
    pub shown: usize,
}

impl ListLayout {
    pub(crate) fn for_lines(n: usize) -> Self {
        let columns = if n <= ONE_COLUMN_MAX { 1 } else { 2 };
        let probe = ListLayout {
            columns,
            rows: 1,
            row_height: 0.0,
            shown: 0,
        };
        let height = LIST_BOTTOM - LIST_TOP;
        let max_rows = (height / (LIST_FONT_MIN / probe.title_share())).floor() as usize;
        let rows = n.div_ceil(columns).clamp(1, max_rows);
        let row_height = (height / rows as f32).min(probe.row_max());
        ListLayout {
            columns,
            rows,
            row_height,
            shown: n.min(rows * columns),
        }
    }

    /// Two columns are narrow, so each item there puts its detail on a
    /// second, smaller line under the title instead of beside it.
    fn stacked(self) -> bool {
        self.columns > 1
    }

    /// The title's size as a share of the row height.
    fn title_share(self) -> f32 {
        if self.stacked() { 0.44 } else { 0.6 }
    }

    fn row_max(self) -> f32 {
        if self.stacked() { 66.0 } else { 50.0 }
    }

    fn font_size(self) -> f32 {
        (self.row_height * self.title_share()).clamp(LIST_FONT_MIN, 30.0)
    }

    /// Left edge and width of a column.
    fn column(self, index: usize) -> (f32, f32) {
        if self.columns == 1 {
            // One column reads better narrower than the whole frame.
            let width = 1040.0;
            return (CENTRE - width / 2.0, width);
        }
        let width = (LIST_RIGHT - LIST_LEFT - COLUMN_GAP) / 2.0;
        (LIST_LEFT + index as f32 * (width + COLUMN_GAP), width)
    }
}

/// One size for every title and one for every detail, so the list looks
/// even: the size at which the longest line fits, down to a floor.
#[derive(Debug, Clone, Copy)]
struct ItemSizes {
    title: f32,
    detail: f32,
    /// Room kept for the detail beside the title (one column only).
    detail_room: f32,
}

const BULLET_ROOM: f32 = 14.0;

fn item_sizes(fonts: &Fonts, lines: &[CertificateLine], layout: ListLayout) -> ItemSizes {
    let size = layout.font_size();
    let (_, width) = layout.column(0);
    let room = width - size - BULLET_ROOM;
    let uniform = |texts: &mut dyn Iterator<Item = &str>, style: Style, room: f32| {
        texts
            .map(|t| fonts.fit(t, style, room).size)
            .fold(style.size, f32::min)
    };
    if layout.stacked() {
        let title = Style::new(Weight::Regular, size, (size * 0.85).max(LIST_FONT_MIN));
        let detail = Style::new(
            Weight::Regular,
            size * 0.8,
            (size * 0.7).max(DETAIL_FONT_MIN),
        );
        return ItemSizes {
            title: uniform(&mut lines.iter().map(|l| l.title.as_str()), title, room),
            detail: uniform(&mut lines.iter().map(|l| l.detail.as_str()), detail, room),
            detail_room: 0.0,
        };
    }
    let detail_style = Style::new(Weight::Regular, size, (size * 0.8).max(DETAIL_FONT_MIN));
    let detail = uniform(
        &mut lines.iter().map(|l| l.detail.as_str()),
        detail_style,
        room * 0.42,
    );
    let detail_room = lines
        .iter()
        .map(|l| fonts.measure(&l.detail, Weight::Regular, detail, 0.0) + 24.0)
        .fold(0.0, f32::max)
        .min(room * 0.42 + 24.0);
    let title_style = Style::new(Weight::Regular, size, (size * 0.85).max(LIST_FONT_MIN));
    let title = uniform(
        &mut lines.iter().map(|l| l.title.as_str()),
        title_style,
        room - detail_room,
    );
    ItemSizes {
        title,
        detail,
        detail_room,
    }
}

fn lessons(svg: &mut Svg, fonts: &Fonts, lines: &[CertificateLine], p: &Palette) {
    let layout = ListLayout::for_lines(lines.len());
    let shown = &lines[..layout.shown];
    let sizes = item_sizes(fonts, shown, layout);
    // Centre the block vertically when it is shorter than the room.
    let used_rows = layout.rows.min(lines.len().div_ceil(layout.columns));
    let top = LIST_TOP + (LIST_BOTTOM - LIST_TOP - used_rows as f32 * layout.row_height) / 2.0;
    let slots = layout.rows * layout.columns;
    for (i, line) in shown.iter().enumerate() {
        let (column, row) = (i / layout.rows, i % layout.rows);
        let (x, width) = layout.column(column);
        let row_top = top + row as f32 * layout.row_height;
        if i + 1 == slots && lines.len() > slots {
            let more = Style::new(Weight::Bold, sizes.title, sizes.title);
            let more = fonts.fit("…", more, width);
            let baseline = row_top + layout.row_height * 0.6;
            svg.text(
                x + sizes.title + BULLET_ROOM,
                baseline,
                &more,
                Paint::new(Weight::Bold, p.muted, Anchor::Start),
            );
            break;
        }
        let item = Item {
            x,
            top: row_top,
            width,
            height: layout.row_height,
        };
        if layout.stacked() {
            stacked_item(svg, fonts, line, item, sizes, p);
        } else {
            inline_item(svg, fonts, line, item, sizes, p);
        }
    }
}

/// The box one list item is drawn in.
#[derive(Debug, Clone, Copy)]
struct Item {
    x: f32,
    top: f32,
    width: f32,
    height: f32,
}

/// Title on the left, detail aligned right on the same line.
fn inline_item(
    svg: &mut Svg,
    fonts: &Fonts,
    line: &CertificateLine,
    item: Item,
    sizes: ItemSizes,
    p: &Palette,
) {
    let baseline = item.top + item.height * 0.5 + sizes.title * 0.36;
    let text_x = bullet(svg, item.x, baseline, sizes.title, p);
    let room = item.x + item.width - text_x - sizes.detail_room;
    let title = fonts.fit(
        &line.title,
        Style::new(Weight::Regular, sizes.title, sizes.title),
        room,
    );
    svg.text(
        text_x,
        baseline,
        &title,
        Paint::new(Weight::Regular, p.ink, Anchor::Start),
    );
    let detail_style = Style::new(Weight::Regular, sizes.detail, sizes.detail);
    let detail = fonts.fit(
        &line.detail,
        detail_style,
        (sizes.detail_room - 24.0).max(0.0),
    );
    svg.text(
        item.x + item.width,
        baseline,
        &detail,
        Paint::new(Weight::Regular, p.muted, Anchor::End),
    );
}

/// Title on one line, detail under it in smaller type.
fn stacked_item(
    svg: &mut Svg,
    fonts: &Fonts,
    line: &CertificateLine,
    item: Item,
    sizes: ItemSizes,
    p: &Palette,
) {
    let block = sizes.title + sizes.detail * 1.15;
    let baseline = item.top + (item.height - block) / 2.0 + sizes.title * 0.85;
    let text_x = bullet(svg, item.x, baseline, sizes.title, p);
    let room = item.x + item.width - text_x;
    let title = fonts.fit(
        &line.title,
        Style::new(Weight::Regular, sizes.title, sizes.title),
        room,
    );
    svg.text(
        text_x,
        baseline,
        &title,
        Paint::new(Weight::Regular, p.ink, Anchor::Start),
    );
    let detail_style = Style::new(Weight::Regular, sizes.detail, sizes.detail);
    let detail = fonts.fit(&line.detail, detail_style, room);
    svg.text(
        text_x,
        baseline + sizes.detail * 1.2,
        &detail,
        Paint::new(Weight::Regular, p.muted, Anchor::Start),
    );
}

/// A check mark in a disc, sitting on the title's line; returns where the
/// title starts.
fn bullet(svg: &mut Svg, x: f32, baseline: f32, size: f32, p: &Palette) -> f32 {
    let r = size * 0.5;
    let (cx, cy) = (x + r, baseline - size * 0.36);
    svg.raw(&format!(
        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}" fill="{accent}"/><path d="M{x1:.1} {y1:.1} L{x2:.1} {y2:.1} L{x3:.1} {y3:.1}" fill="none" stroke="white" stroke-width="{sw:.1}" stroke-linecap="round" stroke-linejoin="round"/>"#,
        accent = p.accent,
        x1 = cx - r * 0.45,
        y1 = cy + r * 0.02,
        x2 = cx - r * 0.1,
        y2 = cy + r * 0.38,
        x3 = cx + r * 0.5,
        y3 = cy - r * 0.35,
        sw = r * 0.28,
    ));
    x + 2.0 * r + BULLET_ROOM
}

/// Issue date, verification code and how to check it, at the lower left.
fn footer(svg: &mut Svg, fonts: &Fonts, view: &CertificateView, p: &Palette) {
    const X: f32 = 150.0;
    const ROOM: f32 = 1080.0;
    let issued = fit(fonts, &view.issued, FOOTER, ROOM);
    svg.text(
        X,
        962.0,
        &issued,
        Paint::new(Weight::Regular, p.ink, Anchor::Start),
    );
    code_line(svg, fonts, view, p, (X, 1008.0, ROOM));
    let hint = fit(fonts, &view.verify_hint, HINT, ROOM);
    svg.text(
        X,
        1046.0,
        &hint,
        Paint::new(Weight::Regular, p.muted, Anchor::Start),
    );
}

/// "Label: CODE" with the code in bold; the code keeps its room first, as
/// it is the part someone must be able to type back.
fn code_line(
    svg: &mut Svg,
    fonts: &Fonts,
    view: &CertificateView,
    p: &Palette,
    at: (f32, f32, f32),
) {
    let (x, y, room) = at;
    let code = fit(fonts, &view.code, CODE, room);
    let label_room = (room - code.width - 14.0).max(0.0);
    let label_style = Style::new(Weight::Regular, code.size, FOOTER.min_size);
    let label = fit(fonts, &view.code_label, label_style, label_room);
    svg.text(
        x,
        y,
        &label,
        Paint::new(Weight::Regular, p.muted, Anchor::Start),
    );
    let code_x = if label.text.is_empty() {
        x
    } else {
        x + label.width + 14.0
    };
    svg.text(
        code_x,
        y,
        &code,
        Paint::new(Weight::Bold, p.ink, Anchor::Start),
    );
}

/// A rosette with ribbons: blue with a check mark for a topic, red and gold
/// with a star for the overall certificate.
fn seal(svg: &mut Svg, kind: CertificateKind, p: &Palette) {
    let (cx, cy, r) = (1378.0_f32, 968.0_f32, 70.0_f32);
    let mut out = String::new();
    let ribbon = p.accent;
    let _ = write!(
        out,
        r#"<path d="M{a} {b} L{c} {d} L{e} {f} L{g} {h} Z" fill="{ribbon}"/><path d="M{i} {b} L{j} {d} L{k} {f} L{l} {h} Z" fill="{ribbon}"/>"#,
        a = cx - 40.0,
        b = cy + 20.0,
        c = cx - 62.0,
        d = cy + 100.0,
        e = cx - 40.0,
        f = cy + 88.0,
        g = cx - 18.0,
        h = cy + 100.0,
        i = cx + 40.0,
        j = cx + 62.0,
        k = cx + 40.0,
        l = cx + 18.0,
    );
    let (outer, inner) = match kind {
        CertificateKind::Topic => (p.accent, p.gold),
        CertificateKind::Overall => (p.gold, p.accent),
    };
    let _ = write!(
        out,
        r#"<polygon points="{burst}" fill="{outer}"/><circle cx="{cx}" cy="{cy}" r="{r1}" fill="{inner}"/><circle cx="{cx}" cy="{cy}" r="{r2}" fill="none" stroke="white" stroke-opacity="0.8" stroke-width="2"/>"#,
        burst = burst(cx, cy, r, r * 0.9, 36),
        r1 = r * 0.74,
        r2 = r * 0.64,
    );
    match kind {
        CertificateKind::Topic => {
            let _ = write!(
                out,
                r#"<path d="M{x1} {y1} L{x2} {y2} L{x3} {y3}" fill="none" stroke="white" stroke-width="10" stroke-linecap="round" stroke-linejoin="round"/>"#,
                x1 = cx - 22.0,
                y1 = cy + 2.0,
                x2 = cx - 6.0,
                y2 = cy + 18.0,
                x3 = cx + 24.0,
                y3 = cy - 16.0,
            );
        }
        CertificateKind::Overall => {
            let _ = write!(
                out,
                r#"<polygon points="{}" fill="{STAR}"/>"#,
                star(cx, cy + 2.0, r * 0.5, r * 0.2),
            );
        }
    }
    svg.raw(&out);
}

/// The star's yellow: brighter than the frame's gold, so it reads on red.
const STAR: &str = "#f6d35b";

/// Points alternating between two radii around a centre: a rosette's
/// scalloped edge (many points) or a star (five).
fn burst(cx: f32, cy: f32, outer: f32, inner: f32, points: usize) -> String {
    let mut out = String::new();
    for i in 0..points * 2 {
        let radius = if i % 2 == 0 { outer } else { inner };
        let angle = -PI / 2.0 + i as f32 * PI / points as f32;
        let _ = write!(
            out,
            "{:.1},{:.1} ",
            cx + radius * angle.cos(),
            cy + radius * angle.sin()
        );
    }
    out
}

fn star(cx: f32, cy: f32, outer: f32, inner: f32) -> String {
    burst(cx, cy, outer, inner, 5)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{pixel, png_size, renderer};
    use super::*;

    pub(crate) fn view(kind: CertificateKind) -> CertificateView {
        CertificateView {
            movement: "Bình dân học vụ số".into(),
            heading_vi: "GIẤY CHỨNG NHẬN HOÀN THÀNH".into(),
            heading_en: "Certificate of completion".into(),
            awarded_to: "Trao cho · Awarded to".into(),
            name: "Nguyễn Thị Hằng".into(),
            area: None,
            topic: "Dịch vụ công trực tuyến · Online public services".into(),
            lessons: vec![
                CertificateLine {
                    title: "Tài khoản định danh điện tử VNeID".into(),
                    detail: "12/11/2026 · 3/3".into(),
                },
                CertificateLine {
                    title: "Nộp hồ sơ trên Cổng Dịch vụ công quốc gia".into(),
                    detail: "13/11/2026 · 2/3".into(),
                },
                CertificateLine {
                    title: "Thanh toán lệ phí trực tuyến".into(),
                    detail: "14/11/2026 · 3/3".into(),
                },
            ],
            issued: "Cấp ngày 14/11/2026 · Issued 14/11/2026".into(),
            code_label: "Mã xác nhận · Code:".into(),
            code: "HV-7K3Q-9XPD".into(),
            verify_hint:
                "Kiểm tra mã: gửi /kiemtra HV-7K3Q-9XPD cho bot · Check it by sending /verify"
                    .into(),
            kind,
        }
    }

    #[test]
    fn certificate_png_has_the_landscape_size() {
        let png = renderer()
            .certificate_png(&view(CertificateKind::Topic))
            .unwrap();
        assert_eq!(png_size(&png), (1600, 1131));
    }

    #[test]
    fn svg_says_the_name_topic_and_code() {
        let svg = renderer().certificate_svg(&view(CertificateKind::Topic));
        assert!(svg.contains(">Nguyễn Thị Hằng</text>"));
        assert!(svg.contains(">Dịch vụ công trực tuyến · Online public services</text>"));
        assert!(svg.contains(">HV-7K3Q-9XPD</text>"));
        assert!(svg.contains(">Bình dân học vụ số</text>"));
        assert!(svg.contains(">12/11/2026 · 3/3</text>"));
    }

    #[test]
    fn the_area_is_printed_under_the_name_when_there_is_one() {
        let r = renderer();
        let mut v = view(CertificateKind::Topic);
        assert!(!r.certificate_svg(&v).contains("Phường Hoa Sen"));
        v.area = Some("Tổ dân phố 1, Phường Hoa Sen, Tỉnh Mẫu".into());
        let svg = r.certificate_svg(&v);
        assert!(
            svg.contains("Tổ dân phố 1, Phường Hoa Sen, Tỉnh Mẫu"),
            "{svg}"
        );
        assert!(r.certificate_png(&v).unwrap().starts_with(b"\x89PNG"));
    }

    #[test]
    fn caller_text_is_escaped_in_the_svg() {
        let mut v = view(CertificateKind::Topic);
        v.name = r#"<script>&"Bà' Tư"#.into();
        v.topic = "a < b & c > d".into();
        let svg = renderer().certificate_svg(&v);
        assert!(svg.contains(">&lt;script&gt;&amp;&quot;Bà&apos; Tư</text>"));
        assert!(svg.contains(">a &lt; b &amp; c &gt; d</text>"));
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn a_hostile_name_still_renders() {
        let mut v = view(CertificateKind::Overall);
        let mut name = String::from("<&>\"' 👵🏻‍💻 Nguye\u{0302}\u{0303}n \u{202E}مرحبا\u{7} ");
        while name.chars().count() < 300 {
            name.push_str("Thị Ẵ ");
        }
        v.name = name;
        let r = renderer();
        let svg = r.certificate_svg(&v);
        assert!(svg.contains(">&lt;&amp;&gt;&quot;&apos; Nguyễn Thị"));
        assert!(svg.contains("…</text>"));
        let png = r.certificate_png(&v).unwrap();
        assert_eq!(png_size(&png), (WIDTH, HEIGHT));
    }

    #[test]
    fn the_two_kinds_look_different() {
        let r = renderer();
        let topic = r.certificate_svg(&view(CertificateKind::Topic));
        let overall = r.certificate_svg(&view(CertificateKind::Overall));
        assert!(topic.contains(CertificateKind::Topic.palette().accent));
        assert!(overall.contains(CertificateKind::Overall.palette().accent));
        assert!(!overall.contains(CertificateKind::Topic.palette().accent));
        // And in pixels: the outer frame is drawn in each kind's accent.
        let frame = |kind| pixel(&r.certificate_png(&view(kind)).unwrap(), 30, 500);
        assert_eq!(frame(CertificateKind::Topic), [0x1d, 0x4e, 0x89]);
        assert_eq!(frame(CertificateKind::Overall), [0x9b, 0x1c, 0x1c]);
    }

    #[test]
    fn lesson_lists_use_one_column_then_two_then_stop_with_an_ellipsis() {
        let one = ListLayout::for_lines(3);
        assert_eq!((one.columns, one.rows, one.shown), (1, 3, 3));
        let ten = ListLayout::for_lines(10);
        assert_eq!((ten.columns, ten.rows, ten.shown), (2, 5, 10));
        assert!(ten.font_size() >= 26.0);
        let many = ListLayout::for_lines(200);
        assert_eq!(many.columns, 2);
        assert!(many.shown < 200);
        assert!(many.font_size() >= LIST_FONT_MIN);
        // Never taller than the room, whatever the count.
        for n in [0, 1, 6, 7, 12, 13, 25, 200] {
            let l = ListLayout::for_lines(n);
            assert!(
                l.rows as f32 * l.row_height <= LIST_BOTTOM - LIST_TOP + 0.01,
                "{n}"
            );
        }
    }

    #[test]
    fn many_long_lessons_render() {
        let mut v = view(CertificateKind::Overall);
        v.lessons = (1..=30)
            .map(|i| CertificateLine {
                title: format!(
                    "Bài {i}: cách dùng ứng dụng ngân hàng và ví điện tử an toàn cho gia đình"
                ),
                detail: "12/11/2026 · 3/3".into(),
            })
            .collect();
        let r = renderer();
        let svg = r.certificate_svg(&v);
        assert!(svg.contains(">…</text>"));
        assert_eq!(png_size(&r.certificate_png(&v).unwrap()), (WIDTH, HEIGHT));
    }

    /// Writes sample certificates to /tmp to look at them:
    /// `cargo test --lib render -- --ignored write_samples`.
    #[test]
    #[ignore]
    fn write_samples() {
        let r = renderer();
        let topic = view(CertificateKind::Topic);
        std::fs::write("/tmp/cert-topic.png", r.certificate_png(&topic).unwrap()).unwrap();
        let mut overall = view(CertificateKind::Overall);
        overall.heading_vi = "CHỨNG NHẬN KỸ NĂNG SỐ CƠ BẢN".into();
        overall.heading_en = "Basic digital skills certificate".into();
        overall.topic = "Đã hoàn thành các chủ đề · Topics completed".into();
        overall.lessons = [
            "Làm quen với điện thoại thông minh",
            "Nhắn tin và gọi video với Zalo",
            "Tài khoản định danh điện tử VNeID",
            "Dịch vụ công trực tuyến",
            "Thanh toán không dùng tiền mặt",
            "Nhận biết và phòng tránh lừa đảo trên mạng",
            "Tìm kiếm thông tin trên Internet",
            "Bảo vệ thông tin cá nhân",
            "Chăm sóc sức khỏe qua ứng dụng",
            "Học tập trực tuyến suốt đời",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| CertificateLine {
            title: (*t).into(),
            detail: format!("{:02}/11/2026", i + 3),
        })
        .collect();
        overall.name = "Công Tằng Tôn Nữ Thị Phương Thảo Nguyên".into();
        std::fs::write(
            "/tmp/cert-overall.png",
            r.certificate_png(&overall).unwrap(),
        )
        .unwrap();
        let mut long = view(CertificateKind::Topic);
        long.name = "<&> Nguye\u{0302}\u{0303}n 👵 ".repeat(30);
        long.lessons = (1..=30)
            .map(|i| CertificateLine {
                title: format!(
                    "Bài {i}: dùng ví điện tử an toàn, không chia sẻ mã OTP cho bất kỳ ai"
                ),
                detail: format!("{:02}/11/2026 · 3/3", i),
            })
            .collect();
        std::fs::write("/tmp/cert-long.png", r.certificate_png(&long).unwrap()).unwrap();
    }
}

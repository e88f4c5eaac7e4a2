//! The statistics chart: what a caller passes in ([`ChartView`]) and the SVG
//! template it is drawn with.
//!
//! Horizontal bars, one row per area, so long Vietnamese area names sit on
//! the left where they have room. Each bar shows the share achieved against
//! a full-width track, with the area's target as a marker across it; a bar
//! at or past its target is green, one below it orange. The picture grows
//! taller with more rows instead of squeezing them, so labels stay readable.

use std::fmt::Write;

use super::svg::{Anchor, Paint, Svg};
use super::text::{Fonts, Style, Weight};

pub(crate) const WIDTH: u32 = 1200;
const W: f32 = WIDTH as f32;
const MARGIN: f32 = 40.0;
/// Where the first row starts, below the title, subtitle and legend.
const ROWS_TOP: f32 = 200.0;
/// Room under the rows for the percentage axis.
const AXIS_ROOM: f32 = 80.0;
const EMPTY_HEIGHT: u32 = 560;

const LABEL_WIDTH: f32 = 340.0;
const TRACK_LEFT: f32 = 400.0;
const TRACK_WIDTH: f32 = 440.0;
const CAPTION_RIGHT: f32 = W - MARGIN;
const CAPTION_WIDTH: f32 = CAPTION_RIGHT - (TRACK_LEFT + TRACK_WIDTH) - 24.0;

const INK: &str = "#1f2328";
const MUTED: &str = "#555b63";
const REACHED: &str = "#2e7d32";
const BELOW: &str = "#e07b00";
const TARGET: &str = "#1f2328";
const TRACK: &str = "#e8e6df";
const STRIPE: &str = "#f6f4ee";
const GRID: &str = "#d6d3ca";

const TITLE: Style = Style::new(Weight::Bold, 44.0, 28.0);
const SUBTITLE: Style = Style::new(Weight::Regular, 28.0, 20.0);
const LEGEND: Style = Style::new(Weight::Regular, 24.0, 18.0);
const AXIS_LABEL: Style = Style::new(Weight::Bold, 24.0, 18.0);

/// A bar chart of shares achieved against targets, already translated.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartView {
    pub title: String,
    pub subtitle: String,
    /// What the rows are, shown above the labels, e.g. "Xã / phường".
    pub y_label: Option<String>,
    pub bars: Vec<ChartBar>,
    /// The legend for the target marker, e.g. "Chỉ tiêu".
    pub target_label: String,
    /// Shown instead of bars when there are none.
    pub empty_text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartBar {
    /// The area's name.
    pub label: String,
    /// Share achieved, 0.0..=1.0; more is drawn as a full bar.
    pub value: f64,
    /// Share targeted, 0.0..=1.0.
    pub target: f64,
    /// The figures in words, e.g. "1.234 / 5.000 (24,7%)".
    pub caption: String,
}

/// Row height for a number of bars: generous for a few, tighter for many,
/// never so tight that labels drop below a readable size.
pub(crate) fn row_height(bars: usize) -> f32 {
    match bars {
        0..=12 => 72.0,
        13..=24 => 60.0,
        _ => 52.0,
    }
}

/// The picture's size for a number of bars.
pub(crate) fn size(bars: usize) -> (u32, u32) {
    if bars == 0 {
        return (WIDTH, EMPTY_HEIGHT);
    }
    let height = ROWS_TOP + bars as f32 * row_height(bars) + AXIS_ROOM;
    (WIDTH, height.ceil() as u32)
}

pub(crate) fn svg(fonts: &Fonts, view: &ChartView) -> String {
    let (width, height) = size(view.bars.len());
    let mut svg = Svg::new(width, height, "#ffffff");
    header(&mut svg, fonts, view);
    if view.bars.is_empty() {
        empty(&mut svg, fonts, &view.empty_text);
    } else {
        grid(&mut svg, view.bars.len());
        let row = row_height(view.bars.len());
        for (i, bar) in view.bars.iter().enumerate() {
            bar_row(&mut svg, fonts, bar, ROWS_TOP + i as f32 * row, row, i);
        }
    }
    svg.finish()
}

fn header(svg: &mut Svg, fonts: &Fonts, view: &ChartView) {
    let room = W - 2.0 * MARGIN;
    let title = fonts.fit(&fonts.clean(&view.title), TITLE, room);
    svg.text(
        MARGIN,
        72.0,
        &title,
        Paint::new(Weight::Bold, INK, Anchor::Start),
    );
    let subtitle = fonts.fit(&fonts.clean(&view.subtitle), SUBTITLE, room);
    svg.text(
        MARGIN,
        116.0,
        &subtitle,
        Paint::new(Weight::Regular, MUTED, Anchor::Start),
    );
    if view.bars.is_empty() {
        return;
    }
    if let Some(y_label) = &view.y_label {
        let label = fonts.fit(&fonts.clean(y_label), AXIS_LABEL, LABEL_WIDTH);
        svg.text(
            MARGIN,
            176.0,
            &label,
            Paint::new(Weight::Bold, MUTED, Anchor::Start),
        );
    }
    legend(svg, fonts, &view.target_label);
}

/// The target marker and its label, right-aligned above the bars.
fn legend(svg: &mut Svg, fonts: &Fonts, target_label: &str) {
    let label = fonts.fit(
        &fonts.clean(target_label),
        LEGEND,
        W - TRACK_LEFT - MARGIN - 40.0,
    );
    let x = W - MARGIN - label.width - 16.0;
    marker(svg, x, 152.0, 30.0);
    svg.text(
        W - MARGIN,
        176.0,
        &label,
        Paint::new(Weight::Regular, INK, Anchor::End),
    );
}

/// The target marker: a dark bar with a small triangle on top.
fn marker(svg: &mut Svg, x: f32, top: f32, height: f32) {
    svg.raw(&format!(
        r#"<rect x="{:.1}" y="{top:.1}" width="4" height="{height:.1}" fill="{TARGET}"/><polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{TARGET}"/>"#,
        x - 2.0,
        x - 8.0,
        top - 8.0,
        x + 8.0,
        top - 8.0,
        x,
        top + 2.0,
    ));
}

/// Vertical grid lines at every quarter, with 0%, 50% and 100% below.
fn grid(svg: &mut Svg, bars: usize) {
    let bottom = ROWS_TOP + bars as f32 * row_height(bars);
    for quarter in 0..=4 {
        let x = TRACK_LEFT + TRACK_WIDTH * quarter as f32 / 4.0;
        svg.line(
            x,
            ROWS_TOP - 6.0,
            x,
            bottom + 6.0,
            &format!(r#"stroke="{GRID}" stroke-width="1.5""#),
        );
    }
    let axis = Style::new(Weight::Regular, 22.0, 22.0);
    for (share, anchor) in [
        (0.0, Anchor::Start),
        (0.5, Anchor::Middle),
        (1.0, Anchor::End),
    ] {
        let x = TRACK_LEFT + TRACK_WIDTH * share;
        let text = format!("{}%", (share * 100.0) as u32);
        let tick = as_drawn(axis, &text);
        svg.text(
            x,
            bottom + 40.0,
            &tick,
            Paint::new(Weight::Regular, MUTED, anchor),
        );
    }
}

/// A template-made string (digits and "%") needs no cleaning or fitting.
fn as_drawn(style: Style, text: &str) -> super::text::Fitted {
    super::text::Fitted {
        text: text.to_owned(),
        size: style.size,
        width: 0.0,
    }
}

/// A share from a caller, made drawable: not a number counts as nothing,
/// and more than everything is a full bar.
fn share(value: f64) -> f32 {
    if value.is_finite() {
        value.clamp(0.0, 1.0) as f32
    } else {
        0.0
    }
}

fn bar_row(svg: &mut Svg, fonts: &Fonts, bar: &ChartBar, top: f32, row: f32, index: usize) {
    if index.is_multiple_of(2) {
        svg.rect(
            MARGIN - 16.0,
            top,
            W - 2.0 * MARGIN + 32.0,
            row,
            &format!(r#"fill="{STRIPE}""#),
        );
    }
    let label_size = (row * 0.42).round();
    let baseline = top + row / 2.0 + label_size * 0.36;
    let label_style = Style::new(Weight::Regular, label_size, 18.0);
    let label = fonts.fit(&fonts.clean(&bar.label), label_style, LABEL_WIDTH);
    svg.text(
        MARGIN,
        baseline,
        &label,
        Paint::new(Weight::Regular, INK, Anchor::Start),
    );

    let thickness = (row * 0.46).round();
    let bar_top = top + (row - thickness) / 2.0;
    svg.rect(
        TRACK_LEFT,
        bar_top,
        TRACK_WIDTH,
        thickness,
        &format!(r#"fill="{TRACK}" rx="4""#),
    );
    let (value, target) = (share(bar.value), share(bar.target));
    let colour = if value >= target { REACHED } else { BELOW };
    if value > 0.0 {
        // At least a sliver, so a tiny share is visibly more than none.
        let length = (TRACK_WIDTH * value).max(3.0);
        svg.rect(
            TRACK_LEFT,
            bar_top,
            length,
            thickness,
            &format!(r#"fill="{colour}" rx="4""#),
        );
    }
    marker(
        svg,
        TRACK_LEFT + TRACK_WIDTH * target,
        bar_top - 4.0,
        thickness + 8.0,
    );

    let caption_style = Style::new(Weight::Regular, (row * 0.4).round(), 16.0);
    let caption = fonts.fit(&fonts.clean(&bar.caption), caption_style, CAPTION_WIDTH);
    let caption_baseline = top + row / 2.0 + caption.size * 0.36;
    svg.text(
        CAPTION_RIGHT,
        caption_baseline,
        &caption,
        Paint::new(Weight::Regular, INK, Anchor::End),
    );
}

fn empty(svg: &mut Svg, fonts: &Fonts, empty_text: &str) {
    let (top, height) = (ROWS_TOP - 20.0, EMPTY_HEIGHT as f32 - ROWS_TOP - 20.0);
    let mut frame = String::new();
    let _ = write!(
        frame,
        r#"<rect x="{MARGIN}" y="{top}" width="{:.1}" height="{height}" rx="16" fill="{STRIPE}" stroke="{GRID}" stroke-width="2" stroke-dasharray="10 8"/>"#,
        W - 2.0 * MARGIN,
    );
    svg.raw(&frame);
    let style = Style::new(Weight::Regular, 34.0, 22.0);
    let text = fonts.fit(&fonts.clean(empty_text), style, W - 2.0 * MARGIN - 60.0);
    svg.text(
        W / 2.0,
        top + height / 2.0 + 12.0,
        &text,
        Paint::new(Weight::Regular, MUTED, Anchor::Middle),
    );
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{png_size, renderer};
    use super::*;

    const AREAS: [&str; 12] = [
        "Phường Hoàn Kiếm",
        "Xã Minh Châu",
        "Phường Bến Thành",
        "Xã Tân Phú Đông",
        "Đặc khu Phú Quốc",
        "Phường Hải Châu",
        "Xã Ea Tu",
        "Phường Thủ Dầu Một",
        "Xã Mường Nhé",
        "Phường Ninh Kiều",
        "Xã Đồng Văn",
        "Phường Vĩnh Yên",
    ];

    /// A caption the way a Vietnamese caller writes one: "1.850 / 5.000 (37,0%)".
    fn caption(value: f64) -> String {
        let done = (value * 5000.0).round() as u32;
        let done = if done >= 1000 {
            format!("{}.{:03}", done / 1000, done % 1000)
        } else {
            done.to_string()
        };
        let percent = format!("{:.1}", value * 100.0).replace('.', ",");
        format!("{done} / 5.000 ({percent}%)")
    }

    pub(crate) fn view(bars: usize) -> ChartView {
        ChartView {
            title: "Người học hoàn thành kỹ năng số cơ bản".into(),
            subtitle: "Tỉnh Hưng Yên · cập nhật 14/11/2026".into(),
            y_label: Some("Xã / phường".into()),
            bars: (0..bars)
                .map(|i| {
                    let value = (i * 37 % 100) as f64 / 100.0;
                    ChartBar {
                        label: format!("{} {}", AREAS[i % AREAS.len()], i + 1),
                        value,
                        target: 0.5,
                        caption: caption(value),
                    }
                })
                .collect(),
            target_label: "Chỉ tiêu năm 2026".into(),
            empty_text: "Chưa có số liệu".into(),
        }
    }

    #[test]
    fn charts_with_0_1_and_40_bars_render_at_their_size() {
        let r = renderer();
        for (bars, height) in [(0, 560), (1, 200 + 72 + 80), (40, 200 + 40 * 52 + 80)] {
            let png = r.chart_png(&view(bars)).unwrap();
            assert_eq!(png_size(&png), (WIDTH, height), "{bars} bars");
            assert_eq!(size(bars), (WIDTH, height));
        }
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = renderer().chart_svg(&view(0));
        assert!(svg.contains(">Chưa có số liệu</text>"));
        assert!(!svg.contains("Chỉ tiêu"));
    }

    #[test]
    fn rows_stay_readable_with_many_bars() {
        assert!(row_height(40) * 0.42 >= 21.0);
        assert!(row_height(1000) * 0.42 >= 21.0);
    }

    #[test]
    fn bars_at_or_past_target_are_green_and_below_orange() {
        let mut v = view(0);
        v.bars = vec![
            ChartBar {
                label: "A".into(),
                value: 0.3,
                target: 0.5,
                caption: "30%".into(),
            },
            ChartBar {
                label: "B".into(),
                value: 1.7,
                target: 0.5,
                caption: "170%".into(),
            },
        ];
        let svg = renderer().chart_svg(&v);
        let full = format!(r#"width="{TRACK_WIDTH:.1}" height="33.0" fill="{REACHED}""#);
        assert!(svg.contains(&full), "values over 1.0 are a full green bar");
        assert!(svg.contains(&format!(r#"fill="{BELOW}""#)));
    }

    #[test]
    fn shares_are_clamped_and_nan_is_nothing() {
        assert_eq!(share(1.7), 1.0);
        assert_eq!(share(-0.2), 0.0);
        assert_eq!(share(f64::NAN), 0.0);
        assert_eq!(share(f64::INFINITY), 0.0);
        assert_eq!(share(0.25), 0.25);
    }

    #[test]
    fn labels_and_captions_are_escaped_and_fitted() {
        let mut v = view(1);
        v.bars[0].label =
            "Xã <Tân & Phú> với một cái tên rất dài không thể nào vừa trong cột nhãn".into();
        let svg = renderer().chart_svg(&v);
        assert!(svg.contains("Xã &lt;Tân &amp; Phú&gt;"));
        assert!(svg.contains("…</text>"));
    }

    /// Writes a sample chart to /tmp to look at it:
    /// `cargo test --lib render -- --ignored write_samples`.
    #[test]
    #[ignore]
    fn write_samples() {
        let r = renderer();
        std::fs::write("/tmp/chart.png", r.chart_png(&view(12)).unwrap()).unwrap();
        std::fs::write("/tmp/chart-40.png", r.chart_png(&view(40)).unwrap()).unwrap();
        std::fs::write("/tmp/chart-0.png", r.chart_png(&view(0)).unwrap()).unwrap();
    }
}

//! The quarterly report as a real spreadsheet (`.xlsx`), for officials to
//! send on or paste into their unit's report: a summary laid out like a
//! report table (indicators as rows; target, achieved, share, gap), a sheet
//! by child area and a sheet by topic and lesson.
//!
//! Numbers are written as numbers and shares as percentages, so the file
//! can be summed and charted; headers come from the locales in the reader's
//! language; the period and area head every sheet, header rows are frozen
//! and columns sized for Vietnamese names. It knows the core's `Report` and
//! Fluent, never a chat platform or the store.

use rust_xlsxwriter::{
    ColNum, DocProperties, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet,
    XlsxError,
};

use crate::core::report::{Line, Report};
use crate::core::stats::quarter_parts;
use crate::core::{Arg, Attachment, Document, Lang, Text};
use crate::i18n::Localizer;

/// Rows above each sheet's table: title, unit, dates, a blank line.
const TABLE_TOP: RowNum = 4;
const PERCENT: &str = "0.0%";
const COUNT: &str = "#,##0";
/// Background of header rows, and of subtotal rows.
const HEADER_FILL: u32 = 0xDDE7F0;
const TOTAL_FILL: u32 = 0xF2F2F2;

/// The report as an `.xlsx` document; `None` (logged) if it cannot be made,
/// so the message still goes without its file.
pub fn document(localizer: &Localizer, lang: &Lang, report: &Report) -> Option<Document> {
    match write(localizer, lang, report) {
        Ok(content) => Some(Document {
            name: report.file_name(),
            content,
        }),
        Err(e) => {
            tracing::error!(error = %e, area = report.area, "cannot write the report spreadsheet");
            None
        }
    }
}

/// The attachment as a channel sends it: a report becomes its spreadsheet
/// (dropped, logged, if it cannot be written), anything else stays as it is.
pub fn as_document(
    localizer: &Localizer,
    lang: &Lang,
    attachment: Option<&Attachment>,
) -> Option<Attachment> {
    match attachment? {
        Attachment::Report(report) => document(localizer, lang, report).map(Attachment::Document),
        other => Some(other.clone()),
    }
}

/// The spreadsheet's bytes.
pub fn write(localizer: &Localizer, lang: &Lang, report: &Report) -> Result<Vec<u8>, XlsxError> {
    let words = Words { localizer, lang };
    let mut book = Workbook::new();
    let (year, quarter) = quarter_parts(report.quarter);
    let title = words.text(
        Text::new("xlsx-title")
            .arg("quarter", quarter as usize)
            .arg("year", year as usize),
    );
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("{title} – {}", report.area_path))
            .set_author("hocvuso"),
    );
    let styles = Styles::new();
    book.push_worksheet(summary(&words, &styles, report, &title)?);
    book.push_worksheet(by_area(&words, &styles, report, &title)?);
    book.push_worksheet(by_lesson(&words, &styles, report, &title)?);
    book.save_to_buffer()
}

struct Words<'a> {
    localizer: &'a Localizer,
    lang: &'a Lang,
}

impl Words<'_> {
    fn text(&self, text: Text) -> String {
        self.localizer.text(self.lang, &text)
    }

    fn key(&self, key: &'static str) -> String {
        self.text(Text::new(key))
    }

    /// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
    fn sheet_name(&self, key: &'static str) -> String {
        self.key(key)
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect()
    }
}

struct Styles {
    title: Format,
    subtitle: Format,
    header: Format,
    text: Format,
    wrapped: Format,
    count: Format,
    percent: Format,
    signed: Format,
    note: Format,
    total_text: Format,
    total_count: Format,
    total_percent: Format,
}

impl Styles {
    fn new() -> Self {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let total = cell.clone().set_bold().set_background_color(TOTAL_FILL);
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            subtitle: Format::new().set_italic(),
            header: cell
                .clone()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Center)
                .set_background_color(HEADER_FILL),
            text: cell.clone(),
            wrapped: cell.clone().set_text_wrap(),
            count: cell.clone().set_num_format(COUNT),
            percent: cell.clone().set_num_format(PERCENT),
            signed: cell.clone().set_num_format("+#,##0;-#,##0;0"),
            note: cell.clone().set_text_wrap().set_italic(),
            total_text: total.clone(),
            total_count: total.clone().set_num_format(COUNT),
            total_percent: total.set_num_format(PERCENT),
        }
    }
}

/// Title, unit and dates above a sheet's table.
fn heading(
    sheet: &mut Worksheet,
    words: &Words<'_>,
    styles: &Styles,
    report: &Report,
    title: &str,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(0, 0, title, &styles.title)?;
    sheet.write_string_with_format(
        1,
        0,
        words.text(Text::new("xlsx-unit").arg("area", report.area_path.clone())),
        &styles.subtitle,
    )?;
    sheet.write_string_with_format(
        2,
        0,
        words.text(
            Text::new("xlsx-as-of")
                .arg("date", Arg::Date(report.made))
                .arg("deadline", Arg::Date(report.deadline)),
        ),
        &styles.subtitle,
    )?;
    // A4 landscape, as wide as one page: how reports are printed and signed.
    sheet
        .set_landscape()
        .set_paper_size(9)
        .set_print_fit_to_pages(1, 0);
    Ok(())
}

fn write_opt_count(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: Option<u64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(n) => sheet.write_number_with_format(row, col, n as f64, format)?,
        None => sheet.write_blank(row, col, format)?,
    };
    Ok(())
}

fn write_opt_share(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: Option<f64>,
    format: &Format,
) -> Result<(), XlsxError> {
    match value {
        Some(share) => sheet.write_number_with_format(row, col, share, format)?,
        None => sheet.write_blank(row, col, format)?,
    };
    Ok(())
}

/// Indicators as rows: target, achieved, share, gap; then the population
/// they are shares of, and the quarter's movement.
fn summary(
    words: &Words<'_>,
    styles: &Styles,
    report: &Report,
    title: &str,
) -> Result<Worksheet, XlsxError> {
    let (year, _) = quarter_parts(report.quarter);
    let mut sheet = Worksheet::new();
    sheet.set_name(words.sheet_name("xlsx-sheet-summary"))?;
    heading(&mut sheet, words, styles, report, title)?;
    let headers = [
        (words.key("xlsx-col-number"), 6.0),
        (words.key("xlsx-col-indicator"), 52.0),
        (
            words.text(Text::new("xlsx-col-target").arg("year", year as usize)),
            13.0,
        ),
        (words.key("xlsx-col-achieved"), 13.0),
        (words.key("xlsx-col-share"), 11.0),
        (words.key("xlsx-col-gap"), 13.0),
        (words.key("xlsx-col-denominator"), 14.0),
        (words.key("xlsx-col-quarter"), 12.0),
        (words.key("xlsx-col-last"), 12.0),
        (words.key("xlsx-col-change"), 11.0),
        (words.key("xlsx-col-note"), 30.0),
    ];
    for (col, (header, width)) in headers.iter().enumerate() {
        let col = col as ColNum;
        sheet.write_string_with_format(TABLE_TOP, col, header, &styles.header)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_row_height(TABLE_TOP, 32)?;
    let mut row = TABLE_TOP + 1;
    for (n, line) in report.lines.iter().enumerate() {
        sheet.write_number_with_format(row, 0, (n + 1) as f64, &styles.text)?;
        sheet.write_string_with_format(row, 1, &line.name, &styles.wrapped)?;
        write_opt_share(&mut sheet, row, 2, line.target, &styles.percent)?;
        sheet.write_number_with_format(row, 3, line.to_date as f64, &styles.count)?;
        write_opt_share(&mut sheet, row, 4, line.share(), &styles.percent)?;
        write_opt_count(&mut sheet, row, 5, line.gap(), &styles.count)?;
        write_opt_count(&mut sheet, row, 6, line.denominator, &styles.count)?;
        sheet.write_number_with_format(row, 7, line.quarter as f64, &styles.count)?;
        sheet.write_number_with_format(row, 8, line.last_quarter as f64, &styles.count)?;
        sheet.write_number_with_format(row, 9, line.change() as f64, &styles.signed)?;
        sheet.write_string_with_format(row, 10, note(words, line), &styles.note)?;
        row += 1;
    }
    if report.lines.iter().any(|l| l.self_declared) {
        sheet.write_string(row + 1, 1, words.key("xlsx-footnote-declared"))?;
    }
    sheet.write_string(row + 2, 1, words.key("xlsx-footnote-counts"))?;
    sheet.set_freeze_panes(TABLE_TOP + 1, 2)?;
    sheet.set_repeat_rows(TABLE_TOP, TABLE_TOP)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(sheet)
}

fn note(words: &Words<'_>, line: &Line) -> String {
    let mut notes = Vec::new();
    if line.self_declared {
        notes.push(words.key("xlsx-note-declared"));
    }
    if line.denominator.is_none() {
        notes.push(words.key("xlsx-note-no-denominator"));
    } else if line.target.is_none() {
        notes.push(words.key("xlsx-note-no-target"));
    }
    notes.join("; ")
}

/// Child areas as rows; for each indicator, achieved, share and target.
fn by_area(
    words: &Words<'_>,
    styles: &Styles,
    report: &Report,
    title: &str,
) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(words.sheet_name("xlsx-sheet-areas"))?;
    heading(&mut sheet, words, styles, report, title)?;
    let (top, sub) = (TABLE_TOP, TABLE_TOP + 1);
    for (col, key, width) in [(0, "xlsx-col-area-id", 20.0), (1, "xlsx-col-area", 28.0)] {
        sheet.merge_range(top, col, sub, col, &words.key(key), &styles.header)?;
        sheet.set_column_width(col, width)?;
    }
    let per = [
        "xlsx-col-achieved",
        "xlsx-col-share",
        "xlsx-col-target-short",
    ];
    for (n, line) in report.lines.iter().enumerate() {
        let first = 2 + (n * per.len()) as ColNum;
        let last = first + per.len() as ColNum - 1;
        sheet.merge_range(top, first, top, last, &line.name, &styles.header)?;
        for (k, key) in per.iter().enumerate() {
            let col = first + k as ColNum;
            sheet.write_string_with_format(sub, col, words.key(key), &styles.header)?;
            sheet.set_column_width(col, 11.0)?;
        }
    }
    // Indicator names are long: room for three lines of them.
    sheet.set_row_height(top, 48)?;
    sheet.set_row_height(sub, 30)?;
    let own = crate::core::report::AreaLines {
        area: report.area.clone(),
        name: words.text(Text::new("xlsx-total").arg("area", report.area_name.clone())),
        lines: report.lines.clone(),
    };
    let rows = report
        .children
        .iter()
        .map(|c| (c, false))
        .chain(std::iter::once((&own, true)));
    for (row, (area, total)) in (sub + 1..).zip(rows) {
        let (text, count, percent) = if total {
            (
                &styles.total_text,
                &styles.total_count,
                &styles.total_percent,
            )
        } else {
            (&styles.text, &styles.count, &styles.percent)
        };
        sheet.write_string_with_format(row, 0, &area.area, text)?;
        sheet.write_string_with_format(row, 1, &area.name, text)?;
        for (n, line) in area.lines.iter().enumerate() {
            let first = 2 + (n * per.len()) as ColNum;
            sheet.write_number_with_format(row, first, line.to_date as f64, count)?;
            write_opt_share(&mut sheet, row, first + 1, line.share(), percent)?;
            write_opt_share(&mut sheet, row, first + 2, line.target, percent)?;
        }
    }
    sheet.set_freeze_panes(sub + 1, 2)?;
    sheet.set_repeat_rows(top, sub)?;
    // Three columns per indicator are too wide for one printed page: print
    // across pages, each starting with the area columns.
    if report.lines.len() > 3 {
        sheet.set_repeat_columns(0, 1)?;
    } else {
        sheet.set_print_fit_to_pages(1, 0);
    }
    Ok(sheet)
}

/// Topics and their lessons: finished this quarter and to date.
fn by_lesson(
    words: &Words<'_>,
    styles: &Styles,
    report: &Report,
    title: &str,
) -> Result<Worksheet, XlsxError> {
    let mut sheet = Worksheet::new();
    sheet.set_name(words.sheet_name("xlsx-sheet-lessons"))?;
    heading(&mut sheet, words, styles, report, title)?;
    for (col, (key, width)) in [
        ("xlsx-col-topic", 34.0),
        ("xlsx-col-lesson", 52.0),
        ("xlsx-col-lesson-id", 26.0),
        ("xlsx-col-done-quarter", 14.0),
        ("xlsx-col-done-to-date", 14.0),
    ]
    .into_iter()
    .enumerate()
    {
        let col = col as ColNum;
        sheet.write_string_with_format(TABLE_TOP, col, words.key(key), &styles.header)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_row_height(TABLE_TOP, 32)?;
    let mut row = TABLE_TOP + 1;
    for topic in &report.topics {
        let topic_title = if topic.core {
            words.text(Text::new("xlsx-core-topic").arg("topic", topic.title.clone()))
        } else {
            topic.title.clone()
        };
        sheet.write_string_with_format(row, 0, &topic_title, &styles.total_text)?;
        sheet.write_string_with_format(row, 1, words.key("xlsx-topic-done"), &styles.total_text)?;
        sheet.write_string_with_format(row, 2, &topic.topic, &styles.total_text)?;
        sheet.write_number_with_format(row, 3, topic.quarter as f64, &styles.total_count)?;
        sheet.write_number_with_format(row, 4, topic.to_date as f64, &styles.total_count)?;
        row += 1;
        for lesson in &topic.lessons {
            sheet.write_string_with_format(row, 0, &topic.title, &styles.text)?;
            sheet.write_string_with_format(row, 1, &lesson.title, &styles.wrapped)?;
            sheet.write_string_with_format(row, 2, &lesson.lesson, &styles.text)?;
            sheet.write_number_with_format(row, 3, lesson.quarter as f64, &styles.count)?;
            sheet.write_number_with_format(row, 4, lesson.to_date as f64, &styles.count)?;
            row += 1;
        }
    }
    if row > TABLE_TOP + 1 {
        sheet.autofilter(TABLE_TOP, 0, row - 1, 4)?;
    }
    sheet.set_freeze_panes(TABLE_TOP + 1, 0)?;
    sheet.set_repeat_rows(TABLE_TOP, TABLE_TOP)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::report::{AreaLines, LessonFigures, TopicFigures};
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

    // 2026-11-23 10:00 in Vietnam; Q4 2026 is due before 10/12/2026.
    const NOW: i64 = 1_795_417_200;

    fn line(
        indicator: &str,
        name: &str,
        to_date: u64,
        of: Option<u64>,
        target: Option<f64>,
    ) -> Line {
        Line {
            indicator: indicator.into(),
            name: name.into(),
            self_declared: indicator == "adults-vneid",
            main: indicator == "adults-basic",
            quarter: to_date / 4,
            last_quarter: to_date / 8,
            to_date,
            denominator: of,
            target,
        }
    }

    pub(crate) fn sample() -> Report {
        let lines = |scale: u64| {
            vec![
                line(
                    "adults-basic",
                    "Người trưởng thành có kỹ năng số cơ bản",
                    450 * scale,
                    Some(45_000 * scale),
                    Some(1.0),
                ),
                line(
                    "adults-vneid",
                    "Người trưởng thành được xác nhận trên VNeID (tự khai)",
                    120 * scale,
                    Some(45_000 * scale),
                    Some(0.6),
                ),
                line(
                    "traders-basic",
                    "Tiểu thương có kỹ năng số cơ bản (Chợ số)",
                    7 * scale,
                    None,
                    None,
                ),
            ]
        };
        Report {
            area: "phuong-hoa-sen".into(),
            area_name: "Phường Hoa Sen".into(),
            area_path: "Phường Hoa Sen › Tỉnh Mẫu".into(),
            quarter: 2026 * 4 + 3,
            made: NOW,
            deadline: 1_796_835_600,
            lines: lines(2),
            children: vec![
                AreaLines {
                    area: "hoa-sen-tdp-1".into(),
                    name: "Tổ dân phố 1".into(),
                    lines: lines(1),
                },
                AreaLines {
                    area: "hoa-sen-tdp-2".into(),
                    name: "Tổ dân phố 2".into(),
                    lines: lines(1),
                },
            ],
            topics: vec![TopicFigures {
                topic: "vneid".into(),
                title: "VNeID – Định danh điện tử".into(),
                core: true,
                quarter: 3,
                to_date: 11,
                lessons: vec![LessonFigures {
                    lesson: "vneid-what".into(),
                    title: "VNeID là gì?".into(),
                    quarter: 9,
                    to_date: 40,
                }],
            }],
        }
    }

    fn cell(sheet: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        sheet.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    #[test]
    fn the_spreadsheet_reads_back_with_numbers_shares_and_vietnamese_headers() {
        let localizer = crate::i18n::shipped_localizer();
        let bytes = write(&localizer, &Lang::new("vi"), &sample()).unwrap();
        let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["Tổng hợp", "Theo khu vực", "Theo bài học"]
        );

        let summary = book.worksheet_range("Tổng hợp").unwrap();
        let text = |r, c| match cell(&summary, r, c) {
            Data::String(s) => s,
            other => panic!("({r},{c}) is {other:?}"),
        };
        assert_eq!(
            text(0, 0),
            "BÁO CÁO KẾT QUẢ PHONG TRÀO \"BÌNH DÂN HỌC VỤ SỐ\" – QUÝ 4/2026"
        );
        assert_eq!(text(1, 0), "Đơn vị: Phường Hoa Sen › Tỉnh Mẫu");
        assert_eq!(
            text(2, 0),
            "Số liệu đến ngày 23/11/2026. Hạn nộp: trước ngày 10/12/2026."
        );
        let header: Vec<String> = (0..6).map(|c| text(4, c)).collect();
        assert_eq!(
            header,
            [
                "STT",
                "Chỉ tiêu",
                "Mục tiêu năm 2026",
                "Đạt (lũy kế)",
                "Tỷ lệ đạt",
                "Còn thiếu (người)"
            ]
        );
        // Row 5: the main line. Numbers are numbers, shares are fractions.
        assert_eq!(text(5, 1), "Người trưởng thành có kỹ năng số cơ bản");
        assert_eq!(cell(&summary, 5, 2), Data::Float(1.0));
        assert_eq!(cell(&summary, 5, 3), Data::Float(900.0));
        assert_eq!(cell(&summary, 5, 4), Data::Float(0.01));
        assert_eq!(cell(&summary, 5, 5), Data::Float(89_100.0));
        assert_eq!(cell(&summary, 5, 6), Data::Float(90_000.0));
        assert_eq!(cell(&summary, 5, 7), Data::Float(225.0));
        assert_eq!(cell(&summary, 5, 9), Data::Float(113.0));
        assert_eq!(text(6, 10), "Người học tự khai");
        // No population: the count, and no made-up share or gap.
        assert_eq!(cell(&summary, 7, 3), Data::Float(14.0));
        assert_eq!(cell(&summary, 7, 4), Data::Empty);
        assert_eq!(cell(&summary, 7, 5), Data::Empty);
        assert!(text(7, 10).contains("Chưa có số dân"));
        assert!(
            text(9, 1).contains("tự trả lời"),
            "the self-declared footnote"
        );

        let areas = book.worksheet_range("Theo khu vực").unwrap();
        let text = |r, c| match cell(&areas, r, c) {
            Data::String(s) => s,
            other => panic!("({r},{c}) is {other:?}"),
        };
        assert_eq!(text(4, 2), "Người trưởng thành có kỹ năng số cơ bản");
        assert_eq!(text(5, 2), "Đạt (lũy kế)");
        assert_eq!(text(5, 3), "Tỷ lệ đạt");
        assert_eq!(text(5, 4), "Mục tiêu");
        assert_eq!(text(6, 1), "Tổ dân phố 1");
        assert_eq!(cell(&areas, 6, 2), Data::Float(450.0));
        assert_eq!(cell(&areas, 6, 3), Data::Float(0.01));
        assert_eq!(cell(&areas, 6, 4), Data::Float(1.0));
        assert_eq!(text(8, 1), "Tổng: Phường Hoa Sen");
        assert_eq!(cell(&areas, 8, 2), Data::Float(900.0));

        let lessons = book.worksheet_range("Theo bài học").unwrap();
        // Every text is complete: no Fluent argument left unfilled anywhere.
        for sheet in [&summary, &areas, &lessons] {
            for cell in sheet.used_cells() {
                if let (_, _, Data::String(s)) = cell {
                    assert!(!s.contains('{') && !s.contains("xlsx-"), "{s}");
                }
            }
        }
        assert_eq!(
            cell(&lessons, 5, 0),
            Data::String("VNeID – Định danh điện tử (cốt lõi)".into())
        );
        assert_eq!(cell(&lessons, 5, 4), Data::Float(11.0));
        assert_eq!(cell(&lessons, 6, 1), Data::String("VNeID là gì?".into()));
        assert_eq!(cell(&lessons, 6, 3), Data::Float(9.0));
        assert_eq!(cell(&lessons, 6, 4), Data::Float(40.0));
    }

    #[test]
    fn a_report_attachment_becomes_a_named_document() {
        let localizer = crate::i18n::shipped_localizer();
        let report = Attachment::Report(sample());
        let Some(Attachment::Document(doc)) =
            as_document(&localizer, &Lang::new("en"), Some(&report))
        else {
            panic!("a document")
        };
        assert_eq!(doc.name, "bao-cao-phuong-hoa-sen-2026q4.xlsx");
        assert!(doc.content.starts_with(b"PK"), "an xlsx is a zip");
        let chart = Attachment::Chart(sample().chart());
        assert_eq!(
            as_document(&localizer, &Lang::new("vi"), Some(&chart)),
            Some(chart)
        );
    }

    /// Writes a sample to look at: `cargo test --lib report_xlsx -- --ignored`.
    #[test]
    #[ignore]
    fn write_sample() {
        let localizer = crate::i18n::shipped_localizer();
        let bytes = write(&localizer, &Lang::new("vi"), &sample()).unwrap();
        std::fs::write("/tmp/report-sample.xlsx", bytes).unwrap();
    }
}

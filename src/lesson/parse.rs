//! Reads one lesson file (`<id>.<lang>.md`) into raw parts with line numbers.
//!
//! Only the shape of the file is checked here (header, sections, options);
//! limits and cross-file rules are checked by `load`, which knows the tree.

use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

/// A problem found in a file, at a 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found {
    pub line: Option<usize>,
    pub message: String,
}

fn found(line: usize, message: impl Into<String>) -> Found {
    Found {
        line: Some(line),
        message: message.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Header {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Extra words a learner might type when looking for this lesson
    /// (`keywords = ["căn cước", "CCCD"]`): searched with the title and text.
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Default)]
pub(super) struct RawStep {
    pub line: usize,
    pub heading: Option<String>,
    pub text: String,
    pub tip: Option<String>,
    pub picture: Option<(String, usize)>,
}

#[derive(Debug, Default)]
pub(super) struct RawQuestion {
    pub line: usize,
    pub text: String,
    /// (text, is it the right one, line)
    pub options: Vec<(String, bool, usize)>,
    pub explanation: Option<String>,
}

#[derive(Debug)]
pub(super) struct RawLesson {
    pub header: Header,
    pub header_line: usize,
    pub steps: Vec<RawStep>,
    pub questions: Vec<RawQuestion>,
}

/// Parses a whole file. Returns what could be read (when the header could)
/// and every problem, so the caller can check the rest of the file too.
pub(super) fn parse_lesson(source: &str) -> (Option<RawLesson>, Vec<Found>) {
    let source: String = source.trim_start_matches('\u{feff}').nfc().collect();
    let lines: Vec<&str> = source.lines().collect();
    let mut problems = Vec::new();

    let (header, header_line, body_start) = match parse_header(&lines) {
        Ok(parts) => parts,
        Err(found) => return (None, vec![found]),
    };
    let mut body = BodyParser::default();
    for (index, line) in lines.iter().enumerate().skip(body_start) {
        if let Err(f) = body.line(index + 1, line) {
            problems.push(f);
        }
    }
    let (steps, questions) = body.finish();
    let lesson = RawLesson {
        header,
        header_line,
        steps,
        questions,
    };
    (Some(lesson), problems)
}

/// Finds the `+++` block and parses it as TOML. Returns the header, its line
/// and the index of the first body line.
fn parse_header(lines: &[&str]) -> Result<(Header, usize, usize), Found> {
    let open = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .filter(|&i| lines[i].trim() == "+++")
        .ok_or_else(|| {
            found(
                1,
                "the file must start with a header between two `+++` lines",
            )
        })?;
    let close = lines[open + 1..]
        .iter()
        .position(|l| l.trim() == "+++")
        .map(|i| open + 1 + i)
        .ok_or_else(|| found(open + 1, "the header opened here has no closing `+++` line"))?;
    let block = lines[open + 1..close].join("\n");
    let header: Header = toml::from_str(&block).map_err(|e| {
        let line_in_block = e
            .span()
            .map(|span| block[..span.start].matches('\n').count())
            .unwrap_or(0);
        found(
            open + 2 + line_in_block,
            format!("header: {}", e.message().trim_end_matches('\n')),
        )
    })?;
    Ok((header, open + 1, close + 1))
}

#[derive(Debug, PartialEq)]
enum Field {
    Text,
    Tip,
    Explanation,
}

#[derive(Default)]
struct BodyParser {
    steps: Vec<RawStep>,
    questions: Vec<RawQuestion>,
    in_question: bool,
    field: Option<Field>,
    /// The previous line was blank: the next text starts a new paragraph.
    paragraph_break: bool,
}

const STEP_WORDS: [&str; 2] = ["bước", "step"];
const QUESTION_WORDS: [&str; 2] = ["câu hỏi", "question"];
const TIP_WORDS: [&str; 2] = ["mẹo:", "tip:"];
const PICTURE_WORDS: [&str; 2] = ["hình:", "picture:"];
const EXPLANATION_WORDS: [&str; 2] = ["giải thích:", "explanation:"];

/// If `line` starts with one of `words` (any case), returns the rest.
fn strip_word<'a>(line: &'a str, words: &[&str]) -> Option<&'a str> {
    let lower = line.to_lowercase();
    words.iter().find_map(|w| {
        // Lower-casing Vietnamese keeps byte lengths for these words.
        if lower.starts_with(w) {
            line.get(w.len()..).map(str::trim)
        } else {
            None
        }
    })
}

impl BodyParser {
    fn line(&mut self, number: usize, raw: &str) -> Result<(), Found> {
        let line = raw.trim();
        if line.is_empty() {
            self.paragraph_break = true;
            return Ok(());
        }
        if let Some(heading) = line.strip_prefix("##") {
            return self.section(number, heading.trim());
        }
        if line.starts_with('#') {
            return Err(found(
                number,
                "unknown heading: start a step with `## Bước` and a question with `## Câu hỏi`",
            ));
        }
        if self.in_question {
            self.question_line(number, line)
        } else {
            self.step_line(number, line)
        }
    }

    fn section(&mut self, number: usize, heading: &str) -> Result<(), Found> {
        self.field = None;
        self.paragraph_break = false;
        if let Some(rest) = strip_word(heading, &STEP_WORDS) {
            if self.in_question {
                return Err(found(number, "steps must come before the quiz questions"));
            }
            let title = rest
                .split_once(':')
                .map(|(_, t)| t.trim().to_string())
                .filter(|t| !t.is_empty());
            self.steps.push(RawStep {
                line: number,
                heading: title,
                ..RawStep::default()
            });
            self.field = Some(Field::Text);
            Ok(())
        } else if strip_word(heading, &QUESTION_WORDS).is_some() {
            self.in_question = true;
            self.questions.push(RawQuestion {
                line: number,
                ..RawQuestion::default()
            });
            Ok(())
        } else {
            Err(found(
                number,
                format!("unknown section `## {heading}`: use `## Bước` or `## Câu hỏi`"),
            ))
        }
    }

    fn step_line(&mut self, number: usize, line: &str) -> Result<(), Found> {
        let Some(step) = self.steps.last_mut() else {
            return Err(found(number, "text before the first `## Bước` heading"));
        };
        if let Some(path) = strip_word(line, &PICTURE_WORDS) {
            if step.picture.is_some() {
                return Err(found(number, "a step has at most one picture"));
            }
            step.picture = Some((path.to_string(), number));
            self.field = None;
            return Ok(());
        }
        if let Some(tip) = strip_word(line, &TIP_WORDS) {
            if step.tip.is_some() {
                return Err(found(number, "a step has at most one tip"));
            }
            step.tip = Some(String::new());
            self.field = Some(Field::Tip);
            self.paragraph_break = false;
            return append(step.tip.as_mut(), tip, false, number);
        }
        let target = match self.field {
            Some(Field::Tip) => step.tip.as_mut(),
            Some(Field::Text) => Some(&mut step.text),
            _ => {
                return Err(found(
                    number,
                    "text after the picture: put the step's text above the `Hình:` line",
                ));
            }
        };
        let brk = std::mem::take(&mut self.paragraph_break);
        append(target, line, brk, number)
    }

    fn question_line(&mut self, number: usize, line: &str) -> Result<(), Found> {
        let question = self.questions.last_mut().expect("in_question implies one");
        if let Some(option) = parse_option(line) {
            if question.explanation.is_some() {
                return Err(found(number, "options must come before `Giải thích:`"));
            }
            let (right, text) = option.map_err(|m| found(number, m))?;
            question.options.push((text.to_string(), right, number));
            self.field = None;
            return Ok(());
        }
        if let Some(text) = strip_word(line, &EXPLANATION_WORDS) {
            if question.explanation.is_some() {
                return Err(found(number, "a question has one `Giải thích:`"));
            }
            question.explanation = Some(String::new());
            self.field = Some(Field::Explanation);
            self.paragraph_break = false;
            return append(question.explanation.as_mut(), text, false, number);
        }
        let brk = std::mem::take(&mut self.paragraph_break);
        match self.field {
            Some(Field::Explanation) => append(question.explanation.as_mut(), line, brk, number),
            _ if question.options.is_empty() => append(Some(&mut question.text), line, brk, number),
            _ => Err(found(
                number,
                "text after the options: start the explanation with `Giải thích:`",
            )),
        }
    }

    fn finish(self) -> (Vec<RawStep>, Vec<RawQuestion>) {
        (self.steps, self.questions)
    }
}

/// `- [ ] text` or `- [x] text`. `None` when the line is not an option at all,
/// `Some(Err)` when it looks like one but is malformed.
fn parse_option(line: &str) -> Option<Result<(bool, &str), String>> {
    let rest = line
        .strip_prefix("- [")
        .or_else(|| line.strip_prefix("* ["))?;
    let (mark, text) = rest.split_once(']')?;
    let right = match mark.trim() {
        "" => false,
        "x" | "X" => true,
        other => {
            return Some(Err(format!(
                "option mark `[{other}]`: write `[ ]` for a wrong option and `[x]` for the right one"
            )));
        }
    };
    let text = text.trim();
    if text.is_empty() {
        return Some(Err("an option has no text".to_string()));
    }
    Some(Ok((right, text)))
}

/// Appends a source line to a text: lines of one paragraph are joined with a
/// space (like Markdown), list items and new paragraphs keep their breaks.
fn append(
    target: Option<&mut String>,
    line: &str,
    new_paragraph: bool,
    number: usize,
) -> Result<(), Found> {
    let Some(text) = target else {
        return Err(found(number, "text in an unexpected place"));
    };
    if line.is_empty() {
        return Ok(());
    }
    if !text.is_empty() {
        let separator = if new_paragraph {
            "\n\n"
        } else if is_list_item(line) {
            "\n"
        } else {
            " "
        };
        text.push_str(separator);
    }
    text.push_str(line);
    Ok(())
}

fn is_list_item(line: &str) -> bool {
    line.starts_with("- ")
        || line.starts_with("• ")
        || line.split_once(". ").is_some_and(|(n, _)| {
            !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "+++\nid = \"a\"\ntitle = \"T\"\n+++\n\n## Bước: Mở máy\nDòng một\ndòng hai.\n\nĐoạn mới.\n- mục\nMẹo: nhớ nhé\nHình: images/x.png\n\n## Câu hỏi\nHỏi gì?\n- [ ] sai\n- [x] đúng\nGiải thích: vì\nthế.\n";

    #[test]
    fn parses_steps_tips_pictures_and_questions() {
        let lesson = parse_ok(GOOD);
        assert_eq!(lesson.header.id, "a");
        let step = &lesson.steps[0];
        assert_eq!(step.heading.as_deref(), Some("Mở máy"));
        assert_eq!(step.text, "Dòng một dòng hai.\n\nĐoạn mới.\n- mục");
        assert_eq!(step.tip.as_deref(), Some("nhớ nhé"));
        assert_eq!(step.picture, Some(("images/x.png".to_string(), 13)));
        let q = &lesson.questions[0];
        assert_eq!(q.text, "Hỏi gì?");
        assert_eq!(q.options.len(), 2);
        assert!(q.options[1].1);
        assert_eq!(q.explanation.as_deref(), Some("vì thế."));
    }

    #[test]
    fn english_keywords_work_too() {
        let src = "+++\nid = \"a\"\ntitle = \"T\"\n+++\n## Step\nOpen it.\nTip: gently\nPicture: a.png\n## Question\nWhy?\n- [X] yes\n- [ ] no\nExplanation: because\n";
        let lesson = parse_ok(src);
        assert_eq!(lesson.steps[0].tip.as_deref(), Some("gently"));
        assert!(lesson.questions[0].options[0].1);
    }

    fn parse_ok(src: &str) -> RawLesson {
        let (lesson, problems) = parse_lesson(src);
        assert_eq!(problems, []);
        lesson.unwrap()
    }

    fn problems(src: &str) -> Vec<Found> {
        parse_lesson(src).1
    }

    fn lines_of(src: &str) -> Vec<Option<usize>> {
        problems(src).iter().map(|f| f.line).collect()
    }

    #[test]
    fn missing_header_is_reported_on_line_one() {
        assert_eq!(lines_of("## Bước\nx\n"), vec![Some(1)]);
    }

    #[test]
    fn toml_error_points_at_the_header_line() {
        let src = "+++\nid = \"a\"\ntitle = T\n+++\n";
        assert_eq!(lines_of(src), vec![Some(3)]);
    }

    #[test]
    fn unknown_header_field_is_reported() {
        let src = "+++\nid = \"a\"\ntitle = \"t\"\ncolour = \"red\"\n+++\n";
        let err = problems(src);
        assert_eq!(err[0].line, Some(4));
        assert!(err[0].message.contains("colour"), "{}", err[0].message);
    }

    #[test]
    fn every_body_problem_is_reported_with_its_line() {
        let src =
            "+++\nid = \"a\"\ntitle = \"t\"\n+++\nlạc\n## Bài\n## Câu hỏi\nq\n- [?] x\n## Bước\n";
        assert_eq!(lines_of(src), vec![Some(5), Some(6), Some(9), Some(10)]);
    }

    #[test]
    fn text_after_options_needs_an_explanation_label() {
        let src = "+++\nid = \"a\"\ntitle = \"t\"\n+++\n## Câu hỏi\nq\n- [x] a\n- [ ] b\nvì sao\n";
        let err = problems(src);
        assert_eq!(err[0].line, Some(9));
        assert!(err[0].message.contains("Giải thích"));
    }

    #[test]
    fn decomposed_vietnamese_is_normalised() {
        let src = "+++\nid = \"a\"\ntitle = \"Bu\u{031b}o\u{031b}\u{0301}c\"\n+++\n";
        let lesson = parse_ok(src);
        assert_eq!(lesson.header.title, "Bước");
    }
}

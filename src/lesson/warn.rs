//! Warnings: what loads fine but teaches less well. `lessons check` prints
//! them beside the problems; they never stop the bot from starting.
//!
//! Today the quiz is checked for answers a learner can guess without reading
//! the question: the right option always in the same place, or a right
//! option much longer or shorter than the wrong ones (people pick the odd one
//! out). Pure functions over a parsed file; the loader adds the file name.

use super::parse::{Found, RawQuestion};

/// A right option more than this many times the others' mean length (or
/// less than its inverse) stands out.
const LENGTH_RATIO: f64 = 2.0;
/// Differences smaller than this many characters are never flagged: "Có"
/// against "Không" is not a give-away.
const MIN_LENGTH_GAP: f64 = 8.0;

/// Every warning about one file's quiz. `positions` asks for the
/// same-position check too: the loader asks it of the base language only,
/// because translations must keep the right option where it is anyway.
pub(super) fn quiz_warnings(questions: &[RawQuestion], positions: bool) -> Vec<Found> {
    let mut found = Vec::new();
    if positions && let Some(warning) = same_position(questions) {
        found.push(warning);
    }
    found.extend(
        questions
            .iter()
            .enumerate()
            .filter_map(|(n, q)| odd_length(n, q)),
    );
    found
}

/// The index of the one right option, or `None` when the question has none
/// or several (the loader reports those as problems).
fn right_option(question: &RawQuestion) -> Option<usize> {
    let mut right = question
        .options
        .iter()
        .enumerate()
        .filter(|(_, option)| option.1)
        .map(|(i, _)| i);
    match (right.next(), right.next()) {
        (Some(index), None) => Some(index),
        _ => None,
    }
}

fn same_position(questions: &[RawQuestion]) -> Option<Found> {
    if questions.len() < 2 {
        return None;
    }
    let rights: Vec<usize> = questions.iter().map(right_option).collect::<Option<_>>()?;
    let first = rights[0];
    rights.iter().all(|&r| r == first).then(|| Found {
        line: Some(questions[0].line),
        message: format!(
            "the right option is number {} in all {} questions: vary its place so the answer \
             cannot be guessed from it",
            first + 1,
            questions.len()
        ),
    })
}

fn odd_length(n: usize, question: &RawQuestion) -> Option<Found> {
    let right = right_option(question)?;
    if question.options.len() < 2 {
        return None;
    }
    let length = |i: usize| question.options[i].0.chars().count() as f64;
    let others: Vec<f64> = (0..question.options.len())
        .filter(|&i| i != right)
        .map(length)
        .collect();
    let mean = others.iter().sum::<f64>() / others.len() as f64;
    let own = length(right);
    let (much, gap) = if own > mean * LENGTH_RATIO {
        ("longer", own - mean)
    } else if own * LENGTH_RATIO < mean {
        ("shorter", mean - own)
    } else {
        return None;
    };
    (gap >= MIN_LENGTH_GAP).then(|| Found {
        line: Some(question.options[right].2),
        message: format!(
            "question {}: the right option is much {much} than the others ({own} characters, \
             the others {mean:.0} on average): learners can pick it without reading",
            n + 1
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A question on line `line` whose options are `options`, the one at
    /// `right` being right; option k sits on line `line + 1 + k`.
    fn question(line: usize, options: &[&str], right: usize) -> RawQuestion {
        RawQuestion {
            line,
            text: "Hỏi gì?".into(),
            options: options
                .iter()
                .enumerate()
                .map(|(k, o)| (o.to_string(), k == right, line + 1 + k))
                .collect(),
            explanation: Some("Vì thế.".into()),
        }
    }

    const EVEN: [&str; 3] = [
        "Gọi ngân hàng theo số trên thẻ",
        "Gọi lại số vừa gọi cho bác",
        "Nhắn tin hỏi người đã gửi",
    ];

    #[test]
    fn the_same_right_position_in_every_question_is_flagged_once() {
        let quiz = [
            question(10, &EVEN, 1),
            question(20, &EVEN, 1),
            question(30, &EVEN, 1),
        ];
        let found = quiz_warnings(&quiz, true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(10));
        assert!(
            found[0].message.contains("number 2 in all 3"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn varied_positions_pass() {
        let quiz = [
            question(10, &EVEN, 1),
            question(20, &EVEN, 0),
            question(30, &EVEN, 1),
        ];
        assert_eq!(quiz_warnings(&quiz, true), []);
    }

    #[test]
    fn translations_skip_the_position_check() {
        let quiz = [question(10, &EVEN, 2), question(20, &EVEN, 2)];
        assert_eq!(quiz_warnings(&quiz, false), []);
        assert_eq!(quiz_warnings(&quiz, true).len(), 1);
    }

    #[test]
    fn one_question_or_a_broken_one_has_no_position_to_compare() {
        assert_eq!(quiz_warnings(&[question(10, &EVEN, 0)], true), []);
        let mut two_right = question(20, &EVEN, 0);
        two_right.options[1].1 = true;
        assert_eq!(
            quiz_warnings(&[question(10, &EVEN, 0), two_right], true),
            []
        );
    }

    #[test]
    fn a_right_option_twice_as_long_as_the_others_is_flagged_on_its_line() {
        let options = [
            "Chuyển ngay",
            "Không chuyển, gọi lại số quen của cháu để hỏi",
            "Nhắn hỏi lại",
        ];
        let found = quiz_warnings(&[question(10, &options, 1)], true);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(12));
        assert!(
            found[0].message.contains("much longer"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.starts_with("question 1:"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_right_option_under_half_the_others_is_flagged() {
        let options = [
            "Đọc mã cho họ để được giúp đỡ nhanh",
            "Không",
            "Gửi mã qua tin nhắn cho người gọi",
        ];
        let found = quiz_warnings(&[question(10, &options, 1)], false);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("much shorter"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn short_options_are_never_flagged_for_a_few_characters() {
        // 2 against 5 is more than twice, but only three characters apart.
        let found = quiz_warnings(&[question(10, &["Có", "Không"], 0)], true);
        assert_eq!(found, []);
    }

    #[test]
    fn lengths_are_counted_in_characters_not_bytes() {
        // Vietnamese letters take two or three bytes each: "đúng" is not long.
        let options = ["đúng rồi ạ", "sai rồi nhé"];
        assert_eq!(quiz_warnings(&[question(10, &options, 0)], true), []);
    }
}

//! Attachments made concrete for a channel: a lesson picture stays a file,
//! a certificate or a chart becomes a PNG drawn in the reader's language, a
//! document stays bytes with its name.
//!
//! Shared by every channel so that each only uploads `Media`. It knows
//! Fluent (for the words on pictures) and the renderer, never a platform.

use std::path::PathBuf;
use std::sync::Arc;

use crate::core::{Attachment, CertificateSpec, ChartSpec, Lang, Text};
use crate::i18n::{Localizer, format_date};
use crate::render::{
    CertificateKind, CertificateLine, CertificateView, ChartBar, ChartView, RenderError, Renderer,
};

/// What a channel sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Media {
    /// A file shipped with the lessons: channels may cache its upload.
    File(PathBuf),
    /// A picture made for this message.
    Photo { name: String, png: Vec<u8> },
    /// A file to download.
    Document { name: String, bytes: Vec<u8> },
}

pub struct Presenter {
    localizer: Arc<Localizer>,
    renderer: Renderer,
}

impl Presenter {
    pub fn new(localizer: Arc<Localizer>) -> Result<Self, RenderError> {
        Ok(Presenter {
            localizer,
            renderer: Renderer::new()?,
        })
    }

    pub fn media(&self, lang: &Lang, attachment: &Attachment) -> Result<Media, RenderError> {
        Ok(match attachment {
            Attachment::Picture(path) => Media::File(path.clone()),
            Attachment::Document(doc) => Media::Document {
                name: doc.name.clone(),
                bytes: doc.content.clone(),
            },
            Attachment::Certificate(spec) => Media::Photo {
                name: format!("chung-nhan-{}.png", spec.code),
                png: self
                    .renderer
                    .certificate_png(&self.certificate_view(lang, spec))?,
            },
            Attachment::Chart(spec) => Media::Photo {
                name: "bieu-do.png".into(),
                png: self.renderer.chart_png(&self.chart_view(lang, spec))?,
            },
            Attachment::Forward(_) => return Err(RenderError::Forwarded),
        })
    }

    /// A certificate or chart as a named PNG, drawn off the async workers
    /// (it takes tens of milliseconds of CPU). `None` for other attachments
    /// or a drawing that failed (logged): channels then send the text alone.
    pub async fn draw(
        self: &Arc<Self>,
        lang: &Lang,
        attachment: &Attachment,
    ) -> Option<(String, Vec<u8>)> {
        let (presenter, lang, attachment) = (Arc::clone(self), lang.clone(), attachment.clone());
        match tokio::task::spawn_blocking(move || presenter.media(&lang, &attachment)).await {
            Ok(Ok(Media::Photo { name, png })) => Some((name, png)),
            Ok(Ok(_)) => None,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "cannot draw a picture");
                None
            }
            Err(e) => {
                tracing::error!(error = %e, "the drawing task failed");
                None
            }
        }
    }

    fn text(&self, lang: &Lang, key: &'static str) -> String {
        self.localizer.text(lang, &Text::new(key))
    }

    /// The words on a certificate: titles in Vietnamese and English, the
    /// rest in the learner's language.
    pub fn certificate_view(&self, lang: &Lang, spec: &CertificateSpec) -> CertificateView {
        let (vi, en) = (Lang::new("vi"), Lang::new("en"));
        let heading = if spec.basic {
            "certificate-heading-basic"
        } else {
            "certificate-heading"
        };
        let topic = if spec.basic {
            format!(
                "{} · {}",
                self.text(&vi, "basic-topic"),
                self.text(&en, "basic-topic")
            )
        } else if spec.topic_vi == spec.topic_en {
            spec.topic_vi.clone()
        } else {
            format!("{} · {}", spec.topic_vi, spec.topic_en)
        };
        let lessons = spec
            .lessons
            .iter()
            .map(|(title, at, score, total)| CertificateLine {
                title: title.clone(),
                detail: if *total > 0 {
                    format!("{} · {score}/{total}", format_date(*at))
                } else {
                    format_date(*at)
                },
            })
            .collect();
        CertificateView {
            movement: self.text(lang, "certificate-movement"),
            heading_vi: self.text(&vi, heading),
            heading_en: self.text(&en, heading),
            awarded_to: self.text(lang, "certificate-awarded-to"),
            name: spec.name.clone(),
            topic,
            lessons,
            issued: self.localizer.text(
                lang,
                &Text::new("certificate-issued").arg("date", crate::core::Arg::Date(spec.issued)),
            ),
            code_label: self.text(lang, "certificate-code-label"),
            code: spec.code.clone(),
            verify_hint: self.text(lang, "certificate-verify-hint"),
            kind: if spec.basic {
                CertificateKind::Overall
            } else {
                CertificateKind::Topic
            },
        }
    }

    pub fn chart_view(&self, lang: &Lang, spec: &ChartSpec) -> ChartView {
        let percent = |share: f64| crate::core::stats::format_percent(lang.as_str(), share);
        let bars = spec
            .bars
            .iter()
            .map(|bar| {
                let share = if bar.adults == 0 {
                    0.0
                } else {
                    bar.done as f64 / bar.adults as f64
                };
                ChartBar {
                    label: bar.label.clone(),
                    value: share,
                    target: bar.target,
                    caption: format!("{} / {} ({})", bar.done, bar.adults, percent(share)),
                }
            })
            .collect();
        ChartView {
            title: self.localizer.text(lang, &spec.title),
            subtitle: self.localizer.text(lang, &spec.subtitle),
            y_label: None,
            bars,
            target_label: self.text(lang, "chart-target"),
            empty_text: self.text(lang, "chart-empty"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{ChartBar as Bar, Document};

    fn presenter() -> Presenter {
        Presenter::new(Arc::new(crate::i18n::shipped_localizer())).unwrap()
    }

    fn spec(basic: bool) -> CertificateSpec {
        CertificateSpec {
            code: "K7QM-2XPD-9ARC".into(),
            name: "Nguyễn Thị Lan".into(),
            basic,
            topic: "An toàn trên mạng".into(),
            topic_vi: "An toàn trên mạng".into(),
            topic_en: "Staying safe online".into(),
            issued: 1_795_417_200,
            lessons: vec![("Mã OTP".into(), 1_795_417_200, 3, 3)],
        }
    }

    #[test]
    fn a_certificate_carries_both_titles_and_the_learners_language() {
        let p = presenter();
        let view = p.certificate_view(&Lang::new("en"), &spec(false));
        assert!(
            view.heading_vi.contains("CHỨNG NHẬN"),
            "{}",
            view.heading_vi
        );
        assert!(!view.heading_en.is_empty() && view.heading_en != view.heading_vi);
        assert_eq!(view.topic, "An toàn trên mạng · Staying safe online");
        assert_eq!(view.lessons[0].detail, "23/11/2026 · 3/3");
        assert!(view.issued.contains("23/11/2026"), "{}", view.issued);
        let basic = p.certificate_view(&Lang::new("vi"), &spec(true));
        assert_eq!(basic.kind, CertificateKind::Overall);
        assert!(basic.topic.contains("Kỹ năng số cơ bản"), "{}", basic.topic);
    }

    /// Writes sample pictures to look at: `cargo test --lib present -- --ignored`.
    #[test]
    #[ignore]
    fn write_samples() {
        let p = presenter();
        let mut topic = spec(false);
        topic.lessons = (1..=7)
            .map(|n| {
                (
                    format!("Bài {n}: Nhận biết cuộc gọi giả danh công an"),
                    1_795_417_200,
                    3,
                    3,
                )
            })
            .collect();
        for (name, lang, spec) in [
            ("/tmp/present-cert-vi.png", "vi", topic.clone()),
            ("/tmp/present-cert-en.png", "en", topic),
            ("/tmp/present-basic.png", "vi", spec(true)),
        ] {
            let Media::Photo { png, .. } = p
                .media(&Lang::new(lang), &Attachment::Certificate(spec))
                .unwrap()
            else {
                panic!()
            };
            std::fs::write(name, png).unwrap();
        }
    }

    #[test]
    fn attachments_become_media() {
        let p = presenter();
        let vi = Lang::new("vi");
        let Media::Photo { png, .. } = p.media(&vi, &Attachment::Certificate(spec(false))).unwrap()
        else {
            panic!("a certificate is a photo")
        };
        assert!(png.starts_with(b"\x89PNG"));
        let chart = ChartSpec {
            title: Text::new("chart-title").arg("area", "Tỉnh Mẫu"),
            subtitle: Text::new("chart-subtitle"),
            bars: vec![Bar {
                label: "Phường Hoa Sen".into(),
                done: 450,
                adults: 45000,
                target: 0.9,
            }],
        };
        let view = p.chart_view(&vi, &chart);
        assert_eq!(view.bars[0].caption, "450 / 45000 (1,0%)");
        assert!(view.title.contains("Tỉnh Mẫu"));
        let doc = Attachment::Document(Document {
            name: "a.csv".into(),
            content: b"x".to_vec(),
        });
        assert_eq!(
            p.media(&vi, &doc).unwrap(),
            Media::Document {
                name: "a.csv".into(),
                bytes: b"x".to_vec()
            }
        );
    }
}

//! Pictures: certificates of completion and statistics charts, drawn as SVG
//! and turned into PNG with resvg (pure Rust, no system libraries).
//!
//! This module owns the picture templates, the embedded fonts (Noto Sans
//! Regular and Bold, OFL, in `assets/fonts/`) and text fitting. It must not
//! know chat platforms, the store or Fluent: callers pass ready-made,
//! already-translated strings in and get SVG source or PNG bytes out.
//!
//! The font database holds only the embedded fonts, never the system's, so a
//! picture is the same on every machine. A [`Renderer`] parses the fonts
//! once; build one at start and share it (it is `Send + Sync`, wrap it in an
//! `Arc`).

mod certificate;
mod chart;
mod svg;
mod text;

use std::sync::Arc;

use resvg::{tiny_skia, usvg};

pub use certificate::{CertificateKind, CertificateLine, CertificateView};
pub use chart::{ChartBar, ChartView};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("the embedded font {0} cannot be read")]
    Font(&'static str),
    #[error("the picture template is not valid SVG: {0}")]
    Svg(#[from] usvg::Error),
    #[error("cannot make a {width}×{height} picture")]
    Size { width: u32, height: u32 },
    #[error("cannot encode the picture as PNG: {0}")]
    Png(String),
    #[error("a file a person sent is passed on by its channel, not drawn")]
    Forwarded,
}

/// Draws pictures with the embedded fonts. Parsing the fonts is the costly
/// part, so build one and share it.
pub struct Renderer {
    fonts: text::Fonts,
    options: usvg::Options<'static>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("faces", &self.options.fontdb.len())
            .finish()
    }
}

impl Renderer {
    pub fn new() -> Result<Self, RenderError> {
        Ok(Renderer {
            fonts: text::Fonts::load()?,
            options: options(font_database()?),
        })
    }

    /// The certificate as SVG source (1600×1131, landscape A-series).
    pub fn certificate_svg(&self, view: &CertificateView) -> String {
        certificate::svg(&self.fonts, view)
    }

    /// The certificate as a PNG image.
    pub fn certificate_png(&self, view: &CertificateView) -> Result<Vec<u8>, RenderError> {
        self.png(&self.certificate_svg(view))
    }

    /// The bar chart as SVG source (1200 wide, taller with more bars).
    pub fn chart_svg(&self, view: &ChartView) -> String {
        chart::svg(&self.fonts, view)
    }

    /// The bar chart as a PNG image.
    pub fn chart_png(&self, view: &ChartView) -> Result<Vec<u8>, RenderError> {
        self.png(&self.chart_svg(view))
    }

    /// Any SVG document as a PNG image, drawn with the embedded fonts only.
    /// Lesson pictures are drawn this way (`examples/lesson_pictures.rs`), so
    /// they use the same letters as the certificates.
    pub fn svg_png(&self, svg: &str) -> Result<Vec<u8>, RenderError> {
        self.png(svg)
    }

    fn png(&self, svg: &str) -> Result<Vec<u8>, RenderError> {
        let tree = usvg::Tree::from_str(svg, &self.options)?;
        let size = tree.size().to_int_size();
        let (width, height) = (size.width(), size.height());
        let mut pixmap =
            tiny_skia::Pixmap::new(width, height).ok_or(RenderError::Size { width, height })?;
        // An opaque base makes every pixel opaque, so the PNG can be RGB.
        pixmap.fill(tiny_skia::Color::WHITE);
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        encode_rgb(&pixmap)
    }
}

/// An opaque pixmap as an RGB PNG: a quarter less data to compress than
/// tiny-skia's RGBA encoder, and no un-premultiplying pass, which together
/// take about a third off a certificate's time.
fn encode_rgb(pixmap: &tiny_skia::Pixmap) -> Result<Vec<u8>, RenderError> {
    let rgb: Vec<u8> = pixmap
        .pixels()
        .iter()
        .flat_map(|p| [p.red(), p.green(), p.blue()])
        .collect();
    let mut out = Vec::with_capacity(rgb.len() / 16);
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Balanced, not Fast: Fast is 15 ms quicker but the file is 2.5 times
    // bigger, and learners often download on slow mobile data.
    encoder.set_compression(png::Compression::Balanced);
    let png_error = |e: png::EncodingError| RenderError::Png(e.to_string());
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&rgb).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

/// A database of the embedded fonts only: no system fonts, so rendering
/// does not depend on what a machine has installed.
fn font_database() -> Result<usvg::fontdb::Database, RenderError> {
    let mut db = usvg::fontdb::Database::new();
    for (data, name) in [
        (text::REGULAR_TTF, "NotoSans-Regular.ttf"),
        (text::BOLD_TTF, "NotoSans-Bold.ttf"),
    ] {
        let faces = db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
        if faces.is_empty() {
            return Err(RenderError::Font(name));
        }
    }
    // Any generic family a template might name resolves to ours.
    db.set_serif_family(text::FAMILY);
    db.set_sans_serif_family(text::FAMILY);
    db.set_monospace_family(text::FAMILY);
    db.set_cursive_family(text::FAMILY);
    db.set_fantasy_family(text::FAMILY);
    Ok(db)
}

fn options(db: usvg::fontdb::Database) -> usvg::Options<'static> {
    let mut options = usvg::Options {
        font_family: text::FAMILY.to_owned(),
        languages: vec!["vi".to_owned(), "en".to_owned()],
        fontdb: Arc::new(db),
        ..usvg::Options::default()
    };
    // Templates embed no images; refusing them all means no SVG we render
    // can ever make resvg read a file or decode untrusted data.
    options.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: Box::new(|_, _, _| None),
        resolve_string: Box::new(|_, _| None),
    };
    options
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Renderer;

    /// Width and height from a PNG's signature and IHDR chunk; panics on
    /// anything else, which is what a test wants.
    pub(crate) fn png_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG signature");
        assert_eq!(&png[12..16], b"IHDR", "first chunk is not IHDR");
        let word = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
        (word(16), word(20))
    }

    /// The RGB colour of one pixel of a PNG we wrote.
    pub(crate) fn pixel(png: &[u8], x: u32, y: u32) -> [u8; 3] {
        let mut reader = png::Decoder::new(std::io::Cursor::new(png))
            .read_info()
            .unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        let at = (y as usize * info.width as usize + x as usize) * 3;
        [buf[at], buf[at + 1], buf[at + 2]]
    }

    pub(crate) fn renderer() -> Renderer {
        Renderer::new().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_is_shareable_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Renderer>();
    }

    #[test]
    fn the_font_database_holds_only_the_two_embedded_faces() {
        let db = font_database().unwrap();
        assert_eq!(db.len(), 2);
        assert!(
            db.faces()
                .all(|f| f.families.iter().any(|(n, _)| n == text::FAMILY))
        );
    }

    #[test]
    fn text_is_drawn_with_the_embedded_fonts() {
        // A text-only SVG must produce ink: if no font were found, resvg
        // would silently draw nothing.
        let renderer = test_support::renderer();
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="60"><text x="10" y="45" font-size="40" font-family="serif">Ắệữ</text></svg>"#;
        let png = renderer.png(svg).unwrap();
        let tree = usvg::Tree::from_str(svg, &renderer.options).unwrap();
        assert!(tree.root().has_children());
        assert_eq!(test_support::png_size(&png), (200, 60));
        assert_eq!(png[24..26], [8, 2], "8-bit RGB");
        let mut pixmap = tiny_skia::Pixmap::new(200, 60).unwrap();
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        assert!(pixmap.pixels().iter().any(|p| p.alpha() > 0));
    }

    #[test]
    fn invalid_svg_is_an_error_not_a_panic() {
        let err = test_support::renderer().png("<svg").unwrap_err();
        assert!(matches!(err, RenderError::Svg(_)), "{err}");
    }
}

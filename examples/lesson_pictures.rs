//! Draws the lesson pictures: every `lessons/<topic>/images/<name>.svg` (or
//! the SVG files named on the command line) becomes the `<name>.png` beside
//! it, drawn by the bot's own renderer with its embedded Noto Sans, so a
//! picture looks the same on every machine.
//!
//! It also refuses text smaller than 24 px: the pictures are 800 px wide and
//! shown about 360 points wide on a phone, so 24 px is already only ~11 pt
//! for eyes in their seventies.
//!
//! ```sh
//! cargo run --example lesson_pictures                # all of them
//! cargo run --example lesson_pictures -- a.svg b.svg # some
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hocvuso::render::Renderer;

/// The smallest font size a lesson picture may use, in SVG pixels.
const MIN_FONT_PX: f64 = 24.0;

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let files = if args.is_empty() {
        match all_pictures(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("lessons")
                .as_path(),
        ) {
            Ok(files) => files,
            Err(e) => {
                eprintln!("error: cannot list the lesson pictures: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        args
    };
    let renderer = match Renderer::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    for svg_path in &files {
        match draw(&renderer, svg_path) {
            Ok(png_path) => println!("{} → {}", svg_path.display(), png_path.display()),
            Err(message) => {
                failed += 1;
                eprintln!("{}: {message}", svg_path.display());
            }
        }
    }
    if failed > 0 {
        eprintln!("{failed} of {} picture(s) not drawn", files.len());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Every `*.svg` in an `images` folder of a topic folder, sorted.
fn all_pictures(lessons: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for topic in std::fs::read_dir(lessons)? {
        let images = topic?.path().join("images");
        if !images.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(images)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "svg") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn draw(renderer: &Renderer, svg_path: &Path) -> Result<PathBuf, String> {
    let svg = std::fs::read_to_string(svg_path).map_err(|e| format!("cannot read: {e}"))?;
    let small = small_fonts(&svg);
    if !small.is_empty() {
        return Err(format!(
            "text smaller than {MIN_FONT_PX} px on line(s) {}: make it bigger",
            small
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let png = renderer.svg_png(&svg).map_err(|e| e.to_string())?;
    let png_path = svg_path.with_extension("png");
    std::fs::write(&png_path, png).map_err(|e| format!("cannot write the PNG: {e}"))?;
    Ok(png_path)
}

/// Lines (1-based) with a `font-size` attribute or property under the
/// minimum. Our drawings set sizes in plain pixels, as `font-size="28"` or
/// `font-size:28px`.
fn small_fonts(svg: &str) -> Vec<usize> {
    svg.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.match_indices("font-size").any(|(at, _)| {
                let rest =
                    line[at + "font-size".len()..].trim_start_matches(['=', ':', '"', '\'', ' ']);
                let number: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_digit() || *c == '.')
                    .collect();
                number.parse::<f64>().is_ok_and(|px| px < MIN_FONT_PX)
            })
        })
        .map(|(n, _)| n + 1)
        .collect()
}

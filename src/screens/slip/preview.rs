//! The slip as the printer would put it on paper, as a PNG: one pixel per printer dot
//! (384 across on 58 mm, 576 on 80 mm), drawn from the same [`Layout`] as the ESC/POS job.
//! Text uses the kiosk's own font (WenQuanYi Micro Hei, `ui/fonts/`) in the printer's
//! cells (12 × 24 dots per ASCII character, 24 × 24 per Chinese one); the QR code is
//! drawn module by module from the same link. For `print-test --preview` and the docs.

use std::path::Path;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use super::layout::{COLUMN_DOTS, LINE_DOTS, Layout, Line, TextLine, char_columns, text_columns};
use crate::hall::qr::{QrError, QrModules};

/// The font the screens use, embedded so a preview looks the same on every machine.
const FONT: &[u8] = include_bytes!("../../../ui/fonts/wqy-microhei.ttc");
/// Dots between lines of text (the printer's default spacing is 30 dots per 24-dot line).
const LINE_GAP: u32 = 6;
/// Blank paper above the first line and below the last (to the cutter).
const MARGIN: u32 = 24;

/// Why a preview could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The embedded font could not be read (a broken build).
    #[error("cannot read the embedded font: {0}")]
    Font(String),
    /// The link does not fit a QR code.
    #[error(transparent)]
    Qr(#[from] QrError),
    /// The PNG could not be written.
    #[error("cannot write {path}: {why}")]
    Write {
        /// The output file.
        path: String,
        /// Why.
        why: String,
    },
}

/// A grey-scale image, one byte a pixel, 255 white.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Pixels across: the paper's dots.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Row-major grey levels.
    pub pixels: Vec<u8>,
}

impl Preview {
    fn blank(width: u32, height: u32) -> Preview {
        Preview { width, height, pixels: vec![255; (width as usize) * (height as usize)] }
    }

    fn darken(&mut self, x: i64, y: i64, level: u8) {
        if (0..i64::from(self.width)).contains(&x) && (0..i64::from(self.height)).contains(&y) {
            let i = (y as usize) * (self.width as usize) + x as usize;
            self.pixels[i] = self.pixels[i].min(level);
        }
    }
}

/// Draws the slip.
pub fn render(layout: &Layout) -> Result<Preview, PreviewError> {
    let font = FontRef::try_from_slice_and_index(FONT, 0).map_err(|e| PreviewError::Font(e.to_string()))?;
    let width = layout.paper.dots();
    let mut heights = Vec::with_capacity(layout.lines.len());
    for line in &layout.lines {
        heights.push(match line {
            Line::Text(t) => LINE_DOTS * u32::from(t.height) + LINE_GAP,
            Line::Rule => LINE_DOTS + LINE_GAP,
            Line::Feed(n) => (LINE_DOTS + LINE_GAP) * u32::from(*n),
            Line::Qr { data, module } => {
                QrModules::encode(data.reveal())?.side_with_quiet_zone() * u32::from(*module) + LINE_GAP
            }
        });
    }
    let mut image = Preview::blank(width, MARGIN * 2 + heights.iter().sum::<u32>());
    let mut top = MARGIN;
    for (line, height) in layout.lines.iter().zip(heights) {
        match line {
            Line::Text(t) => draw_text(&mut image, &font, t, width, top),
            Line::Rule => {
                let dashes = "-".repeat(layout.paper.columns());
                let rule = TextLine {
                    text: dashes,
                    align: super::layout::Align::Left,
                    bold: false,
                    width: 1,
                    height: 1,
                };
                draw_text(&mut image, &font, &rule, width, top);
            }
            Line::Qr { data, module } => {
                draw_qr(&mut image, &QrModules::encode(data.reveal())?, *module, top)
            }
            Line::Feed(_) => {}
        }
        top += height;
    }
    Ok(image)
}

fn draw_text(image: &mut Preview, font: &FontRef<'_>, line: &TextLine, paper_dots: u32, top: u32) {
    let (w, h) = (u32::from(line.width.max(1)), u32::from(line.height.max(1)));
    let used = text_columns(&line.text) as u32 * COLUMN_DOTS * w;
    let mut x = match line.align {
        super::layout::Align::Left => 0,
        super::layout::Align::Center => paper_dots.saturating_sub(used) / 2,
    };
    // PxScale is the height from descender to ascender; the printer's cell is 24 dots.
    let scale = PxScale { x: (LINE_DOTS * w) as f32, y: (LINE_DOTS * h) as f32 };
    let scaled = font.as_scaled(scale);
    let baseline = top as f32 + scaled.ascent();
    for c in line.text.chars() {
        let cell = char_columns(c) as u32 * COLUMN_DOTS * w;
        let glyph_id = font.glyph_id(c);
        let advance = scaled.h_advance(glyph_id);
        let left = x as f32 + ((cell as f32 - advance) / 2.0).max(0.0);
        let glyph = glyph_id.with_scale_and_position(scale, point(left, baseline));
        if let Some(outline) = font.outline_glyph(glyph) {
            let bounds = outline.px_bounds();
            let passes = if line.bold { 2 } else { 1 };
            outline.draw(|gx, gy, coverage| {
                let level = 255 - (coverage.clamp(0.0, 1.0) * 255.0) as u8;
                for dx in 0..passes {
                    let px = bounds.min.x as i64 + i64::from(gx) + dx;
                    image.darken(px, bounds.min.y as i64 + i64::from(gy), level);
                }
            });
        }
        x += cell;
    }
}

fn draw_qr(image: &mut Preview, code: &QrModules, module: u8, top: u32) {
    let module = u32::from(module.max(1));
    let side = code.side_with_quiet_zone();
    let left = image.width.saturating_sub(side * module) / 2;
    for my in 0..side {
        for mx in 0..side {
            if !code.is_dark_with_quiet_zone(mx, my) {
                continue;
            }
            for dy in 0..module {
                for dx in 0..module {
                    let x = i64::from(left + mx * module + dx);
                    image.darken(x, i64::from(top + my * module + dy), 0);
                }
            }
        }
    }
}

/// Writes the preview as a grey-scale PNG.
pub fn write_png(preview: &Preview, path: &Path) -> Result<(), PreviewError> {
    let fail = |why: String| PreviewError::Write { path: path.display().to_string(), why };
    let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), preview.width, preview.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
    writer.write_image_data(&preview.pixels).map_err(|e| fail(e.to_string()))?;
    writer.finish().map_err(|e| fail(e.to_string()))
}

//! Draws a QR code into an image Slint can show: black modules on white, with the 4-module
//! quiet zone that phone cameras need, error correction M (15 % of the code may be
//! smudged or glared and it still reads).

use qrcode::{Color, EcLevel, QrCode};
use slint::{Rgb8Pixel, SharedPixelBuffer};

/// Modules of white border around the code, as the QR standard requires.
pub const QUIET_ZONE: u32 = 4;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode a QR code: {0}")]
pub struct QrError(#[from] qrcode::types::QrError);

/// Renders `text` as a QR code with `scale` pixels per module.
pub fn render(text: &str, scale: u32) -> Result<SharedPixelBuffer<Rgb8Pixel>, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let modules = code.width() as u32;
    let scale = scale.max(1);
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let white = Rgb8Pixel { r: 255, g: 255, b: 255 };
    let black = Rgb8Pixel { r: 0, g: 0, b: 0 };
    let colors = code.to_colors();
    let pixels = buffer.make_mut_slice();
    for (i, pixel) in pixels.iter_mut().enumerate() {
        let (x, y) = (i as u32 % side / scale, i as u32 / side / scale);
        let inside = |v: u32| (QUIET_ZONE..QUIET_ZONE + modules).contains(&v);
        *pixel = if inside(x) && inside(y) {
            let index = ((y - QUIET_ZONE) * modules + (x - QUIET_ZONE)) as usize;
            if colors[index] == Color::Dark { black } else { white }
        } else {
            white
        };
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_quiet_zone_and_dark_modules() {
        let buffer = render("https://track.example.gov.cn/t/440305-K01-261122-0001X?k=abc", 6).unwrap();
        let side = buffer.width() as usize;
        assert_eq!(buffer.width(), buffer.height());
        let px = buffer.as_slice();
        let is_white = |p: &Rgb8Pixel| p.r == 255;
        // The whole quiet zone is white.
        let border = (QUIET_ZONE * 6) as usize;
        for y in 0..side {
            for x in 0..side {
                if x < border || y < border || x >= side - border || y >= side - border {
                    assert!(is_white(&px[y * side + x]), "quiet zone pixel ({x},{y}) is dark");
                }
            }
        }
        // The top-left finder pattern starts right after the quiet zone.
        assert!(!is_white(&px[border * side + border]));
    }
}

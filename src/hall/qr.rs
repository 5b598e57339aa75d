//! A tracking link as a QR code: the grid of dark and light modules, error correction M
//! (15 % of the code may be smudged or glared and it still reads), and the 4-module quiet
//! zone that phone cameras need. Screens paint it (`screens::qr_image`); a printer could
//! send the same link in its own command.

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white border around the code, as the QR standard requires.
pub const QUIET_ZONE: u32 = 4;

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot encode a QR code: {0}")]
pub struct QrError(#[from] qrcode::types::QrError);

/// The modules of one QR code, without the quiet zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    /// Modules per side.
    width: u32,
    /// Row-major, `true` for a dark module.
    dark: Vec<bool>,
}

impl QrModules {
    /// Encodes `text` at error-correction level M.
    pub fn encode(text: &str) -> Result<QrModules, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
        let dark = code.to_colors().into_iter().map(|c| c == Color::Dark).collect();
        Ok(QrModules { width: code.width() as u32, dark })
    }

    /// Modules per side, without the quiet zone.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn side_with_quiet_zone(&self) -> u32 {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether the module at (`x`, `y`) counted from the outer edge of the quiet zone is
    /// dark; the quiet zone and anything outside are light.
    pub fn is_dark_with_quiet_zone(&self, x: u32, y: u32) -> bool {
        let inside = |v: u32| (QUIET_ZONE..QUIET_ZONE + self.width).contains(&v);
        inside(x) && inside(y) && self.dark[((y - QUIET_ZONE) * self.width + (x - QUIET_ZONE)) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_zone_is_light_and_finder_pattern_is_dark() {
        let code = QrModules::encode("https://track.example.gov.cn/t/440305-K01-261122-0001X?k=abc").unwrap();
        let side = code.side_with_quiet_zone();
        assert_eq!(side, code.width() + 8);
        for y in 0..side {
            for x in 0..side {
                let border =
                    x < QUIET_ZONE || y < QUIET_ZONE || x >= side - QUIET_ZONE || y >= side - QUIET_ZONE;
                if border {
                    assert!(!code.is_dark_with_quiet_zone(x, y), "quiet zone module ({x},{y}) is dark");
                }
            }
        }
        // The top-left finder pattern starts right after the quiet zone: 7 dark modules.
        assert!((0..7).all(|i| code.is_dark_with_quiet_zone(QUIET_ZONE + i, QUIET_ZONE)));
        assert!(!code.is_dark_with_quiet_zone(QUIET_ZONE + 1, QUIET_ZONE + 1));
    }
}

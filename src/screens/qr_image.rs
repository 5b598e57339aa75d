//! Paints a QR code ([`crate::hall::qr`]) into an image Slint can show: black modules on
//! white, quiet zone included, `scale` pixels per module so the modules stay crisp.

use slint::{Rgb8Pixel, SharedPixelBuffer};

use crate::hall::qr::{QrError, QrModules};

/// Renders `text` as a QR code with `scale` pixels per module.
pub fn render(text: &str, scale: u32) -> Result<SharedPixelBuffer<Rgb8Pixel>, QrError> {
    let code = QrModules::encode(text)?;
    let scale = scale.max(1);
    let side = code.side_with_quiet_zone() * scale;
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let white = Rgb8Pixel { r: 255, g: 255, b: 255 };
    let black = Rgb8Pixel { r: 0, g: 0, b: 0 };
    for (i, pixel) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i as u32 % side / scale, i as u32 / side / scale);
        *pixel = if code.is_dark_with_quiet_zone(x, y) { black } else { white };
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hall::qr::QUIET_ZONE;

    #[test]
    fn has_quiet_zone_and_dark_modules() {
        let buffer = render("https://track.example.gov.cn/t/440305-K01-261122-0001X?k=abc", 6).unwrap();
        let side = buffer.width() as usize;
        assert_eq!(buffer.width(), buffer.height());
        let px = buffer.as_slice();
        let is_white = |p: &Rgb8Pixel| p.r == 255;
        let border = (QUIET_ZONE * 6) as usize;
        for y in 0..side {
            for x in 0..side {
                if x < border || y < border || x >= side - border || y >= side - border {
                    assert!(is_white(&px[y * side + x]), "quiet zone pixel ({x},{y}) is dark");
                }
            }
        }
        assert!(!is_white(&px[border * side + border]));
    }
}

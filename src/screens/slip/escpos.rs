//! The few ESC/POS commands a slip needs, byte by byte, and the encoder that turns a
//! [`Layout`] into one print job. Pure: no I/O. Why our own and not a crate: see
//! `docs/decisions/0013-escpos-commands-of-our-own.md`.
//!
//! Every command here is in Epson's ESC/POS reference and is understood by the Chinese
//! 58/80 mm printers halls buy (Xprinter, GPrinter, SPRT, Epson TM-T82 CN). Numbers are
//! hexadecimal unless written otherwise.

use encoding_rs::{EncoderResult, Encoding};

use super::layout::{Align, Layout, Line, TextLine};
use crate::config::SlipEncoding;

/// `ESC @` (1B 40): initialise: clears the buffer and resets modes to the power-on state.
pub const INIT: [u8; 2] = [0x1B, 0x40];
/// `FS &` (1C 26): Chinese (Kanji) character mode on, so two-byte GB18030/GBK sequences
/// print as Chinese characters. Already on by default on Chinese-market printers.
pub const CHINESE_MODE: [u8; 2] = [0x1C, 0x26];
/// `LF` (0A): print the line buffer and feed one line.
pub const LF: u8 = 0x0A;
/// `GS V 65 n` (1D 56 41 00): feed to the cutter and cut fully (function B, n = 0).
pub const CUT: [u8; 4] = [0x1D, 0x56, 0x41, 0x00];
/// `DLE EOT 1` (10 04 01): real-time printer status; bit 3 of the answer = offline.
pub const STATUS_PRINTER: [u8; 3] = [0x10, 0x04, 0x01];
/// `DLE EOT 4` (10 04 04): real-time roll paper sensor status; bits 5 and 6 of the
/// answer = paper end, bits 2 and 3 = paper near end.
pub const STATUS_PAPER: [u8; 3] = [0x10, 0x04, 0x04];

/// `ESC a n` (1B 61 n): justification, n = 0 left, 1 centre.
fn align(a: Align) -> [u8; 3] {
    [0x1B, 0x61, if a == Align::Center { 1 } else { 0 }]
}

/// `ESC E n` (1B 45 n): emphasised (bold) on (1) or off (0).
fn bold(on: bool) -> [u8; 3] {
    [0x1B, 0x45, u8::from(on)]
}

/// `GS ! n` (1D 21 n): character size; high nibble = width − 1, low nibble = height − 1
/// (each 1 to 8). Applies to ASCII and Chinese characters alike.
fn size(width: u8, height: u8) -> [u8; 3] {
    let w = width.clamp(1, 8) - 1;
    let h = height.clamp(1, 8) - 1;
    [0x1D, 0x21, (w << 4) | h]
}

/// `ESC d n` (1B 64 n): print and feed n lines.
fn feed(lines: u8) -> [u8; 3] {
    [0x1B, 0x64, lines]
}

/// `GS ( k`: the QR code symbol, as the printer draws it itself (crisp at any module size):
/// model 2, module size, error correction M, store the data, print it.
fn qr(data: &str, module: u8) -> Vec<u8> {
    // GS ( k pL pH cn fn ...: cn = 49 (31, QR code); pL pH = bytes after them, little endian.
    let mut out = Vec::new();
    // fn 65 (41): select the model, n1 = 50 (32) for model 2, n2 = 0.
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
    // fn 67 (43): module size in dots, 1 to 16.
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, module.clamp(1, 16)]);
    // fn 69 (45): error correction level, 48 L, 49 M (31), 50 Q, 51 H.
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
    // fn 80 (50): store the data in the symbol area; m = 48 (30); length = data + 3.
    // A tracking link is far below the 7,089 bytes a QR code holds, so u16 always fits.
    let len = u16::try_from(data.len().saturating_add(3)).unwrap_or(u16::MAX);
    let [pl, ph] = len.to_le_bytes();
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, pl, ph, 0x31, 0x50, 0x30]);
    out.extend_from_slice(&data.as_bytes()[..usize::from(len - 3)]);
    // fn 81 (51): print the stored symbol; m = 48 (30).
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
    out
}

/// The text in the printer's encoding. A character the encoding lacks prints as `?`;
/// control characters print as spaces, so configured text can never smuggle in a command.
pub fn encode_text(text: &str, encoding: SlipEncoding) -> Vec<u8> {
    let encoding: &'static Encoding = match encoding {
        SlipEncoding::Gb18030 => encoding_rs::GB18030,
        SlipEncoding::Gbk => encoding_rs::GBK,
    };
    let mut encoder = encoding.new_encoder();
    let mut out = Vec::with_capacity(text.len() * 2);
    for c in text.chars() {
        let c = if c.is_control() { ' ' } else { c };
        let mut utf8 = [0u8; 4];
        let mut bytes = [0u8; 8];
        let (result, _, written) =
            encoder.encode_from_utf8_without_replacement(c.encode_utf8(&mut utf8), &mut bytes, false);
        match result {
            EncoderResult::InputEmpty => out.extend_from_slice(&bytes[..written]),
            _ => out.push(b'?'),
        }
    }
    out
}

/// One print job: initialise, every line, feed and cut.
pub fn encode(layout: &Layout, encoding: SlipEncoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    out.extend_from_slice(&INIT);
    out.extend_from_slice(&CHINESE_MODE);
    for line in &layout.lines {
        match line {
            Line::Text(text) => encode_line(&mut out, text, encoding),
            Line::Qr { data, module } => {
                out.extend_from_slice(&align(Align::Center));
                out.extend_from_slice(&qr(data.reveal(), *module));
                out.push(LF);
            }
            Line::Rule => {
                out.extend_from_slice(&align(Align::Left));
                out.extend(std::iter::repeat_n(b'-', layout.paper.columns()));
                out.push(LF);
            }
            Line::Feed(n) => out.extend_from_slice(&feed(*n)),
        }
    }
    out.extend_from_slice(&CUT);
    out
}

fn encode_line(out: &mut Vec<u8>, line: &TextLine, encoding: SlipEncoding) {
    out.extend_from_slice(&align(line.align));
    out.extend_from_slice(&bold(line.bold));
    out.extend_from_slice(&size(line.width, line.height));
    out.extend_from_slice(&encode_text(&line.text, encoding));
    out.push(LF);
    out.extend_from_slice(&size(1, 1));
    out.extend_from_slice(&bold(false));
}

/// Whether a byte has the fixed bits of a `DLE EOT` answer (bits 1 and 4 set, 0 and 7
/// clear), so stray bytes are not read as a status.
pub fn is_status(byte: u8) -> bool {
    byte & 0x93 == 0x12
}

/// From the answer to [`STATUS_PAPER`]: the roll has run out.
pub fn paper_out(byte: u8) -> bool {
    byte & 0x60 != 0
}

/// From the answer to [`STATUS_PAPER`]: the roll is nearly used up.
pub fn paper_near_end(byte: u8) -> bool {
    byte & 0x0C != 0
}

/// From the answer to [`STATUS_PRINTER`]: the printer is offline (cover open, error,
/// paper out).
pub fn offline(byte: u8) -> bool {
    byte & 0x08 != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_gb18030_and_unknown_characters_become_question_marks() {
        assert_eq!(encode_text("回执", SlipEncoding::Gb18030), [0xBB, 0xD8, 0xD6, 0xB4]);
        assert_eq!(encode_text("A-1", SlipEncoding::Gbk), b"A-1");
        // U+20000 exists only as a four-byte GB18030 sequence: GBK printers get '?'.
        assert_eq!(encode_text("\u{20000}", SlipEncoding::Gb18030).len(), 4);
        assert_eq!(encode_text("\u{20000}", SlipEncoding::Gbk), b"?");
        assert_eq!(encode_text("a\x1b@", SlipEncoding::Gb18030), b"a @");
    }

    #[test]
    fn status_bits() {
        assert!(is_status(0x12) && !paper_out(0x12) && !offline(0x12));
        assert!(is_status(0x72) && paper_out(0x72));
        assert!(is_status(0x1E) && offline(0x1E));
        assert!(paper_near_end(0x1E) && !is_status(0x00));
    }

    #[test]
    fn size_packs_width_and_height() {
        assert_eq!(size(2, 2), [0x1D, 0x21, 0x11]);
        assert_eq!(size(1, 2), [0x1D, 0x21, 0x01]);
    }
}

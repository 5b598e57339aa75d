//! The slip as a list of lines, from a ticket and the hall's settings: one pure function
//! ([`layout`]) that both the ESC/POS encoder and the PNG preview draw from, so the paper
//! and its preview cannot drift apart.
//!
//! Widths are counted in the printer's font A columns: 12 dots for ASCII, 24 for Chinese
//! (two columns), so 32 columns on 58 mm paper and 48 on 80 mm.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::{Slip, SlipKind, SlipSettings};
use crate::config::Language;
use crate::hall::qr::{QUIET_ZONE, QrModules};

/// Dots of one font A column; a Chinese character takes two.
pub const COLUMN_DOTS: u32 = 12;
/// Dots of one font A line of text, before magnification.
pub const LINE_DOTS: u32 = 24;

/// Paper width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm roll: 48 mm printable, 384 dots at 203 dpi.
    Mm58,
    /// 80 mm roll: 72 mm printable, 576 dots.
    Mm80,
}

impl Paper {
    /// From `[printer] paper_mm` (validated to 58 or 80).
    pub fn from_mm(mm: u32) -> Paper {
        if mm >= 80 { Paper::Mm80 } else { Paper::Mm58 }
    }

    /// Printable dots across.
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }

    /// Font A columns across.
    pub fn columns(self) -> usize {
        (self.dots() / COLUMN_DOTS) as usize
    }

    /// Dots per QR module a phone reads easily from paper: 0.75 mm on 58, 1 mm on 80.
    fn preferred_qr_module(self) -> u8 {
        match self {
            Paper::Mm58 => 6,
            Paper::Mm80 => 8,
        }
    }
}

/// Horizontal placement of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    Center,
}

/// One line of text, already wrapped to fit the paper at its magnification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    /// The text; never wider than the paper.
    pub text: String,
    /// Where it sits.
    pub align: Align,
    /// Emphasised (bold).
    pub bold: bool,
    /// Width magnification, 1 to 8.
    pub width: u8,
    /// Height magnification, 1 to 8.
    pub height: u8,
}

/// The data of a QR code: the tracking link, which holds the secret token. Debug hides it
/// so a logged layout never leaks it.
#[derive(Clone, PartialEq, Eq)]
pub struct QrData(String);

impl QrData {
    /// The link itself, for the printer and the preview only.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for QrData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("QrData(<tracking link>)")
    }
}

/// One element of the slip, top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Text.
    Text(TextLine),
    /// A centred QR code, model 2, error correction M.
    Qr {
        /// What it encodes.
        data: QrData,
        /// Dots per module.
        module: u8,
    },
    /// A dashed separator across the paper.
    Rule,
    /// Blank space of this many text lines.
    Feed(u8),
}

/// The whole slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The paper it is laid out for.
    pub paper: Paper,
    /// Its lines, top to bottom.
    pub lines: Vec<Line>,
}

/// Columns a character takes in font A: ASCII one, everything else (Chinese) two.
pub fn char_columns(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Columns a text takes.
pub fn text_columns(text: &str) -> usize {
    text.chars().map(char_columns).sum()
}

/// Punctuation that must not begin a line (Chinese line-breaking rule 避头点).
const NO_LINE_START: &str = "，。、：；！？）》」』】,.:;!?)";

/// Breaks `text` into lines of at most `columns`: Chinese anywhere but before closing
/// punctuation, Latin text at a space when the line has one.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(4);
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in text.chars() {
        if text_columns(&line) + char_columns(c) > columns {
            let carry = carry_start(&line, c).map(|i| line.split_off(i)).unwrap_or_default();
            line.truncate(line.trim_end().len());
            lines.push(std::mem::replace(&mut line, carry));
            if c == ' ' {
                continue;
            }
        }
        line.push(c);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Where the tail of a full `line` must move to the next line so `next` does not start it:
/// a Latin word moves whole, closing punctuation takes the Chinese character before it.
fn carry_start(line: &str, next: char) -> Option<usize> {
    let closing = NO_LINE_START.contains(next);
    if next == ' ' || !(next.is_ascii_alphanumeric() || closing) {
        return None;
    }
    let start = if line.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        line.rfind(' ').map(|i| i + 1)?
    } else if closing {
        line.char_indices().last()?.0
    } else {
        return None;
    };
    (start > 0).then_some(start)
}

/// The slip for `slip` on the hall's printer.
pub fn layout(slip: &Slip, settings: &SlipSettings) -> Layout {
    let paper = settings.paper;
    let words = Words::of(slip.language);
    let mut out = Builder { paper, lines: Vec::new() };
    let hall_name = match (slip.language, &settings.hall_name_en) {
        (Language::En, Some(en)) => en,
        _ => &settings.hall_name,
    };
    out.text(hall_name, Align::Center, true, 1, 1);
    let title = match slip.kind {
        SlipKind::Complaint => words.complaint_title,
        SlipKind::RatingFollowUp => words.rating_title,
    };
    out.large(title, true);
    out.lines.push(Line::Rule);
    out.text(words.number_label, Align::Center, false, 1, 1);
    out.large(&slip.number, true);
    out.lines.push(Line::Qr { data: QrData(slip.link.clone()), module: qr_module(&slip.link, paper) });
    out.text(words.scan_hint, Align::Center, false, 1, 1);
    out.lines.push(Line::Rule);
    let due = format_date(slip.reply_due, slip.language);
    out.text(&format!("{}{due}", words.reply_label), Align::Left, true, 1, 1);
    out.text(&(words.next_steps)(slip.kind, slip.working_days), Align::Left, false, 1, 1);
    if let Some(phone) = &settings.hall_phone {
        out.text(&format!("{}{phone}", words.phone_label), Align::Left, false, 1, 1);
    }
    let issued = slip.issued_at.format("%Y-%m-%d %H:%M").to_string();
    out.text(&format!("{}{issued}", words.time_label), Align::Left, false, 1, 1);
    out.lines.push(Line::Feed(2));
    Layout { paper, lines: out.lines }
}

struct Builder {
    paper: Paper,
    lines: Vec<Line>,
}

impl Builder {
    fn text(&mut self, text: &str, align: Align, bold: bool, width: u8, height: u8) {
        let columns = self.paper.columns() / usize::from(width.max(1));
        for part in wrap(text, columns) {
            self.lines.push(Line::Text(TextLine { text: part, align, bold, width, height }));
        }
    }

    /// Double height, and double width when the text fits the paper that way.
    fn large(&mut self, text: &str, bold: bool) {
        let width = if text_columns(text) * 2 <= self.paper.columns() { 2 } else { 1 };
        self.text(text, Align::Center, bold, width, 2);
    }
}

/// The largest module size up to the paper's preferred one at which the code, quiet zone
/// included, fits across the paper; at least 3 dots.
fn qr_module(link: &str, paper: Paper) -> u8 {
    let preferred = paper.preferred_qr_module();
    let Ok(code) = QrModules::encode(link) else { return preferred };
    let fits = paper.dots() / (code.width() + 2 * QUIET_ZONE).max(1);
    u8::try_from(fits).unwrap_or(u8::MAX).clamp(3, preferred)
}

fn format_date(date: NaiveDate, language: Language) -> String {
    match language {
        Language::ZhCn => {
            const DAYS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
            let day = DAYS[date.weekday().num_days_from_monday() as usize];
            format!("{}年{}月{}日（周{day}）", date.year(), date.month(), date.day())
        }
        Language::En => date.format("%a %-d %b %Y").to_string(),
    }
}

/// The slip's fixed words in one language.
struct Words {
    complaint_title: &'static str,
    rating_title: &'static str,
    number_label: &'static str,
    scan_hint: &'static str,
    reply_label: &'static str,
    phone_label: &'static str,
    time_label: &'static str,
    next_steps: fn(SlipKind, u32) -> String,
}

impl Words {
    fn of(language: Language) -> Words {
        match language {
            Language::ZhCn => Words {
                complaint_title: "办不成事反映回执",
                rating_title: "服务评价回执",
                number_label: "回执编号",
                scan_hint: "手机扫码可查看办理进度",
                reply_label: "承诺答复：",
                phone_label: "咨询电话：",
                time_label: "打印时间：",
                next_steps: |kind, days| match kind {
                    SlipKind::Complaint => format!(
                        "我们已收到您的反映，将在{days}个工作日内给您答复。请保管好本回执，凭回执编号可在服务窗口或电话查询办理进度。"
                    ),
                    SlipKind::RatingFollowUp => format!(
                        "您的评价已收到。对您反映的问题，我们将在{days}个工作日内给您答复。请保管好本回执，凭回执编号可查询处理进度。"
                    ),
                },
            },
            Language::En => Words {
                complaint_title: "Report receipt",
                rating_title: "Service rating receipt",
                number_label: "Ticket number",
                scan_hint: "Scan with a phone to follow your case",
                reply_label: "Reply by: ",
                phone_label: "Phone: ",
                time_label: "Printed: ",
                next_steps: |kind, days| match kind {
                    SlipKind::Complaint => format!(
                        "We have your report and will reply within {days} working days. Keep this slip: with its number any service window or our phone line can tell you how far it got."
                    ),
                    SlipKind::RatingFollowUp => format!(
                        "We have your rating and will answer the problem you raised within {days} working days. Keep this slip to ask how far it got."
                    ),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_chinese_anywhere_and_english_at_spaces() {
        assert_eq!(wrap("一二三四五", 4), vec!["一二", "三四", "五"]);
        assert_eq!(wrap("一二三。四", 6), vec!["一二", "三。四"]);
        assert_eq!(wrap("keep this slip safe", 10), vec!["keep this", "slip safe"]);
        assert_eq!(wrap("how far it got.", 14), vec!["how far it", "got."]);
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert!(wrap("我们已收到您的反映，将在2个工作日内答复", 32).iter().all(|l| text_columns(l) <= 32));
    }

    #[test]
    fn qr_module_shrinks_to_fit_the_paper() {
        let link = "https://track.example.gov.cn/t/440305-K01-261122-0042X?k=q7Jc2mN0x3Wb9FvK1sTzAg";
        assert_eq!(qr_module(link, Paper::Mm58), 6);
        assert_eq!(qr_module(link, Paper::Mm80), 8);
        let long = format!("https://track.example.gov.cn/{}", "x".repeat(300));
        let m = u32::from(qr_module(&long, Paper::Mm58));
        let code = QrModules::encode(&long).unwrap();
        assert!((code.width() + 8) * m <= 384, "module {m} for width {}", code.width());
    }
}

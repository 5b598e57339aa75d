//! Staging: any screen shown on its own with sample content, as a citizen would reach it,
//! for `hall-kiosk screenshot` and the tests. It taps through the flows' own callbacks, so
//! a staged screen is the real one.

use chrono::Local;
use slint::ComponentHandle;

use super::app::KioskApp;
use super::ui::{
    AppWindow, Assist, Complaint, Idle, Keyboard, KeyboardLayout, Page, Phone, Rating, Shell, Staff,
    TextField, Theme,
};
use crate::config::Language;
use crate::config::LoadedConfig;
use crate::delivery::outbox::{DeadLetter, QueueStats, now_ms};
use crate::delivery::protocol::Kind;
use crate::delivery::status::StatusReport;
use crate::delivery::submission::TicketReceipt;
use crate::hall::ticket::{TicketNumber, TrackingToken, tracking_link};
use crate::hall::workdays::WorkCalendar;

/// A screen that can be shown on its own, with sample content (for screenshots and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Screen {
    /// The start screen.
    Home,
    /// How the kiosk works.
    Help,
    /// The "still there?" countdown, over the help page.
    Idle,
    /// Complaint step 1: what went wrong.
    ComplaintProblem,
    /// Complaint step 2: which department.
    ComplaintDepartment,
    /// Complaint step 2: which matter of the department.
    ComplaintMatter,
    /// Complaint step 3: details and visits.
    ComplaintDetails,
    /// Complaint step 3, typing in the citizen's own words: the keyboard up, pinyin typed,
    /// its candidates showing.
    ComplaintText,
    /// The same field on the handwriting pad: 不 written, its candidates showing.
    ComplaintHandwriting,
    /// Complaint step 4: optional phone number.
    ComplaintContact,
    /// Complaint step 5: check and send.
    ComplaintSummary,
    /// Complaint: the "stop and clear?" question.
    ComplaintCancel,
    /// The ticket after sending.
    Ticket,
    /// Rating step 1: which window.
    RatingWindow,
    /// Rating step 1: who at the window.
    RatingStaff,
    /// Rating step 1: which matter (optional).
    RatingMatter,
    /// Rating step 2: the five levels.
    RatingLevel,
    /// Rating step 3: reasons, for a bad rating (none chosen yet, so the prompt shows).
    RatingReasons,
    /// Rating step 4: call-back for a bad rating.
    RatingContact,
    /// After a good rating: thanks, back home by itself.
    RatingThanks,
    /// After a bad rating: the follow-up ticket.
    RatingTicket,
    /// "Someone is coming", after Call staff.
    CallStaff,
    /// The staff PIN pad, after the hidden corner gesture (two digits typed).
    StaffPin,
    /// The staff panel's status, with sample figures and one dead letter.
    Staff,
}

/// The complaint flow, one entry per screen further in: problem 7, department 2, its first
/// matter with two phrases and three visits, a phone number with call-back and consent.
const COMPLAINT_STEPS: &[fn(&AppWindow)] = &[
    |w| w.global::<Complaint>().invoke_start(),
    |w| w.global::<Complaint>().invoke_choose_problem(6),
    |w| w.global::<Complaint>().invoke_choose_department(1),
    |w| {
        let c = w.global::<Complaint>();
        c.invoke_choose_matter(0);
        c.invoke_toggle_phrase(0);
        c.invoke_toggle_phrase(1);
        c.invoke_choose_visits(3);
    },
    |w| {
        // Elder mode asks the visit count on a screen of its own: Next until the phone step.
        let c = w.global::<Complaint>();
        for _ in 0..2 {
            if c.get_step() == 3 {
                c.invoke_next();
            }
        }
        let p = w.global::<Phone>();
        "13812345678".chars().for_each(|d| p.invoke_press_digit(d.to_string().into()));
        p.invoke_toggle_callback();
    },
    |w| w.global::<Complaint>().invoke_next(),
];

/// The same for a bad rating of window 3.
const RATING_STEPS: &[fn(&AppWindow)] = &[
    |w| w.global::<Rating>().invoke_start(),
    |w| w.global::<Rating>().invoke_choose_window(2),
    |w| w.global::<Rating>().invoke_choose_staff(0),
    |w| w.global::<Rating>().invoke_choose_matter(0),
    |w| w.global::<Rating>().invoke_choose_level(2),
    |w| {
        let r = w.global::<Rating>();
        r.invoke_toggle_reason(0);
        r.invoke_toggle_reason(2);
        r.invoke_next();
    },
];

/// 不 as a finger writes it in a 600×600 box: 一, 丿, 丨, 丶 (drawn for this sample).
const SAMPLE_BU: &[&[(f32, f32)]] = &[
    &[(148.0, 172.0), (210.0, 168.0), (280.0, 165.0), (350.0, 161.0), (415.0, 158.0), (452.0, 160.0)],
    &[(338.0, 176.0), (310.0, 222.0), (276.0, 270.0), (236.0, 318.0), (192.0, 372.0), (150.0, 418.0)],
    &[(298.0, 262.0), (300.0, 320.0), (301.0, 385.0), (303.0, 450.0), (305.0, 522.0)],
    &[(338.0, 300.0), (368.0, 326.0), (400.0, 352.0), (430.0, 382.0)],
];

impl Screen {
    /// Whether the screen shows the keyboard with pinyin on offer (it then needs the engine).
    pub fn needs_pinyin(self) -> bool {
        matches!(self, Screen::ComplaintText | Screen::ComplaintHandwriting)
    }

    /// Whether the screen shows the writing pad (it then needs the handwriting engine).
    pub fn needs_handwriting(self) -> bool {
        self == Screen::ComplaintHandwriting
    }
}

impl KioskApp {
    /// Puts the UI into the state of one screen, with sample content where needed, by
    /// tapping through the flow the way a citizen would.
    pub fn stage(&self, screen: Screen, language: Language, elder: bool) {
        self.session.apply_language(language);
        self.window.global::<Theme>().set_elder(elder);
        let shell = self.window.global::<Shell>();
        let walk = |n: usize| COMPLAINT_STEPS[..n].iter().for_each(|step| step(&self.window));
        let rate = |n: usize| RATING_STEPS[..n].iter().for_each(|step| step(&self.window));
        match screen {
            Screen::Home => shell.set_page(Page::Home),
            Screen::Help => shell.set_page(Page::Help),
            Screen::Idle => {
                shell.set_page(Page::Help);
                let idle = self.window.global::<Idle>();
                idle.set_seconds_left(self.session.config.config.ui.idle_countdown_secs as i32);
                idle.set_countdown_visible(true);
            }
            Screen::ComplaintProblem => walk(1),
            Screen::ComplaintDepartment => walk(2),
            Screen::ComplaintMatter => walk(3),
            Screen::ComplaintDetails => walk(4),
            Screen::ComplaintText => {
                walk(4);
                // One question per screen (elder, seated): the words come with the visit count.
                if self.window.global::<Theme>().get_one_question() {
                    self.window.global::<Complaint>().invoke_next();
                }
                let keyboard = self.window.global::<Keyboard>();
                keyboard.invoke_focus(TextField::ComplaintText);
                // Pinyin in both languages (English opens on letters: switch as a citizen would).
                keyboard.invoke_switch_layout(KeyboardLayout::Pinyin);
                // Typed as a citizen would: "为了" taken with Space, then "fuyinjian" open.
                "weile".chars().for_each(|c| keyboard.invoke_key(c.to_string().into()));
                keyboard.invoke_space();
                "fuyinjian".chars().for_each(|c| keyboard.invoke_key(c.to_string().into()));
                self.session.keyboard.settle();
            }
            Screen::ComplaintHandwriting => {
                walk(4);
                if self.window.global::<Theme>().get_one_question() {
                    self.window.global::<Complaint>().invoke_next();
                }
                let keyboard = self.window.global::<Keyboard>();
                keyboard.invoke_focus(TextField::ComplaintText);
                keyboard.invoke_switch_layout(KeyboardLayout::Handwriting);
                // 不, written stroke by stroke into a 600×600 box as a finger would.
                for stroke in SAMPLE_BU {
                    let (x, y) = stroke[0];
                    keyboard.invoke_ink_down(x, y, 600.0, 600.0);
                    stroke[1..].iter().for_each(|&(x, y)| keyboard.invoke_ink_move(x, y));
                    keyboard.invoke_ink_up();
                }
                self.session.keyboard.settle();
            }
            Screen::ComplaintContact => walk(5),
            Screen::ComplaintSummary => walk(6),
            Screen::ComplaintCancel => {
                walk(4);
                self.window.global::<Complaint>().invoke_ask_cancel();
            }
            Screen::Ticket => self.show_sample_ticket(false),
            Screen::CallStaff => {
                walk(2);
                self.window.global::<Assist>().set_notice_visible(true);
            }
            Screen::RatingTicket => self.show_sample_ticket(true),
            Screen::RatingWindow => rate(1),
            Screen::RatingStaff => rate(2),
            Screen::RatingMatter => rate(3),
            Screen::RatingLevel => rate(4),
            Screen::RatingReasons => {
                rate(5);
                self.window.global::<Rating>().invoke_next();
            }
            Screen::RatingContact => rate(6),
            Screen::StaffPin => {
                (0..crate::screens::staff::gesture::TAPS)
                    .for_each(|_| self.window.global::<Staff>().invoke_corner_tap());
                let staff = self.window.global::<Staff>();
                staff.invoke_pin_digit("2".into());
                staff.invoke_pin_digit("4".into());
                self.session.apply_language(language);
            }
            Screen::Staff => {
                self.session.staff.stage_panel(&sample_status(&self.session.config));
                self.session.apply_language(language);
            }
            Screen::RatingThanks => {
                // What a good rating ends on (sending needs an outbox; staging has none).
                self.window.global::<Rating>().set_thanks_seconds_left(8);
                shell.set_page(Page::Thanks);
            }
        }
    }

    /// A ticket as a citizen would see it, with a made-up number and token.
    fn show_sample_ticket(&self, follow_up: bool) {
        let config = &self.session.config;
        let k = &config.config.kiosk;
        let today = Local::now().date_naive();
        let number = TicketNumber::new(&k.hall_code, &k.id, today, 42);
        let token = TrackingToken::from_link("q7Jc2mN0x3Wb9FvK1sTzAg");
        let days = config.config.deadlines.simple_working_days;
        let receipt = TicketReceipt {
            link: tracking_link(&config.config.tracking.base_url, &number, &token),
            number,
            token,
            reply_due: WorkCalendar::from_config(config).add_working_days(today, days),
        };
        self.session.ticket.show("sample", &receipt, days, follow_up, Language::ZhCn);
        // As the citizen sees it a moment later, once "Done" accepts taps.
        self.window.global::<crate::screens::ui::Ticket>().set_ready(true);
    }
}

/// Figures as a kiosk with a small backlog would show them: three pending, one refused.
fn sample_status(config: &LoadedConfig) -> StatusReport {
    let now = now_ms();
    let k = &config.config.kiosk;
    StatusReport {
        kiosk_id: k.id.clone(),
        hall: k.hall_name.clone(),
        version: env!("CARGO_PKG_VERSION").into(),
        queue: QueueStats {
            pending: 3,
            dead_letters: 1,
            oldest_pending_ms: Some(now - 25 * 60_000),
            last_delivery_ms: Some(now - 4 * 60_000),
        },
        dead_letters: vec![DeadLetter {
            id: "019a2012-5a5e-7c1f-9b1d-3c4e5f607182".into(),
            kind: Kind::Complaint,
            ticket: Some("440305-K01-261202-0007R".into()),
            status: 400,
            reason: r#"{"error":"unknown matter id"}"#.into(),
            dead_at_ms: now - 2 * 3_600_000,
        }],
        free_disk_bytes: Some(12_400_000_000),
        uptime_secs: Some(3 * 86_400 + 5 * 3600 + 12 * 60),
        read_at_ms: now,
    }
}

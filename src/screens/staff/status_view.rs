//! The status part of the panel and its dead-letter list, from the one
//! [`StatusReport`] that `hall-kiosk queue status` prints, plus what only the running
//! kiosk knows (the uplink's state, the staff alert codes).

use std::rc::Rc;

use slint::{ComponentHandle, VecModel};

use crate::delivery::outbox::{DeadLetter, truncate};
use crate::delivery::status::{Figure, StatusReport};
use crate::delivery::uplink::UplinkStatus;
use crate::screens::ui::{AppWindow, Staff, StaffDeadLetter};

/// Dead letters listed on the panel (the oldest; "retry all" covers the rest).
pub const LISTED: usize = 5;
/// How much of a server's reason is shown.
const REASON_BYTES: usize = 160;

/// The dead-letter list, handed to the UI once and updated in place.
pub struct DeadLetterList {
    model: Rc<VecModel<StaffDeadLetter>>,
}

impl DeadLetterList {
    /// Gives the UI its (empty) list.
    pub fn install(window: &AppWindow) -> DeadLetterList {
        let model = Rc::new(VecModel::default());
        window.global::<Staff>().set_dead_letters(model.clone().into());
        DeadLetterList { model }
    }

    fn show(&self, report: &StatusReport) {
        let rows = report.dead_letters.iter().take(LISTED).map(|d| row(report, d)).collect::<Vec<_>>();
        self.model.set_vec(rows);
    }
}

fn row(report: &StatusReport, d: &DeadLetter) -> StaffDeadLetter {
    let reason = d.reason.replace(['\n', '\r', '\t'], " ");
    StaffDeadLetter {
        id: d.id.clone().into(),
        kind: d.kind.as_str().into(),
        ticket: d.ticket.clone().unwrap_or_else(|| "-".into()).into(),
        status: i32::from(d.status),
        reason: truncate(&reason, REASON_BYTES).into(),
        age: report.age_of(d).into(),
    }
}

/// Delivery as the panel says it: 0 working, 1 token refused, 2 not the server, 3 failing.
pub fn uplink_state(status: Option<&UplinkStatus>) -> (i32, String) {
    match status {
        Some(s) if s.credentials_rejected => (1, String::new()),
        Some(s) if s.not_the_server => (2, String::new()),
        Some(UplinkStatus { last_error: Some(e), .. }) => (3, truncate(e, REASON_BYTES).to_string()),
        _ => (0, String::new()),
    }
}

/// Shows `report` (or dashes, when the kiosk has no outbox), the uplink's state and the
/// alert codes.
pub fn publish(
    window: &AppWindow,
    list: &DeadLetterList,
    report: Option<&StatusReport>,
    uplink: Option<&UplinkStatus>,
    alerts: &str,
) {
    let g = window.global::<Staff>();
    let value = |f: Figure| report.map_or_else(|| "-".to_string(), |r| r.figure(f));
    g.set_kiosk_id(value(Figure::Kiosk).into());
    g.set_hall(value(Figure::Hall).into());
    g.set_version(env!("CARGO_PKG_VERSION").into());
    g.set_pending(value(Figure::Pending).into());
    g.set_dead_count(value(Figure::DeadLetters).into());
    g.set_oldest_pending(value(Figure::OldestPending).into());
    g.set_last_delivery(value(Figure::LastDelivery).into());
    g.set_free_disk(value(Figure::FreeDisk).into());
    g.set_uptime(value(Figure::Uptime).into());
    g.set_dead_total(report.map_or(0, |r| i32::try_from(r.dead_letters.len()).unwrap_or(i32::MAX)));
    match report {
        Some(r) => list.show(r),
        None => list.model.set_vec(Vec::new()),
    }
    let (state, error) = uplink_state(uplink);
    g.set_uplink_state(state);
    g.set_last_error(error.into());
    g.set_alerts(alerts.into());
}

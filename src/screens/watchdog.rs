//! systemd supervision, fed from the UI thread (`Type=notify`, `WatchdogSec=`).
//!
//! - `READY=1` once the window's first frame is up: two turns of the event loop after it
//!   starts (the first turn draws the window), with the outbox already open.
//! - `WATCHDOG=1` from a Slint timer, from `READY=1` on, so a frozen UI thread stops the
//!   pings and systemd restarts the kiosk; withheld while the delivery thread is dead, for
//!   the same reason.
//! - `STATUS=` with the queue figures, for `systemctl status`. Never personal data.
//!
//! Outside systemd (no `NOTIFY_SOCKET`) nothing is started. The socket protocol is the
//! `sd-notify` crate's.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use sd_notify::NotifyState;
use slint::{Timer, TimerMode};
use tokio::sync::watch;

use crate::delivery::uplink::UplinkStatus;

/// Ping period when systemd asks for no watchdog: only `STATUS=` is refreshed then.
const STATUS_ONLY_PERIOD: Duration = Duration::from_secs(5);
/// Fastest ping period, whatever `WATCHDOG_USEC` says.
const MIN_PERIOD: Duration = Duration::from_millis(20);
/// Event-loop turns between start and `READY=1`.
const READY_AFTER_TICKS: u32 = 2;
/// Period of the readiness check.
const READY_TICK: Duration = Duration::from_millis(10);

/// What the watchdog asks of the delivery side on every tick.
pub struct DeliveryProbe {
    /// Whether the delivery thread still runs.
    pub alive: Box<dyn Fn() -> bool>,
    /// The uplink's figures, for `STATUS=`.
    pub status: Option<watch::Receiver<UplinkStatus>>,
}

/// The running supervision timers; keep it alive as long as the event loop runs.
pub struct Supervision {
    _ready: Rc<Timer>,
    _watchdog: Timer,
    /// The ping period in use (half of systemd's `WATCHDOG_USEC`), if the watchdog is on.
    pub watchdog_period: Option<Duration>,
}

/// Starts supervision when running under systemd with `Type=notify`; `None` otherwise.
/// Call on the UI thread before the event loop runs.
pub fn supervise(probe: DeliveryProbe) -> Option<Supervision> {
    std::env::var_os("NOTIFY_SOCKET")?;
    let watchdog_period = sd_notify::watchdog_enabled().map(|d| (d / 2).max(MIN_PERIOD));
    let probe = Rc::new(probe);
    let last_status = Rc::new(RefCell::new(String::new()));

    // Set once `READY=1` is sent: the watchdog timer stays quiet until then (a slow first
    // frame lets its first period pass before the ready timer's second turn, and
    // systemd's watchdog only starts counting after READY=1 anyway).
    let is_ready = Rc::new(Cell::new(false));
    let ready = Rc::new(Timer::default());
    let ticks = Cell::new(0u32);
    let (me, p, last, now_ready) =
        (Rc::downgrade(&ready), probe.clone(), last_status.clone(), is_ready.clone());
    ready.start(TimerMode::Repeated, READY_TICK, move || {
        ticks.set(ticks.get().saturating_add(1));
        if ticks.get() < READY_AFTER_TICKS {
            return;
        }
        let status = status_line(&p);
        send(&[NotifyState::Ready, NotifyState::Status(&status)]);
        now_ready.set(true);
        tracing::info!(status = %status, "told systemd the kiosk is ready");
        *last.borrow_mut() = status;
        if let Some(t) = me.upgrade() {
            t.stop();
        }
    });

    let watchdog = Timer::default();
    let period = watchdog_period.unwrap_or(STATUS_ONLY_PERIOD);
    let withheld = Cell::new(false);
    watchdog.start(TimerMode::Repeated, period, move || {
        if !is_ready.get() {
            return;
        }
        let alive = (probe.alive)();
        if !alive && !withheld.replace(true) {
            tracing::error!(
                "the delivery thread has stopped; withholding watchdog pings so systemd restarts the kiosk"
            );
        }
        let status = status_line(&probe);
        let changed = *last_status.borrow() != status;
        let mut states = Vec::with_capacity(2);
        if alive && watchdog_period.is_some() {
            states.push(NotifyState::Watchdog);
        }
        if changed {
            states.push(NotifyState::Status(&status));
        }
        if !states.is_empty() {
            send(&states);
        }
        if changed {
            *last_status.borrow_mut() = status;
        }
    });

    tracing::info!(
        watchdog_ms = watchdog_period.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        "supervised by systemd"
    );
    Some(Supervision { _ready: ready, _watchdog: watchdog, watchdog_period })
}

/// The `STATUS=` text: queue figures only.
fn status_line(probe: &DeliveryProbe) -> String {
    if !(probe.alive)() {
        return "delivery stopped; restart pending".into();
    }
    match &probe.status {
        Some(rx) => {
            let s = rx.borrow();
            let mut line = format!("pending {}, dead {}", s.queue.pending, s.queue.dead_letters);
            if s.credentials_rejected {
                line.push_str(", token refused");
            } else if s.last_error.is_some() {
                line.push_str(", last attempt failed");
            }
            line
        }
        None => "running".into(),
    }
}

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
}

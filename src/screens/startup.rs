//! Start-up milestones: a cheap timestamp at each step of the real start-up path (`main.rs`
//! and [`KioskApp`](crate::screens::app::KioskApp)), logged once as one line when the first
//! frame is on screen. That line splits the time to the first frame into its parts (config,
//! display backend, outbox, uplink, audio, window and fonts, controllers, the first render),
//! so the slow part is visible:
//! to `examples/kiosk_bench.rs`, which reads it from the kiosk's log, and to an operator
//! reading the journal of a slow panel. Nothing here waits or allocates on the hot path.

use std::sync::atomic::{AtomicU64, Ordering};

/// A step of the start-up path, in the order the kiosk passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// `main` entered (the process has been exec'd, linked and its runtime set up).
    Main,
    /// Logging set up and the command line parsed.
    Cli,
    /// The hall's config read and validated.
    Config,
    /// The display backend chosen and installed.
    Backend,
    /// The outbox open (SQLite, schema checked, crash recovery done).
    Outbox,
    /// The uplink's thread started.
    Uplink,
    /// The audio thread started (or left out: audio off).
    Audio,
    /// The window component built: its window adapter, the embedded CJK font registered
    /// (generated code, inside `AppWindow::new`), every element of every page.
    Window,
    /// The controllers installed and the shell filled from the config.
    Ui,
    /// The window shown (native window asked for; nothing drawn yet).
    Shown,
    /// The first frame rendered and handed to the display.
    FirstFrame,
}

impl Milestone {
    /// Every milestone, in order.
    pub const ALL: [Milestone; 11] = [
        Milestone::Main,
        Milestone::Cli,
        Milestone::Config,
        Milestone::Backend,
        Milestone::Outbox,
        Milestone::Uplink,
        Milestone::Audio,
        Milestone::Window,
        Milestone::Ui,
        Milestone::Shown,
        Milestone::FirstFrame,
    ];

    /// The field name in the log line: the time spent in the step that ends here.
    pub fn field(self) -> &'static str {
        match self {
            Milestone::Main => "exec_to_main",
            Milestone::Cli => "cli",
            Milestone::Config => "config",
            Milestone::Backend => "backend",
            Milestone::Outbox => "outbox",
            Milestone::Uplink => "uplink",
            Milestone::Audio => "audio",
            Milestone::Window => "window_and_fonts",
            Milestone::Ui => "ui",
            Milestone::Shown => "show",
            Milestone::FirstFrame => "first_render",
        }
    }
}

/// When each milestone was reached, `CLOCK_MONOTONIC` nanoseconds (0: not yet). The clock
/// is the machine's, so a parent process can compare it with the moment it exec'd us.
static REACHED: [AtomicU64; Milestone::ALL.len()] = [const { AtomicU64::new(0) }; Milestone::ALL.len()];

/// Now on `CLOCK_MONOTONIC`, in nanoseconds (what `Instant` reads, but comparable across
/// processes).
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    u64::try_from(ts.tv_sec)
        .unwrap_or(0)
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::try_from(ts.tv_nsec).unwrap_or(0))
}

/// Records that `milestone` is reached now (the first time only: a second window, as in the
/// benchmark, does not move it).
pub fn mark(milestone: Milestone) {
    mark_slot(&REACHED[milestone as usize]);
}

fn mark_slot(slot: &AtomicU64) {
    mark_slot_at(slot, monotonic_ns());
}

fn mark_slot_at(slot: &AtomicU64, ns: u64) {
    let _ = slot.compare_exchange(0, ns.max(1), Ordering::Relaxed, Ordering::Relaxed);
}

/// When `milestone` was reached, if it was.
pub fn reached(milestone: Milestone) -> Option<u64> {
    Some(REACHED[milestone as usize].load(Ordering::Relaxed)).filter(|&ns| ns != 0)
}

/// How long the process had run when `main` was entered, in nanoseconds, from the process's
/// start time in `/proc/self/stat` (clock ticks since boot: 10 ms resolution) and the boot
/// time on `CLOCK_MONOTONIC`'s scale. Coarse; the benchmark measures it exactly from outside.
fn exec_to_main_ns(main_ns: u64) -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Field 22 (starttime), counted after the command name's closing parenthesis.
    let after_name = &stat[stat.rfind(')')? + 1..];
    let ticks: u64 = after_name.split_whitespace().nth(19)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let per_sec = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok().filter(|&t| t > 0)?;
    let started_ns = ticks.saturating_mul(1_000_000_000 / per_sec);
    // CLOCK_MONOTONIC counts from boot on Linux, as starttime does (less suspended time).
    Some(main_ns.saturating_sub(started_ns))
}

/// Milliseconds from `from` to `to`, both reached.
fn ms(from: u64, to: u64) -> f64 {
    to.saturating_sub(from) as f64 / 1e6
}

/// The time each step took, in milliseconds, in order, as `(field, ms)`; steps that did not
/// happen (no audio) count zero. `None` until the first frame is marked.
pub fn steps() -> Option<Vec<(&'static str, f64)>> {
    let reached: Vec<u64> = REACHED.iter().map(|slot| slot.load(Ordering::Relaxed)).collect();
    let exec_to_main = reached.first().copied().filter(|&ns| ns != 0).and_then(exec_to_main_ns);
    steps_of(&reached, exec_to_main)
}

/// [`steps`] from a snapshot of the timestamps (0: not reached), in [`Milestone::ALL`] order.
fn steps_of(reached: &[u64], exec_to_main_ns: Option<u64>) -> Option<Vec<(&'static str, f64)>> {
    let main = reached.first().copied().filter(|&ns| ns != 0)?;
    reached.last().copied().filter(|&ns| ns != 0)?;
    let mut previous = main;
    let mut out = vec![(Milestone::Main.field(), exec_to_main_ns.map_or(0.0, |ns| ns as f64 / 1e6))];
    for (milestone, &at) in Milestone::ALL.iter().zip(reached).skip(1) {
        if at == 0 {
            out.push((milestone.field(), 0.0));
        } else {
            out.push((milestone.field(), ms(previous, at)));
            previous = at;
        }
    }
    Some(out)
}

/// Logs the start-up line once, when the first frame is on screen: each step in ms, the
/// total from `main`, and `main`'s monotonic timestamp (for the benchmark's exec-to-main).
pub fn log_first_frame() {
    mark(Milestone::FirstFrame);
    // Once the home screen has settled, hand back what start-up freed (parsing the config
    // and the font, the first render's scratch): glibc keeps freed pages in its arenas.
    slint::Timer::single_shot(SETTLE, release_free_memory);
    let (Some(steps), Some(main), Some(frame)) =
        (steps(), reached(Milestone::Main), reached(Milestone::FirstFrame))
    else {
        return;
    };
    let parts: Vec<String> = steps.iter().map(|(name, ms)| format!("{name}={ms:.2}")).collect();
    tracing::info!(
        main_monotonic_ns = main,
        main_to_first_frame_ms = %format!("{:.2}", ms(main, frame)),
        steps_ms = %parts.join(" "),
        "first frame on screen"
    );
}

/// How long after the first frame the home screen counts as settled.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

/// Returns the allocator's free pages to the system (glibc only; a no-op elsewhere).
pub fn release_free_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Marks the first frame and logs the start-up line once it is on screen: on a winit
/// window, right after the first redraw has been rendered and presented (a window event
/// filter sees the redraw arrive; the closure it posts runs once the draw is done). Slint's
/// software renderer has no rendering notifier, hence this. On any other backend (the
/// panel's DRM display) the first turn of the event loop stands in for it. Call it after
/// `show()`, before the event loop runs, and keep the returned timer until it ends.
pub fn watch_first_frame<C: slint::ComponentHandle + 'static>(app: &C) -> std::rc::Rc<slint::Timer> {
    use slint::winit_030::{EventResult, WinitWindowAccessor, winit::event::WindowEvent};
    let mut seen = false;
    app.window().on_winit_window_event(move |_, event| {
        if !seen && matches!(event, WindowEvent::RedrawRequested) {
            seen = true;
            if slint::invoke_from_event_loop(log_first_frame).is_err() {
                log_first_frame();
            }
        }
        EventResult::Propagate
    });
    // Other backends: the first turn of the event loop stands in for the first frame. A
    // winit window is created during the first turns, so wait a moment to tell them apart.
    let weak = app.as_weak();
    let first_turn = std::cell::Cell::new(0u64);
    let turns = std::cell::Cell::new(0u32);
    let timer = std::rc::Rc::new(slint::Timer::default());
    let me = std::rc::Rc::downgrade(&timer);
    timer.start(slint::TimerMode::Repeated, std::time::Duration::from_millis(10), move || {
        if first_turn.get() == 0 {
            first_turn.set(monotonic_ns());
        }
        turns.set(turns.get().saturating_add(1));
        let winit = weak.upgrade().is_some_and(|app| app.window().has_winit_window());
        let done = winit || reached(Milestone::FirstFrame).is_some() || turns.get() >= 50;
        if !winit && turns.get() >= 50 && reached(Milestone::FirstFrame).is_none() {
            mark_slot_at(&REACHED[Milestone::FirstFrame as usize], first_turn.get());
            log_first_frame();
        }
        if done && let Some(t) = me.upgrade() {
            t.stop();
        }
    });
    timer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_milestone_keeps_its_first_time() {
        let slot = AtomicU64::new(0);
        mark_slot(&slot);
        let first = slot.load(Ordering::Relaxed);
        assert_ne!(first, 0);
        std::thread::sleep(std::time::Duration::from_millis(1));
        mark_slot(&slot);
        assert_eq!(slot.load(Ordering::Relaxed), first, "a second mark must not move the first");
    }

    #[test]
    fn steps_are_the_gaps_between_reached_milestones_and_add_up() {
        let ms_ns = 1_000_000;
        let mut reached = [0u64; Milestone::ALL.len()];
        assert!(steps_of(&reached, None).is_none(), "nothing before main");
        reached[0] = 100 * ms_ns; // main
        reached[Milestone::Config as usize] = 103 * ms_ns;
        assert!(steps_of(&reached, None).is_none(), "no report before the first frame");
        reached[Milestone::Window as usize] = 140 * ms_ns; // audio and the rest skipped
        reached[Milestone::FirstFrame as usize] = 150 * ms_ns;
        let steps = steps_of(&reached, Some(7 * ms_ns)).unwrap();
        let get = |name: &str| steps.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(steps.len(), Milestone::ALL.len());
        assert_eq!(get("exec_to_main"), 7.0);
        assert_eq!(get("config"), 3.0);
        assert_eq!(get("audio"), 0.0, "a step that did not happen counts zero");
        assert_eq!(get("window_and_fonts"), 37.0, "a gap runs from the last reached milestone");
        assert_eq!(get("first_render"), 10.0);
        let total: f64 = steps.iter().skip(1).map(|(_, ms)| ms).sum();
        assert_eq!(total, 50.0);
    }
}

//! The real kiosk (`target/release/hall-kiosk`, the sample hall) in a real window on Xvfb
//! at 1080×1920, as a panel runs it: exec to first frame from its own start-up line
//! (`screens/startup.rs`), its PSS once the home screen has settled (total and by mapping),
//! and its CPU time while the home screen idles.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hall_kiosk::screens::startup::monotonic_ns;
use serde_json::{Value, json};

use crate::proc;

/// An Xvfb server of our own, killed on drop.
pub struct Xvfb {
    /// `:N`.
    pub display: String,
    child: Child,
}

impl Xvfb {
    /// Starts Xvfb on `display` (`:N`), or on the first free display from :150 up.
    pub fn start(display: Option<&str>) -> Result<Xvfb, String> {
        let candidates: Vec<String> = match display {
            Some(d) => vec![d.to_string()],
            None => (150..170)
                .map(|n| format!(":{n}"))
                .filter(|d| !Path::new(&format!("/tmp/.X{}-lock", &d[1..])).exists())
                .collect(),
        };
        for display in candidates {
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{}", &display[1..]));
            let mut child = Command::new("Xvfb")
                .args([display.as_str(), "-screen", "0", "1080x1920x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start Xvfb: {e} (apt-get install xvfb)"))?;
            for _ in 0..100 {
                if socket.exists() {
                    std::thread::sleep(Duration::from_millis(200));
                    return Ok(Xvfb { display, child });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        Err("Xvfb did not start".into())
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The start-up line: `main_monotonic_ns`, the total from `main` in ms, each step in ms.
type StartupLine = (u64, f64, Vec<(String, f64)>);

/// The parts of the start-up line: `main_monotonic_ns`, the total, each step.
fn parse_startup_line(line: &str) -> Option<StartupLine> {
    let value = |key: &str| -> Option<&str> {
        let at = line.find(&format!(" {key}="))? + key.len() + 2;
        line[at..].split_whitespace().next()
    };
    let main_ns = value("main_monotonic_ns")?.parse().ok()?;
    let total = value("main_to_first_frame_ms")?.parse().ok()?;
    let steps_at = line.find(" steps_ms=")? + " steps_ms=".len();
    let steps = line[steps_at..]
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    Some((main_ns, total, steps))
}

/// One start of the real kiosk: first frame, PSS settled, idle CPU over `idle`. The
/// breakdown of its PSS and its threads too, when `breakdown`.
pub fn run_once(
    exe: &Path,
    config: &Path,
    display: &str,
    idle: Duration,
    breakdown: bool,
) -> Result<Value, String> {
    let spawned_at = monotonic_ns();
    let mut child = Command::new(exe)
        .arg("--config")
        .arg(config)
        .env("DISPLAY", display)
        .env("RUST_LOG", "info")
        .env_remove("JOURNAL_STREAM")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("SLINT_BACKEND")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let pid = child.id().to_string();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let result = measure(&pid, &rx, spawned_at, idle, breakdown);
    let _ = child.kill();
    let _ = child.wait();
    result
}

/// What one start shows: the start-up line read from the kiosk's log, then PSS and CPU.
fn measure(
    pid: &str,
    rx: &mpsc::Receiver<String>,
    spawned_at: u64,
    idle: Duration,
    breakdown: bool,
) -> Result<Value, String> {
    let line = loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains("first frame on screen") => break line,
            Ok(_) => continue,
            Err(_) => return Err("the kiosk logged no first frame within 30 s".to_string()),
        }
    };
    let (main_ns, main_to_frame, steps) =
        parse_startup_line(&line).ok_or_else(|| format!("cannot read the start-up line: {line}"))?;
    let exec_to_main = main_ns.saturating_sub(spawned_at) as f64 / 1e6;
    std::thread::sleep(Duration::from_secs(3));
    let pss_settled = proc::pss_kib(pid);
    let details = breakdown.then(|| (proc::pss_breakdown(pid), proc::threads(pid)));
    let cpu_before = proc::cpu_ns(pid);
    std::thread::sleep(idle);
    let cpu_after = proc::cpu_ns(pid);
    let pss_after_idle = proc::pss_kib(pid);
    let mut out = json!({
        "exec_to_main_ms": exec_to_main,
        "main_to_first_frame_ms": main_to_frame,
        "exec_to_first_frame_ms": exec_to_main + main_to_frame,
        "steps_ms": steps.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
        "pss_settled_kib": pss_settled,
        "pss_after_idle_kib": pss_after_idle,
        "idle_secs": idle.as_secs_f64(),
        "idle_cpu_percent": cpu_after.saturating_sub(cpu_before) as f64 / idle.as_nanos() as f64 * 100.0,
    });
    if let Some((mappings, threads)) = details {
        out["pss_breakdown_kib"] = mappings.into_iter().map(|(k, v)| json!([k, v])).collect();
        out["threads"] = json!(threads);
    }
    Ok(out)
}

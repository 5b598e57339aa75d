//! The kiosk's performance figures, measured by hand (never in CI): start to first frame
//! and its parts, render time of every screen, submit → ticket busy time, memory, idle CPU,
//! and the outbox figures of `outbox_bench`. Prints Markdown tables (as kept in
//! `docs/performance.md`) and writes everything as JSON.
//!
//! `cargo run --release --example kiosk_bench -- [--runs N] [--submissions N] [--quick]
//! [--display :N] [--no-window] [--no-outbox] [--out FILE.json]`
//!
//! It builds what it runs first (the `hall-kiosk` binary, `intake_server`, `outbox_bench`),
//! then runs each measurement in a child process of its own, so no figure carries another's
//! heap or glyph cache. The real-window figures need `Xvfb` (scripts/setup-debian.sh); the
//! benchmark starts its own on a free display (or `--display`).
//!
//! Budgets and method: docs/performance.md.

mod hall;
mod headless;
mod proc;
mod window;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::Parser;
use serde_json::{Value, json};

#[derive(Parser)]
#[command(about = "Performance figures of the kiosk (run by hand on the target machine class)")]
struct Args {
    /// Runs of each start-up and render measurement (medians are reported).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Submissions in each submit → ticket run.
    #[arg(long, default_value_t = 1000)]
    submissions: usize,
    /// Seconds of idle CPU measurement on the home screen.
    #[arg(long, default_value_t = 20)]
    idle_secs: u64,
    /// Fewer runs and rows, for trying the benchmark itself (figures not for the docs).
    #[arg(long)]
    quick: bool,
    /// X display for the real window (default: start Xvfb on a free display from :150).
    #[arg(long)]
    display: Option<String>,
    /// Leave out the real window (no Xvfb).
    #[arg(long)]
    no_window: bool,
    /// Leave out the outbox figures (they take about two minutes).
    #[arg(long)]
    no_outbox: bool,
    /// Do not build the binaries first (they are up to date).
    #[arg(long)]
    no_build: bool,
    /// Where to write the JSON (default target/kiosk_bench.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Internal: one measurement in this process (`render CONFIG`, `submit DIR down|stall N`).
    #[arg(long, num_args = 1.., hide = true)]
    child: Vec<String>,
}

fn main() {
    let mut args = Args::parse();
    if !args.child.is_empty() {
        let out = run_child(&args.child);
        println!("{out}");
        return;
    }
    if args.quick {
        args.runs = args.runs.min(2);
        args.submissions = args.submissions.min(100);
        args.idle_secs = args.idle_secs.min(5);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !args.no_build {
        build_what_we_run();
    }
    let exe_dir = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let kiosk_exe = exe_dir.parent().unwrap().join("hall-kiosk");
    // On the disk the kiosk's outbox would be on (not a tmpfs): fsync must cost what it costs.
    let scratch = root.join("target");
    std::fs::create_dir_all(&scratch).unwrap();
    let started = chrono::Local::now();
    let load_before = loadavg();

    eprintln!("kiosk_bench: render, {} runs", args.runs);
    let config_dir = tempfile::tempdir_in(&scratch).unwrap();
    let config = hall::write_config(config_dir.path(), hall::closed_port());
    let renders: Vec<Value> =
        (0..args.runs).map(|_| child(&["render", &config.display().to_string()])).collect();

    let mut submits = serde_json::Map::new();
    for mode in ["down", "stall"] {
        eprintln!("kiosk_bench: {} submissions, uplink {mode}", args.submissions);
        let dir = tempfile::tempdir_in(&scratch).unwrap();
        let n = args.submissions.to_string();
        submits.insert(mode.into(), child(&["submit", &dir.path().display().to_string(), mode, &n]));
    }

    let windows =
        if args.no_window { Value::Null } else { real_window(&args, &exe_dir, &kiosk_exe, &scratch) };

    let outbox = if args.no_outbox {
        Value::Null
    } else {
        eprintln!("kiosk_bench: outbox (outbox_bench)");
        outbox_figures(&exe_dir, &scratch, args.quick)
    };

    let report = json!({
        "started": started.to_rfc3339(),
        "commit": git_commit(root),
        "machine": {"cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
                    "loadavg_before": load_before, "loadavg_after": loadavg()},
        "runs": args.runs,
        "render": summarise_renders(&renders),
        "submit": submits,
        "window": windows,
        "outbox": outbox,
    });
    print_tables(&report);
    let out = args.out.unwrap_or_else(|| scratch.join("kiosk_bench.json"));
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("\nJSON: {}", out.display());
}

fn run_child(child: &[String]) -> Value {
    match child.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["render", config] => headless::render_mode(Path::new(config)),
        ["submit", dir, mode, n] => {
            let mode = if *mode == "stall" { headless::Uplink::Stalling } else { headless::Uplink::Down };
            headless::submit_mode(Path::new(dir), mode, n.parse().expect("a count"))
        }
        other => panic!("unknown child measurement {other:?}"),
    }
}

/// Runs one measurement in a child process of this benchmark; its last stdout line is JSON.
fn child(args: &[&str]) -> Value {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe).arg("--child").args(args).output().expect("the benchmark runs itself");
    assert!(out.status.success(), "child {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or("null")).expect("the child prints JSON")
}

/// `cargo build` of what the benchmark runs, in its own profile (`cargo run` does not build
/// the kiosk binary or the other examples for us).
fn build_what_we_run() {
    let Some(cargo) = std::env::var_os("CARGO") else { return };
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--bin", "hall-kiosk", "--example", "intake_server", "--example", "outbox_bench"]);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let status = cmd.current_dir(env!("CARGO_MANIFEST_DIR")).status().expect("cargo runs");
    assert!(status.success(), "cannot build the kiosk binary and the examples");
}

fn real_window(args: &Args, exe_dir: &Path, kiosk_exe: &Path, scratch: &Path) -> Value {
    let xvfb = match window::Xvfb::start(args.display.as_deref()) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("kiosk_bench: no real window: {e}");
            return json!({"skipped": e});
        }
    };
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let server = hall::IntakeServer::start(&exe_dir.join("intake_server"), dir.path());
    let config = hall::write_config(dir.path(), server.addr);
    let idle = Duration::from_secs(args.idle_secs);
    let mut runs = Vec::new();
    for i in 0..args.runs {
        eprintln!("kiosk_bench: real window on {}, run {}/{}", xvfb.display, i + 1, args.runs);
        match window::run_once(kiosk_exe, &config, &xvfb.display, idle, i == 0) {
            Ok(v) => runs.push(v),
            Err(e) => {
                eprintln!("kiosk_bench: {e}");
                return json!({"skipped": e});
            }
        }
    }
    let med = |key: &str| median(runs.iter().filter_map(|r| r[key].as_f64()));
    // Steps in start-up order, as [name, median ms].
    let step_count = runs[0]["steps_ms"].as_array().map_or(0, Vec::len);
    let steps: Vec<Value> = (0..step_count)
        .map(|i| {
            let name = runs[0]["steps_ms"][i][0].clone();
            json!([name, median(runs.iter().filter_map(|r| r["steps_ms"][i][1].as_f64()))])
        })
        .collect();
    json!({
        "display": xvfb.display,
        "exec_to_first_frame_ms": med("exec_to_first_frame_ms"),
        "exec_to_main_ms": med("exec_to_main_ms"),
        "main_to_first_frame_ms": med("main_to_first_frame_ms"),
        "steps_ms": steps,
        "pss_settled_kib": med("pss_settled_kib"),
        "pss_after_idle_kib": med("pss_after_idle_kib"),
        "idle_cpu_percent": med("idle_cpu_percent"),
        "runs": runs,
    })
}

fn outbox_figures(exe_dir: &Path, scratch: &Path, quick: bool) -> Value {
    let mut cmd = Command::new(exe_dir.join("outbox_bench"));
    if quick {
        cmd.args(["500", "5000"]);
    }
    let out = cmd.env("BENCH_DIR", scratch).output().expect("outbox_bench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("json: "))
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_else(|| json!({"failed": String::from_utf8_lossy(&out.stderr).to_string()}))
}

/// Per screen and mode, the median over the runs of each figure.
fn summarise_renders(runs: &[Value]) -> Value {
    let Some(first) = runs.first() else { return Value::Null };
    let med = |f: &dyn Fn(&Value) -> Option<f64>| median(runs.iter().filter_map(f));
    let ui_start: serde_json::Map<String, Value> = first["ui_start"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (k.clone(), json!(med(&|r| r["ui_start"][k].as_f64()))))
        .collect();
    let screens: Vec<Value> = first["screens"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut row = json!({
                "screen": s["screen"],
                "elder": s["elder"],
                "full_ms": med(&|r| r["screens"][i]["full_ms"].as_f64()),
                "tap_ms": med(&|r| r["screens"][i]["tap"]["ms"].as_f64()),
                "tap_pixels": s["tap"]["pixels"],
                "tap_at": if s["tap"].is_null() { Value::Null } else { json!([s["tap"]["x"], s["tap"]["y"]]) },
            });
            if !s["digit"].is_null() {
                row["digit_ms"] = json!(med(&|r| r["screens"][i]["digit"]["ms"].as_f64()));
                row["digit_pixels"] = s["digit"]["pixels"].clone();
            }
            row
        })
        .collect();
    json!({"ui_start": ui_start, "screens": screens})
}

fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

fn git_commit(root: &Path) -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(root).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// What each start-up step of `screens/startup.rs` covers.
fn step_label(name: &str) -> String {
    let what = match name {
        "cli" => "logging set up, command line parsed",
        "config" => "config read and validated",
        "backend" => "display backend chosen and installed (X connection)",
        "outbox" => "outbox opened (SQLite, schema, recovery)",
        "uplink" => "uplink set up and its thread started (HTTP client, TLS roots)",
        "audio" => "audio thread started",
        "window_and_fonts" => "window component built, embedded font registered",
        "ui" => "controllers installed, shell filled",
        "show" => "window shown (native window asked for)",
        "first_render" => "event loop: native window, first frame rendered and presented",
        other => other,
    };
    format!("{name}: {what}")
}

fn f(v: &Value, digits: usize) -> String {
    v.as_f64().map_or("–".into(), |x| format!("{x:.digits$}"))
}

fn mib(v: &Value) -> String {
    v.as_f64().map_or("–".into(), |kib| format!("{:.1}", kib / 1024.0))
}

fn print_tables(r: &Value) {
    println!(
        "\n## kiosk_bench {} (commit {}, {} CPUs, load {} → {}), medians of {} runs\n",
        r["started"].as_str().unwrap_or(""),
        r["commit"].as_str().unwrap_or("?"),
        r["machine"]["cpus"],
        r["machine"]["loadavg_before"].as_str().unwrap_or(""),
        r["machine"]["loadavg_after"].as_str().unwrap_or(""),
        r["runs"]
    );
    let w = &r["window"];
    let build = if cfg!(debug_assertions) { "DEBUG build: not budget figures" } else { "release build" };
    println!("### Start to first frame, real window (Xvfb 1080×1920, {build})\n");
    if w["skipped"].is_string() || w.is_null() {
        println!("skipped: {}\n", w["skipped"].as_str().unwrap_or("--no-window"));
    } else {
        println!("| step | ms |\n|---|---:|");
        println!("| exec → main (measured from outside) | {} |", f(&w["exec_to_main_ms"], 1));
        for step in w["steps_ms"].as_array().into_iter().flatten() {
            let name = step[0].as_str().unwrap_or("");
            if name != "exec_to_main" {
                println!("| {} | {} |", step_label(name), f(&step[1], 1));
            }
        }
        println!("| **exec → first frame** | **{}** |\n", f(&w["exec_to_first_frame_ms"], 1));
    }
    let u = &r["render"]["ui_start"];
    println!("### Start of the UI without a display (software renderer into a buffer)\n");
    println!("| step | ms |\n|---|---:|");
    println!("| window component and fonts (`AppWindow::new`) | {} |", f(&u["window_and_fonts_ms"], 1));
    println!("| controllers (`KioskApp::new` after it) | {} |", f(&u["controllers_ms"], 1));
    println!("| first render, cold (glyphs rasterised) | {} |", f(&u["first_render_cold_ms"], 1));
    println!("| the same render again, warm | {} |", f(&u["first_render_warm_ms"], 1));
    println!("| **UI to first frame** | **{}** |\n", f(&u["to_first_frame_ms"], 1));

    println!("### Render time of every screen, 1080×1920, software renderer (ms)\n");
    println!("| screen | full paint | after a tap | tap redraws (px) | full, elder | tap, elder |");
    println!("|---|---:|---:|---:|---:|---:|");
    let screens = r["render"]["screens"].as_array().cloned().unwrap_or_default();
    let (normal, elder): (Vec<_>, Vec<_>) = screens.iter().partition(|s| s["elder"] == json!(false));
    for (n, e) in normal.iter().zip(&elder) {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            n["screen"].as_str().unwrap_or(""),
            f(&n["full_ms"], 1),
            f(&n["tap_ms"], 2),
            n["tap_pixels"],
            f(&e["full_ms"], 1),
            f(&e["tap_ms"], 2)
        );
    }
    for s in &screens {
        if s["digit_ms"].is_number() {
            println!(
                "\nA digit typed on {}{}: {} ms ({} px redrawn).",
                s["screen"].as_str().unwrap_or(""),
                if s["elder"] == json!(true) { " (elder)" } else { "" },
                f(&s["digit_ms"], 2),
                s["digit_pixels"]
            );
        }
    }

    println!("\n### Submit → ticket on screen: UI thread busy (ms)\n");
    println!("| uplink | submissions | p50 | p99 | max | still pending |\n|---|---:|---:|---:|---:|---:|");
    for (mode, label) in [("down", "down (connection refused)"), ("stall", "server stalls 10 s")] {
        let s = &r["submit"][mode];
        println!(
            "| {label} | {} | {} | {} | {} | {} |",
            s["count"],
            f(&s["p50_ms"], 1),
            f(&s["p99_ms"], 1),
            f(&s["max_ms"], 1),
            s["pending_after"]
        );
    }

    println!("\n### Memory (PSS, MiB)\n");
    println!("| when | PSS |\n|---|---:|");
    if w["pss_settled_kib"].is_number() {
        println!("| real kiosk (X11 window), home screen settled (3 s) | {} |", mib(&w["pss_settled_kib"]));
        println!(
            "| real kiosk, after {} s idle on the home screen | {} |",
            r["window"]["runs"][0]["idle_secs"],
            mib(&w["pss_after_idle_kib"])
        );
    }
    let p = &r["submit"]["down"]["pss_kib"];
    println!("| headless kiosk (with its 7.9 MiB buffer), home settled | {} |", mib(&p["home_settled"]));
    println!(
        "| headless, after walking every screen (normal and elder) | {} |",
        mib(&p["after_walking_every_screen"])
    );
    println!("| headless, after half the submissions | {} |", mib(&p["after_half"]));
    println!(
        "| headless, after {} submissions | {} |",
        r["submit"]["down"]["count"],
        mib(&p["after_all_submissions"])
    );
    if let Some(rows) = w["runs"][0]["pss_breakdown_kib"].as_array() {
        println!("\nPSS of the real kiosk by mapping (first run, KiB):\n\n| mapped | KiB |\n|---|---:|");
        for row in rows.iter().take(14) {
            println!("| {} | {} |", row[0].as_str().unwrap_or(""), row[1]);
        }
        let rest: u64 = rows.iter().skip(14).filter_map(|r| r[1].as_u64()).sum();
        println!("| everything else | {rest} |");
        println!("\nThreads: {}", w["runs"][0]["threads"]);
    }

    println!("\n### Idle CPU, home screen\n");
    println!(
        "{} % over {} s (median of runs).",
        f(&w["idle_cpu_percent"], 3),
        r["window"]["runs"][0]["idle_secs"]
    );

    let o = &r["outbox"];
    println!("\n### Outbox (outbox_bench)\n");
    if o["enqueue_per_sec"].is_number() {
        println!("| figure | value |\n|---|---:|");
        println!("| enqueue, one fsync'd transaction each | {} /s |", f(&o["enqueue_per_sec"], 0));
        println!("| drain to the reference server on 127.0.0.1 | {} /s |", f(&o["drain_per_sec"], 0));
        println!("| peak RSS with {} pending | {} MiB |", o["pending"], mib(&o["peak_rss_kib"]));
    } else {
        println!("skipped");
    }
}

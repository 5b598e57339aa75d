//! What `/proc` says about a process: its PSS (total and by mapping), its CPU time.

use std::collections::BTreeMap;

/// PSS in KiB from `/proc/PID/smaps_rollup` (`self` for this process).
pub fn pss_kib(pid: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    field_kib(&text, "Pss:")
}

fn field_kib(text: &str, name: &str) -> Option<u64> {
    text.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse().ok()
}

/// PSS by what is mapped, in KiB, largest first, from `/proc/PID/smaps`: the binary (its
/// code and read-only data, where the embedded font and clips live), each shared library,
/// the heap, anonymous memory (allocator arenas, thread stacks, the renderer's buffers),
/// shared memory (the X11 frame buffer), and the rest.
pub fn pss_breakdown(pid: &str) -> Vec<(String, u64)> {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else { return Vec::new() };
    let exe =
        std::fs::read_link(format!("/proc/{pid}/exe")).map(|p| p.display().to_string()).unwrap_or_default();
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let name = fields.get(5..).map(|f| f.join(" ")).unwrap_or_default();
            current = classify(&name, &exe);
        } else if line.starts_with("Pss:")
            && let Some(kib) = line.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok())
        {
            *by.entry(current.clone()).or_default() += kib;
        }
    }
    let mut out: Vec<(String, u64)> = by.into_iter().filter(|(_, kib)| *kib > 0).collect();
    out.sort_by_key(|row| std::cmp::Reverse(row.1));
    out
}

fn classify(name: &str, exe: &str) -> String {
    if name.is_empty() {
        "anonymous (allocator arenas, thread stacks, buffers)".into()
    } else if name == "[heap]" {
        "[heap] (main allocator arena)".into()
    } else if name.starts_with("[stack") {
        "[stack] (main thread)".into()
    } else if name.starts_with('[') {
        name.into()
    } else if name == exe || name.ends_with("/hall-kiosk") || name.contains("/examples/kiosk_bench") {
        "the binary (code, read-only data: embedded font, clips)".into()
    } else if name.starts_with("/SYSV") || name.contains("/dev/shm") || name.starts_with("/memfd") {
        "shared memory (X11 frame buffer)".into()
    } else {
        let base = name.rsplit('/').next().unwrap_or(name);
        // libfoo.so.1.2.3 → libfoo
        base.split(".so").next().unwrap_or(base).to_string()
    }
}

/// CPU time of every thread of `pid` so far, in nanoseconds (`/proc/PID/task/*/schedstat`:
/// nanosecond resolution, unlike the clock ticks of `stat`). Threads that ended are lost,
/// which is fine for an idle kiosk whose threads live as long as it does.
pub fn cpu_ns(pid: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return 0 };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The thread count and their names, for the breakdown.
pub fn threads(pid: &str) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return Vec::new() };
    let mut names: Vec<String> = tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
        .map(|s| s.trim().to_string())
        .collect();
    names.sort();
    names
}

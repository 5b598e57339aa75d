//! How long one staff-PIN check takes (decision 0017): the example config's hash (argon2id
//! with the crate's default parameters, as `hall-kiosk hash-pin` writes it), checked
//! against the right and a wrong PIN. A check over one frame (16 ms) must not run on the
//! UI thread.
//!
//! `cargo run --release --example pin_bench`

use std::time::Instant;

use hall_kiosk::screens::staff::pin::{Verdict, verify};

fn main() {
    let config = hall_kiosk::config::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/kiosk-config/example.toml"
    )))
    .expect("the example config loads");
    let hash = config.config.staff.pin_hash().expect("the example has a PIN").to_string();
    let runs = 20;
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let pin = if i % 2 == 0 { "246810" } else { "111111" };
        let start = Instant::now();
        let verdict = verify(&hash, pin);
        times.push(start.elapsed());
        assert_eq!(verdict == Verdict::Right, i % 2 == 0);
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "argon2id check, {runs} runs: min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[runs / 2]),
        ms(times[runs - 1])
    );
}

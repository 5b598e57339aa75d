//! `hall-kiosk screenshot` renders screens to PNG without a display, at every panel size.

use std::path::Path;
use std::process::Command;

fn render(args: &[&str], out: &Path) -> (u32, u32, Vec<u8>) {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
    let status = Command::new(env!("CARGO_BIN_EXE_hall-kiosk"))
        .arg("--config")
        .arg(&config)
        .arg("screenshot")
        .args(args)
        .arg("--out")
        .arg(out)
        .env_remove("DISPLAY")
        .status()
        .unwrap();
    assert!(status.success());
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Share of pixels that are dark (text and icons).
fn ink(pixels: &[u8]) -> f64 {
    let dark = pixels.chunks(3).filter(|p| p.iter().map(|&c| c as u32).sum::<u32>() < 200).count();
    dark as f64 / (pixels.len() / 3) as f64
}

#[test]
fn renders_every_panel_size_with_text() {
    let dir = tempfile::tempdir().unwrap();
    for (size, w, h) in [("1080x1920", 1080, 1920), ("1920x1080", 1920, 1080), ("768x1366", 768, 1366)] {
        let out = dir.path().join(format!("home-{size}.png"));
        let (width, height, pixels) = render(&["--screen", "home", "--lang", "zh", "--size", size], &out);
        assert_eq!((width, height), (w, h));
        let ink = ink(&pixels);
        assert!(ink > 0.002 && ink < 0.2, "{size}: {ink} of the pixels are dark");
    }
}

#[test]
fn elder_mode_and_languages_render_differently() {
    let dir = tempfile::tempdir().unwrap();
    let (_, _, zh) = render(&["--screen", "home", "--lang", "zh"], &dir.path().join("zh.png"));
    let (_, _, en) = render(&["--screen", "home", "--lang", "en"], &dir.path().join("en.png"));
    let (_, _, elder) = render(&["--screen", "home", "--lang", "zh", "--elder"], &dir.path().join("el.png"));
    assert_ne!(zh, en);
    assert!(ink(&elder) > ink(&zh), "elder mode draws bigger, bolder text");
}

#[test]
fn ticket_screenshot_qr_reads_back_as_the_tracking_link() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ticket.png");
    render(&["--screen", "ticket", "--lang", "zh"], &out);
    let read = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(&out)
        .output()
        .expect("zbarimg (zbar-tools) is installed by scripts/setup-debian.sh");
    assert!(read.status.success(), "no QR code found in the ticket screen");
    let link = String::from_utf8(read.stdout).unwrap();
    let link = link.trim_end();
    assert!(link.starts_with("https://track.example.gov.cn/t/440305-K01-"), "{link}");
    let number = link["https://track.example.gov.cn/t/".len()..].split('?').next().unwrap();
    hall_kiosk::hall::ticket::TicketNumber::parse(number).expect("valid ticket number in the link");
    assert!(link.contains("?k="));
}

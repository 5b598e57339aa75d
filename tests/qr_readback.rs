//! A phone camera must read the ticket's QR code back as the tracking link: checked with
//! Debian's zbarimg (installed by scripts/setup-debian.sh) on the rendered pixels.

mod common;

use common::zbarimg;

#[test]
fn rendered_qr_reads_back_as_the_link() {
    let dir = tempfile::tempdir().unwrap();
    for (i, link) in [
        "https://track.example.gov.cn/t/440305-K01-261122-0042X?k=q7Jc2mN0x3Wb9FvK1sTzAg",
        "http://127.0.0.1:8080/t/1-A-260101-0001Z?k=AAAAAAAAAAAAAAAAAAAAAA",
    ]
    .iter()
    .enumerate()
    {
        for scale in [3, 8] {
            let buffer = hall_kiosk::screens::qr_image::render(link, scale).unwrap();
            let path = dir.path().join(format!("qr-{i}-{scale}.png"));
            hall_kiosk::screens::screenshot::write_png(&buffer, &path).unwrap();
            assert_eq!(zbarimg(&path), *link);
        }
    }
}

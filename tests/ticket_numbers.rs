//! Ticket numbers are unique across halls, kiosks and days without asking a server: the
//! daily sequence comes from the outbox transaction and restarts each local day.

use std::collections::HashSet;

use chrono::{FixedOffset, NaiveDate, TimeZone};
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::protocol::ComplaintPayload;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::hall::ticket::TicketNumber;

#[test]
fn numbers_differ_across_halls_kiosks_days_and_sequences() {
    let mut seen = HashSet::new();
    for hall in ["440305", "4403", "440"] {
        for kiosk in ["K01", "K1", "05"] {
            for day in 1..=3 {
                for seq in 1..=300 {
                    let date = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
                    let n = TicketNumber::new(hall, kiosk, date, seq);
                    assert!(seen.insert(n.to_string()), "duplicate {n}");
                    TicketNumber::parse(n.as_str()).unwrap();
                }
            }
        }
    }
}

#[test]
fn outbox_sequence_is_per_day_and_never_repeats() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
    let mut config = hall_kiosk::config::load(&path).unwrap();
    config.config.storage.data_dir = dir.path().to_path_buf();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let submitter = Submitter::new(&config, outbox);
    let cst = FixedOffset::east_opt(8 * 3600).unwrap();
    let payload = ComplaintPayload {
        problem_type: "other".into(),
        department: None,
        other_departments: Vec::new(),
        matter: None,
        details: vec![],
        visits: 1,
        free_text: None,
        phone: None,
        callback_requested: false,
        consent_given: false,
        language: hall_kiosk::config::Language::ZhCn,
    };
    let mut numbers = HashSet::new();
    // Late on one day and early the next (local time): the sequence restarts at 0001.
    for (day, hour) in [(22, 23), (22, 23), (22, 23), (23, 0), (23, 0)] {
        let at = cst.with_ymd_and_hms(2026, 11, day, hour, 59, 0).unwrap();
        let receipt = submitter.complaint_at(at, &payload).unwrap();
        let number = receipt.ticket.unwrap().number.to_string();
        assert!(numbers.insert(number.clone()), "duplicate {number}");
    }
    let mut sorted: Vec<_> = numbers.into_iter().collect();
    sorted.sort();
    let seqs: Vec<&str> = sorted.iter().map(|n| &n[18..22]).collect();
    assert_eq!(seqs, ["0001", "0002", "0003", "0001", "0002"], "{sorted:?}");
}

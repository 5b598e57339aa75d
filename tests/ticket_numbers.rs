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
    let payload = complaint();
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

fn complaint() -> ComplaintPayload {
    ComplaintPayload {
        problem_type: "other".into(),
        department: None,
        other_departments: Vec::new(),
        matter: None,
        details: vec![],
        visits: 1,
        free_text: None,
        unlisted_matter: None,
        other_problem: None,
        phone: None,
        callback_requested: false,
        consent_given: false,
        language: hall_kiosk::config::Language::ZhCn,
    }
}

/// A submitter for kiosk `kiosk` of the example hall with its outbox in `dir`.
fn submitter(kiosk: &str, dir: &std::path::Path) -> Submitter {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
    let mut config = hall_kiosk::config::load(&path).unwrap();
    config.config.kiosk.id = kiosk.into();
    config.config.storage.data_dir = dir.to_path_buf();
    let (outbox, _) = Outbox::open(dir).unwrap();
    Submitter::new(&config, outbox)
}

/// Issues `n` numbers at `at` through the kiosk's own path.
fn issue(submitter: &Submitter, at: chrono::DateTime<FixedOffset>, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| submitter.complaint_at(at, &complaint()).unwrap().ticket.unwrap().number.to_string())
        .collect()
}

/// Not the format but the numbering: one kiosk through restarts, delivered rows purged and
/// its database lost, and a second kiosk of the same hall on the same day, never repeat a
/// number, and each kiosk's sequence only goes up.
#[test]
fn numbering_never_repeats_across_restarts_purges_a_lost_database_and_two_kiosks() {
    let at = FixedOffset::east_opt(8 * 3600).unwrap().with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut first = Vec::new();
    let kiosk = submitter("K01", one.path());
    first.extend(issue(&kiosk, at, 3));
    // Everything delivered and its record purged: the count of rows is no sequence.
    let outbox = kiosk.outbox();
    for row in outbox.due(i64::MAX, 0, 100).unwrap() {
        outbox.mark_delivered(&row.id, 1).unwrap();
    }
    outbox.purge_delivered(i64::MAX).unwrap();
    assert_eq!(outbox.stats().unwrap().pending, 0);
    first.extend(issue(&kiosk, at, 3));
    drop(kiosk); // a restart
    let kiosk = submitter("K01", one.path());
    first.extend(issue(&kiosk, at, 3));
    drop(kiosk);
    for side in ["", "-wal", "-shm"] {
        let _ =
            std::fs::remove_file(one.path().join(format!("{}{side}", hall_kiosk::delivery::outbox::DB_FILE)));
    }
    let kiosk = submitter("K01", one.path()); // a fresh database: the floor file carries on
    first.extend(issue(&kiosk, at, 3));
    let second = issue(&submitter("K02", two.path()), at, 3);

    // The last part is the sequence and one check character.
    let seq = |n: &String| {
        let last = n.rsplit('-').next().unwrap();
        last[..last.len() - 1].parse::<u32>().unwrap()
    };
    let seqs: Vec<u32> = first.iter().map(seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "K01's sequence went back: {first:?}");
    assert_eq!(&seqs[..9], &[1, 2, 3, 4, 5, 6, 7, 8, 9], "an intact outbox counts on without gaps");
    assert_eq!(second.iter().map(seq).collect::<Vec<_>>(), [1, 2, 3], "each kiosk has its own sequence");
    let all: HashSet<&String> = first.iter().chain(&second).collect();
    assert_eq!(all.len(), first.len() + second.len(), "a number was issued twice: {first:?} {second:?}");
}

/// A clock that ran ahead for a while (days), then was corrected: the hourly purge must
/// not forget the real day's count, and if a day's count is gone the next number still
/// starts above everything given out that day (the floor file).
#[test]
fn a_clock_that_ran_ahead_never_makes_a_number_repeat() {
    let tz = FixedOffset::east_opt(8 * 3600).unwrap();
    let today = tz.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let ahead = tz.with_ymd_and_hms(2026, 12, 9, 10, 0, 0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kiosk = submitter("K01", dir.path());
    let mut numbers = issue(&kiosk, today, 3);
    numbers.extend(issue(&kiosk, ahead, 1)); // the clock jumps 15 days ahead
    kiosk.outbox().purge_delivered(i64::MAX).unwrap(); // the hourly purge, on the wrong day
    numbers.extend(issue(&kiosk, today, 3)); // the clock is put right
    let unique: HashSet<&String> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "a number was issued twice: {numbers:?}");
}

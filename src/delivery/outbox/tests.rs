//! Unit tests of the outbox: sequence, privacy, dead letters, paging, corruption, full disk.

use std::os::unix::fs::PermissionsExt;

use super::*;

fn queue(outbox: &Outbox, kind: Kind, day: Option<NaiveDate>) -> (String, Option<u32>) {
    let id = Uuid::now_v7();
    let new = NewSubmission { id, kind, created_at_ms: now_ms(), ticket_day: day };
    let seq = outbox
        .enqueue(&new, |seq| {
            let body = format!("{{\"id\":\"{id}\",\"seq\":{}}}", seq.unwrap_or(0)).into_bytes();
            (Rendered { body, ticket: seq.map(|s| format!("T-{s}")) }, seq)
        })
        .unwrap();
    (id.to_string(), seq)
}

#[test]
fn daily_sequence_counts_per_day_inside_the_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, report) = Outbox::open(dir.path()).unwrap();
    assert!(report.moved_aside.is_none());
    let d1 = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let d2 = d1.succ_opt().unwrap();
    assert_eq!(queue(&outbox, Kind::Complaint, Some(d1)).1, Some(1));
    assert_eq!(queue(&outbox, Kind::Assist, None).1, None);
    assert_eq!(queue(&outbox, Kind::Rating, Some(d1)).1, Some(2));
    assert_eq!(queue(&outbox, Kind::Complaint, Some(d2)).1, Some(1), "resets each date");
    // A second connection continues the same counter.
    let other = outbox.another_connection().unwrap();
    assert_eq!(queue(&other, Kind::Complaint, Some(d1)).1, Some(3));
    assert_eq!(outbox.stats().unwrap().pending, 5);
}

#[test]
fn file_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(&dir.path().join("data")).unwrap();
    let mode = std::fs::metadata(outbox.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    queue(&outbox, Kind::Assist, None);
    let wal = std::fs::metadata(format!("{}-wal", outbox.path().display())).unwrap();
    assert_eq!(wal.permissions().mode() & 0o077, 0, "WAL must not be readable by others");
}

#[test]
fn delivered_keeps_only_id_ticket_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let (id, _) = queue(&outbox, Kind::Complaint, NaiveDate::from_ymd_opt(2026, 1, 5));
    let due = outbox.due(now_ms(), 0, 10).unwrap();
    assert_eq!(due.len(), 1);
    assert!(outbox.mark_delivered(&id, 1_000).unwrap());
    assert!(!outbox.mark_delivered(&id, 2_000).unwrap(), "already delivered");
    assert_eq!(outbox.stats().unwrap().pending, 0);
    assert_eq!(outbox.stats().unwrap().last_delivery_ms, Some(1_000));
    let kept = outbox.delivered().unwrap();
    assert_eq!(
        kept,
        vec![DeliveredRecord { id: id.clone(), ticket: Some("T-1".into()), delivered_at_ms: 1_000 }]
    );
    let conn = outbox.lock();
    let n: i64 = conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 0, "payload deleted");
    drop(conn);
    assert_eq!(outbox.purge_delivered(1_001).unwrap(), 1);
    assert!(outbox.delivered().unwrap().is_empty());
}

#[test]
fn dead_letters_are_kept_and_can_be_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let (a, _) = queue(&outbox, Kind::Assist, None);
    let (b, _) = queue(&outbox, Kind::Assist, None);
    outbox.mark_dead(&a, 422, &"x".repeat(5000), 5).unwrap();
    let s = outbox.stats().unwrap();
    assert_eq!((s.pending, s.dead_letters), (1, 1));
    let dead = outbox.dead_letters().unwrap();
    assert_eq!(dead[0].status, 422);
    assert_eq!(dead[0].reason.len(), MAX_REASON_BYTES);
    let mut out = Vec::new();
    assert_eq!(outbox.export(&mut out).unwrap(), 2);
    let lines: Vec<ExportLine> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0].id, a);
    assert_eq!(lines[0].state, "dead");
    assert_eq!(lines[1].id, b);
    assert_eq!(lines[1].body.get(), format!("{{\"id\":\"{b}\",\"seq\":0}}"), "exact body bytes");
    assert_eq!(outbox.retry_dead(&DeadSelector::Id("nope".into())).unwrap(), 0);
    assert_eq!(outbox.retry_dead(&DeadSelector::All).unwrap(), 1);
    assert_eq!(outbox.stats().unwrap().pending, 2);
}

#[test]
fn due_pages_oldest_first_and_respects_next_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let ids: Vec<String> = (0..5).map(|_| queue(&outbox, Kind::Assist, None).0).collect();
    outbox.mark_retry(&ids[0], now_ms() + 60_000, "boom").unwrap();
    let first = outbox.due(now_ms(), 0, 2).unwrap();
    assert_eq!(first.iter().map(|r| &r.id).collect::<Vec<_>>(), vec![&ids[1], &ids[2]]);
    let next = outbox.due(now_ms(), first[1].seq, 10).unwrap();
    assert_eq!(next.iter().map(|r| &r.id).collect::<Vec<_>>(), vec![&ids[3], &ids[4]]);
    assert!(outbox.next_due_ms().unwrap().is_some());
}

#[test]
fn corrupt_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(DB_FILE), b"this is not a database, it is a shopping list").unwrap();
    let (outbox, report) = Outbox::open(dir.path()).unwrap();
    let aside = report.moved_aside.expect("moved aside");
    // The first one moved aside in a second carries the bare time stamp, no "-2".
    let name = aside.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name.strip_prefix("outbox.db.corrupt-").expect(&name);
    assert!(chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S").is_ok(), "{name}");
    assert_eq!(std::fs::read(&aside).unwrap(), b"this is not a database, it is a shopping list");
    queue(&outbox, Kind::Assist, None);
    assert_eq!(outbox.stats().unwrap().pending, 1);
}

#[test]
fn full_disk_refuses_new_and_keeps_old() {
    let dir = tempfile::tempdir().unwrap();
    let options = OutboxOptions { max_bytes: Some(256 * 1024) };
    let (outbox, _) = Outbox::open_with(dir.path(), &options).unwrap();
    let mut queued = 0;
    let err = loop {
        let id = Uuid::now_v7();
        let new = NewSubmission { id, kind: Kind::Assist, created_at_ms: now_ms(), ticket_day: None };
        match outbox.enqueue(&new, |_| (Rendered { body: vec![b'x'; 2000], ticket: None }, ())) {
            Ok(()) => queued += 1,
            Err(e) => break e,
        }
        assert!(queued < 1000, "the limit never hit");
    };
    assert!(err.is_disk_full(), "{err}");
    assert!(err.to_string().contains("disk is full"));
    // 256 KiB less the schema's pages holds dozens of 2 KB rows, not one page's worth.
    assert!(queued >= 30, "only {queued} fitted in 256 KiB");
    assert_eq!(outbox.stats().unwrap().pending, queued);
    drop(outbox);
    let (again, _) = Outbox::open(dir.path()).unwrap();
    assert_eq!(again.stats().unwrap().pending, queued, "nothing already queued was lost");
}

#[test]
fn a_schedule_set_by_a_clock_far_ahead_is_due_now() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let (far, _) = queue(&outbox, Kind::Assist, None);
    let (near, _) = queue(&outbox, Kind::Assist, None);
    let year = 365 * 24 * 3600 * 1000;
    // Booted with the clock a year ahead: the retry was set for "a minute later" then.
    outbox.mark_retry(&far, now_ms() + year, "503").unwrap();
    // An ordinary backoff is kept.
    outbox.mark_retry(&near, now_ms() + 60_000, "503").unwrap();
    let due: Vec<String> = outbox.due(now_ms(), 0, 10).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(due, vec![far]);
    assert!(outbox.next_due_ms().unwrap().unwrap() <= now_ms());
    outbox.mark_delivered(&due[0], now_ms()).unwrap();
    let next = outbox.next_due_ms().unwrap().unwrap();
    assert!(next > now_ms() + 50_000 && next <= now_ms() + 60_000, "{next}");
}

#[test]
fn ticket_numbers_stay_unique_after_the_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let issued: Vec<u32> = (0..3).map(|_| queue(&outbox, Kind::Complaint, Some(day)).1.unwrap()).collect();
    assert_eq!(issued, vec![1, 2, 3], "an intact outbox counts on without gaps");
    drop(outbox);
    std::fs::write(dir.path().join(DB_FILE), b"corrupted by a power cut").unwrap();
    let (outbox, report) = Outbox::open(dir.path()).unwrap();
    assert!(report.moved_aside.is_some());
    let next = queue(&outbox, Kind::Complaint, Some(day)).1.unwrap();
    assert!(next > 3, "a fresh outbox issued {next} again");
    // Deleted by hand, too: the floor is outside the database.
    drop(outbox);
    for side in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("{DB_FILE}{side}")));
    }
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let after = queue(&outbox, Kind::Complaint, Some(day)).1.unwrap();
    assert!(after > next, "{after} after {next}");
    let mode = std::fs::metadata(dir.path().join(ticket_floor::FLOOR_FILE)).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn two_corruptions_in_one_second_keep_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut asides = Vec::new();
    for text in [&b"first broken file"[..], b"second broken file"] {
        std::fs::write(dir.path().join(DB_FILE), text).unwrap();
        let (_, report) = Outbox::open(dir.path()).unwrap();
        asides.push(report.moved_aside.unwrap());
    }
    assert_ne!(asides[0], asides[1]);
    assert_eq!(std::fs::read(&asides[0]).unwrap(), b"first broken file");
    assert_eq!(std::fs::read(&asides[1]).unwrap(), b"second broken file");
}

#[test]
fn a_full_disk_releases_the_reserve_to_record_a_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let reserve = dir.path().join(reserve::RESERVE_FILE);
    assert_eq!(std::fs::metadata(&reserve).unwrap().len(), 4 << 20);
    let tries = std::cell::Cell::new(0);
    let result = outbox.with_reserve(|| {
        tries.set(tries.get() + 1);
        if tries.get() == 1 { Err(OutboxError::DiskFull { path: outbox.path().into() }) } else { Ok(7) }
    });
    assert_eq!(result.unwrap(), 7);
    assert!(!reserve.exists(), "released");
    // Without a reserve left, a full disk is reported as it is.
    let again = outbox
        .with_reserve(|| -> Result<(), _> { Err(OutboxError::DiskFull { path: outbox.path().into() }) });
    assert!(again.unwrap_err().is_disk_full());
    outbox.purge_delivered(0).unwrap();
    assert!(reserve.exists(), "made again when there is room");
    // A reserve a full disk left short is made whole too.
    std::fs::File::options().write(true).open(&reserve).unwrap().set_len(10).unwrap();
    outbox.purge_delivered(0).unwrap();
    assert_eq!(std::fs::metadata(&reserve).unwrap().len(), 4 << 20);
}

#[test]
fn only_a_full_disk_gives_up_the_reserve() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let reserve = dir.path().join(reserve::RESERVE_FILE);
    let tries = std::cell::Cell::new(0);
    // A broken file or a permission error: releasing space cannot help, so the reserve
    // stays for the full disk it is kept for, and the error is reported as it is.
    let result = outbox.with_reserve(|| -> Result<(), _> {
        tries.set(tries.get() + 1);
        Err(OutboxError::Io {
            path: outbox.path().into(),
            source: std::io::Error::from_raw_os_error(libc::EACCES),
        })
    });
    let err = result.unwrap_err();
    assert!(!err.is_disk_full(), "{err}");
    assert_eq!(tries.get(), 1, "not tried again");
    assert_eq!(std::fs::metadata(&reserve).unwrap().len(), 4 << 20, "kept: 4 MiB");
}

#[test]
fn dead_letters_lose_their_personal_fields_after_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = Uuid::now_v7();
        let body = format!(
            r#"{{"id":"{id}","kind":"complaint","payload":{{"phone":"13812345678","free_text":"my flat","visits":2}}}}"#
        );
        let new = NewSubmission { id, kind: Kind::Complaint, created_at_ms: now_ms(), ticket_day: None };
        outbox.enqueue(&new, |_| (Rendered { body: body.into_bytes(), ticket: None }, ())).unwrap();
        ids.push(id.to_string());
    }
    outbox.mark_dead(&ids[0], 422, "refused", 1_000).unwrap();
    outbox.mark_dead(&ids[1], 422, "refused", 5_000).unwrap();
    assert_eq!(outbox.scrub_dead_letters(2_000).unwrap(), 1);
    assert_eq!(outbox.scrub_dead_letters(2_000).unwrap(), 0, "once only");
    let mut out = Vec::new();
    outbox.export(&mut out).unwrap();
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["body"]["payload"]["phone"], serde_json::Value::Null);
    assert_eq!(lines[0]["body"]["payload"]["free_text"], serde_json::Value::Null);
    assert_eq!(lines[0]["body"]["payload"]["visits"], 2, "the rest is kept for staff");
    assert_eq!(lines[1]["body"]["payload"]["phone"], "13812345678", "still within its retention");
}

#[test]
fn truncation_keeps_the_longest_whole_characters_within_the_limit() {
    // A server's reason in Chinese: three bytes a character, so most limits fall inside one.
    let reason = "办不成事".repeat(100);
    for max in [0, 1, 2, 3, 4, 200, 1024, 1199, 1200, 5000] {
        let cut = truncate(&reason, max);
        assert!(reason.starts_with(cut));
        assert_eq!(cut.len(), max.min(reason.len()) / 3 * 3, "limit {max}");
    }
    assert_eq!(truncate("ok", 1024), "ok");
}

#[test]
fn a_lost_database_resumes_numbering_at_the_next_block() {
    let dir = tempfile::tempdir().unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    {
        let (outbox, _) = Outbox::open(dir.path()).unwrap();
        for expected in 1..=3 {
            assert_eq!(queue(&outbox, Kind::Complaint, Some(day)).1, Some(expected));
        }
    }
    // A bad disk took the database; the floor file beside it survived.
    for name in [DB_FILE, "outbox.db-wal", "outbox.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    // The first block (1-20) may have been given out: the next number is 21, no more skipped.
    assert_eq!(queue(&outbox, Kind::Complaint, Some(day)).1, Some(ticket_floor::BLOCK + 1));
}

#[test]
fn a_floor_file_that_cannot_be_written_is_not_called_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let floor = ticket_floor::floor_path(outbox.path());
    let _ = std::fs::remove_file(&floor);
    std::fs::create_dir(&floor).unwrap(); // writing it fails, and not for want of space
    let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let new = NewSubmission {
        id: Uuid::now_v7(),
        kind: Kind::Complaint,
        created_at_ms: now_ms(),
        ticket_day: Some(day),
    };
    let err = outbox.enqueue(&new, |_| (Rendered { body: b"{}".to_vec(), ticket: None }, ())).unwrap_err();
    assert!(matches!(err, OutboxError::Io { .. }), "{err}");
    assert_eq!(outbox.stats().unwrap().pending, 0, "nothing half-queued");
}

#[test]
fn a_database_others_could_read_is_made_private_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(DB_FILE);
    drop(Outbox::open(dir.path()).unwrap());
    // Restored from a backup by hand, say, with the usual 0644.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_outbox, _) = Outbox::open(dir.path()).unwrap();
    assert_eq!(std::fs::metadata(&db).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_database_at_the_current_version_is_not_written_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    queue(&outbox, Kind::Assist, None);
    drop(outbox); // the last connection checkpoints the WAL away
    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    assert!(std::fs::metadata(&wal).map_or(true, |m| m.len() == 0));
    // Opening must not write (a kiosk on a full disk still starts and delivers).
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    assert_eq!(outbox.stats().unwrap().pending, 1);
    assert_eq!(std::fs::metadata(&wal).map_or(0, |m| m.len()), 0, "opening wrote to the WAL");
}

#[test]
fn a_database_that_cannot_be_opened_is_not_called_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    // Not a file at all: SQLite cannot open it, and no space would help.
    std::fs::create_dir(dir.path().join(DB_FILE)).unwrap();
    let err = Outbox::open(dir.path()).map(|_| ()).unwrap_err();
    assert!(matches!(err, OutboxError::Sqlite { .. }), "{err}");
    assert!(!err.is_disk_full(), "{err}");
    assert!(err.to_string().contains(DB_FILE), "names the file: {err}");
}

#[test]
fn a_corrupt_database_another_process_has_open_is_left_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    drop(Outbox::open(dir.path()).unwrap());
    std::fs::write(dir.path().join(DB_FILE), b"garbled by a failing card").unwrap();
    // Another process (a kiosk started twice, `queue flush`) holds the lock: the file must
    // not be moved away beneath it.
    let lock = std::fs::File::open(dir.path().join(format!("{DB_FILE}.lock"))).unwrap();
    lock.lock_shared().unwrap();
    let err = Outbox::open(dir.path()).map(|_| ()).unwrap_err();
    assert!(matches!(err, OutboxError::Corrupt { .. }), "{err}");
    let moved = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("corrupt"))
            .count()
    };
    assert_eq!(moved(dir.path()), 0, "nothing moved aside while in use");
    assert_eq!(std::fs::read(dir.path().join(DB_FILE)).unwrap(), b"garbled by a failing card");
    // Once it is free, the next opener moves it aside.
    drop(lock);
    let (_, report) = Outbox::open(dir.path()).unwrap();
    assert!(report.moved_aside.is_some());
    assert_eq!(moved(dir.path()), 1);
}

#[test]
fn an_export_knows_a_full_stick_by_its_kind_or_its_errno() {
    // A full stick reaches the export either as the OS's ENOSPC or, through a writer that
    // made its own error, only as the kind: both are "full", and the staff screen says so.
    let by_errno = ExportError::Write(std::io::Error::from_raw_os_error(libc::ENOSPC));
    let by_kind = ExportError::Write(std::io::Error::from(std::io::ErrorKind::StorageFull));
    assert!(by_errno.is_disk_full());
    assert!(by_kind.is_disk_full());
    let denied = ExportError::Write(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
    assert!(!denied.is_disk_full());
    let outbox_full = ExportError::Outbox(OutboxError::DiskFull { path: "/data/outbox.db".into() });
    assert!(!outbox_full.is_disk_full(), "the kiosk's own disk is not the stick");
}

#[test]
fn a_read_only_opening_writes_nothing_and_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    let (id, _) = queue(&outbox, Kind::Assist, None);
    drop(outbox);
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    // `queue status` on a full disk: it reads, and must not need a byte of space.
    let reader = Outbox::open_read_only(dir.path()).unwrap();
    assert_eq!(reader.stats().unwrap().pending, 1);
    let err = reader.mark_delivered(&id, now_ms()).unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    assert_eq!(listing(), before, "no -wal or -shm made beside a closed database");
    drop(reader);
    let (outbox, _) = Outbox::open(dir.path()).unwrap();
    assert_eq!(outbox.stats().unwrap().pending, 1, "still queued");
}

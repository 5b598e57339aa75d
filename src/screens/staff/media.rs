//! Which USB stick the staff export goes to: a file system mounted under `/media` or
//! `/run/media` (where udisks, usbmount and most automounters put sticks), read from the
//! mount table; or the hall's own `[staff] export_dir`. Pure parsing, tested on sample
//! mount tables; the caller reads `/proc/self/mounts`.

use std::path::{Path, PathBuf};

/// Where automounters put removable media.
pub const ROOTS: [&str; 2] = ["/media", "/run/media"];
/// The mount table of this process.
pub const MOUNTS: &str = "/proc/self/mounts";
/// Largest part of the mount table read.
const MAX_MOUNTS_BYTES: u64 = 1 << 20;

/// Mount points below [`ROOTS`] in a mount table (`/proc/self/mounts` format), in table
/// order. The roots themselves do not count (a read-only `/media` bind is not a stick), nor
/// do read-only mounts.
pub fn removable_mounts(table: &str) -> Vec<PathBuf> {
    table
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(' ');
            let (_device, mount, _fs, options) =
                (fields.next()?, fields.next()?, fields.next()?, fields.next()?);
            let mount = unescape(mount);
            let writable = options.split(',').any(|o| o == "rw");
            let below_root = ROOTS.iter().any(|root| {
                mount.strip_prefix(root).is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
            });
            (writable && below_root).then(|| PathBuf::from(mount))
        })
        .collect()
}

/// The mount table turns a space into `\040` (and tab, newline, backslash likewise).
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Where to write: the configured directory if it is there, else the first stick in the
/// mount table. `None`: no stick.
pub fn find_target(export_dir: Option<&Path>, mounts_table: impl FnOnce() -> String) -> Option<PathBuf> {
    match export_dir {
        Some(dir) => dir.is_dir().then(|| dir.to_path_buf()),
        None => removable_mounts(&mounts_table()).into_iter().find(|p| p.is_dir()),
    }
}

/// Reads this process's mount table, bounded; empty when it cannot be read.
pub fn read_mount_table() -> String {
    use std::io::Read;
    let mut text = String::new();
    if let Ok(f) = std::fs::File::open(MOUNTS) {
        let _ = f.take(MAX_MOUNTS_BYTES).read_to_string(&mut text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
/dev/vda1 / ext4 rw,relatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
/dev/sdb1 /media/usb0 vfat rw,nosuid,nodev,uid=997 0 0
/dev/sdc1 /run/media/hall-kiosk/HALL\\040STICK exfat rw,nosuid 0 0
/dev/sdd1 /media/cdrom iso9660 ro,nosuid 0 0
/dev/vda2 /media ext4 rw 0 0
/dev/vda3 /mediastore ext4 rw 0 0
";

    #[test]
    fn sticks_are_writable_mounts_below_media() {
        assert_eq!(
            removable_mounts(TABLE),
            vec![PathBuf::from("/media/usb0"), PathBuf::from("/run/media/hall-kiosk/HALL STICK")]
        );
        assert!(removable_mounts("").is_empty());
        assert!(removable_mounts("garbage\n\n/dev/x\n").is_empty(), "short lines are skipped");
    }

    #[test]
    fn the_configured_directory_wins_when_it_is_there() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_target(Some(dir.path()), || unreachable!()), Some(dir.path().to_path_buf()));
        assert_eq!(find_target(Some(&dir.path().join("absent")), String::new), None, "no stick");
        let table = format!("/dev/sdb1 {} vfat rw 0 0\n", dir.path().display());
        assert_eq!(find_target(None, || table), None, "not below /media");
        assert_eq!(find_target(None, String::new), None);
    }
}

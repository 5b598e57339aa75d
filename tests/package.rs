//! The Debian package for panels (`[package.metadata.deb]`, systemd/deb/ scripts).
//!
//! Always: the metadata puts every file where the unit expects it, and the maintainer
//! scripts, run into a throw-away root (`DPKG_ROOT`) laid out from that metadata, create
//! the user and folders, enable the service, keep the config and the outbox on upgrade
//! and remove, and delete the outbox on purge after saying so.
//!
//! When asked (`HALL_KIOSK_DEB=path/to.deb`, built by scripts/package.sh, too slow for
//! every run): the built package is inspected with dpkg-deb and installed, upgraded,
//! removed and purged with `dpkg --root` in a throw-away root.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const UNIT: &str = "usr/lib/systemd/system/hall-kiosk.service";
const CONFIG: &str = "etc/hall-kiosk/kiosk.toml";
const ENABLED: &str = "etc/systemd/system/multi-user.target.wants/hall-kiosk.service";

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn deb_metadata() -> toml::Table {
    let manifest: toml::Table = std::fs::read_to_string(repo("Cargo.toml")).unwrap().parse().unwrap();
    manifest["package"]["metadata"]["deb"].as_table().expect("[package.metadata.deb]").clone()
}

/// `(source, destination)` of every asset, destinations without the leading slash and
/// with a trailing-slash folder completed by the file name.
fn assets(meta: &toml::Table) -> Vec<(String, String)> {
    meta["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let a = a.as_array().unwrap();
            let (src, dest) = (a[0].as_str().unwrap(), a[1].as_str().unwrap().trim_start_matches('/'));
            let dest = if dest.ends_with('/') {
                format!("{dest}{}", Path::new(src).file_name().unwrap().to_str().unwrap())
            } else {
                dest.to_string()
            };
            (src.to_string(), dest)
        })
        .collect()
}

fn sh(root: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new("sh")
        .arg(repo("systemd/deb").join(script))
        .args(args)
        .env("DPKG_ROOT", root)
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{script} {args:?} failed:\n{text}");
    text
}

fn uid_of(root: &Path, file: &str) -> u32 {
    let db = std::fs::read_to_string(root.join(file)).unwrap();
    let line = db
        .lines()
        .find(|l| l.starts_with("hall-kiosk:"))
        .unwrap_or_else(|| panic!("no hall-kiosk in {file}"));
    line.split(':').nth(2).unwrap().parse().unwrap()
}

#[test]
fn the_metadata_puts_every_file_where_the_unit_expects_it() {
    let meta = deb_metadata();
    assert_eq!(
        meta["features"].as_array().unwrap()[0].as_str(),
        Some("panel"),
        "the package is the panel build"
    );
    assert!(meta["depends"].as_str().unwrap().contains("systemd"));
    let assets = assets(&meta);
    let dest_of = |src: &str| assets.iter().find(|(s, _)| s == src).map(|(_, d)| d.as_str());
    assert_eq!(dest_of("target/release/hall-kiosk"), Some("usr/bin/hall-kiosk"));
    assert_eq!(dest_of("systemd/hall-kiosk.service"), Some(UNIT));
    assert_eq!(dest_of("systemd/hall-kiosk.sysusers"), Some("usr/lib/sysusers.d/hall-kiosk.conf"));
    assert_eq!(dest_of("systemd/hall-kiosk.tmpfiles"), Some("usr/lib/tmpfiles.d/hall-kiosk.conf"));
    assert_eq!(
        dest_of("systemd/61-hall-kiosk-touch.rules"),
        Some("etc/udev/rules.d/61-hall-kiosk-touch.rules")
    );
    assert_eq!(dest_of("kiosk-config/example.toml"), Some(CONFIG));
    for (src, _) in assets.iter().filter(|(s, _)| !s.starts_with("target/")) {
        assert!(repo(src).is_file(), "asset {src} is missing");
    }
    let conf_files: Vec<&str> =
        meta["conf-files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(conf_files.contains(&"/etc/hall-kiosk/kiosk.toml"), "the hall's config survives upgrades");
    for f in &conf_files {
        assert!(assets.iter().any(|(_, d)| format!("/{d}") == *f), "conffile {f} is not installed");
    }
    let unit = std::fs::read_to_string(repo("systemd/hall-kiosk.service")).unwrap();
    assert!(unit.contains("ExecStart=/usr/bin/hall-kiosk --config /etc/hall-kiosk/kiosk.toml"));
    let scripts = repo(meta["maintainer-scripts"].as_str().unwrap());
    for script in ["postinst", "prerm", "postrm"] {
        let path = scripts.join(script);
        assert!(path.metadata().unwrap().permissions().mode() & 0o111 != 0, "{script} is executable");
        let ok = Command::new("sh").arg("-n").arg(&path).status().unwrap().success();
        assert!(ok, "{script}: shell syntax");
    }
}

/// Lays the package's files out in `root` as dpkg would (the scripts never run the
/// binary, so a stand-in takes its place).
fn lay_out(root: &Path) {
    for (src, dest) in assets(&deb_metadata()) {
        let to = root.join(&dest);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if src.starts_with("target/") {
            std::fs::write(to, "#!/bin/sh\nexit 0\n").unwrap();
        } else {
            std::fs::copy(repo(&src), to).unwrap();
        }
    }
    std::fs::create_dir_all(root.join("etc/systemd/system")).unwrap();
}

/// The on-screen keyboard's pinyin needs librime and the pinyin_simp schema's data on the
/// panel (decision 0015); the binary links librime, the data is read at first start.
#[test]
fn the_package_depends_on_librime_and_the_pinyin_data() {
    let meta = deb_metadata();
    let depends: Vec<&str> = meta["depends"].as_str().unwrap().split(',').map(str::trim).collect();
    for package in ["$auto", "systemd", "librime1", "rime-data-pinyin-simp"] {
        assert!(depends.contains(&package), "depends lacks {package}: {depends:?}");
    }
    let setup = std::fs::read_to_string(repo("scripts/setup-debian.sh")).unwrap();
    assert!(
        setup.contains("librime-dev") && setup.contains("rime-data-pinyin-simp"),
        "the build machine gets them too"
    );
    // The writing pad's model (decision 0016): recommended, the pad is left out without it.
    assert_eq!(meta["recommends"].as_str(), Some("tegaki-zinnia-simplified-chinese"));
    assert!(setup.contains("libzinnia-dev") && setup.contains("tegaki-zinnia-simplified-chinese"));
}

#[test]
fn maintainer_scripts_install_upgrade_remove_and_purge_in_a_throwaway_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    lay_out(root);

    let said = sh(root, "postinst", &["configure", ""]);
    assert!(said.contains("installed and enabled"), "{said}");
    let uid = uid_of(root, "etc/passwd");
    let gid = uid_of(root, "etc/group");
    let outbox = root.join("var/lib/hall-kiosk");
    let meta = outbox.metadata().unwrap();
    assert_eq!((meta.mode() & 0o7777, meta.uid()), (0o700, uid), "private outbox folder of the kiosk user");
    let config = root.join(CONFIG).metadata().unwrap();
    assert_eq!(
        (config.mode() & 0o777, config.uid(), config.gid()),
        (0o640, 0, gid),
        "config: root's, kiosk reads"
    );
    let link = std::fs::read_link(root.join(ENABLED)).expect("the service is enabled");
    assert!(link.ends_with("hall-kiosk.service"), "{}", link.display());

    // The hall's edits and its queue survive an upgrade (and a disabled service stays so).
    std::fs::write(root.join(CONFIG), "# the hall's own config\n").unwrap();
    std::fs::write(outbox.join("outbox.db"), b"queued").unwrap();
    std::fs::remove_file(root.join(ENABLED)).unwrap();
    sh(root, "postinst", &["configure", "0.1.0"]);
    assert_eq!(std::fs::read_to_string(root.join(CONFIG)).unwrap(), "# the hall's own config\n");
    assert_eq!(std::fs::read(outbox.join("outbox.db")).unwrap(), b"queued");
    assert!(std::fs::read_link(root.join(ENABLED)).is_err(), "an upgrade keeps the admin's choice");

    let said = sh(root, "prerm", &["remove"]) + &sh(root, "postrm", &["remove"]);
    assert!(said.contains("are kept"), "{said}");
    assert!(outbox.join("outbox.db").exists(), "remove keeps the outbox");

    std::fs::write(root.join("etc/hall-kiosk/token"), "secret\n").unwrap();
    let said = sh(root, "postrm", &["purge"]);
    assert!(said.contains("deleting the outbox") && said.contains("not yet delivered are lost"), "{said}");
    assert!(!outbox.exists(), "purge deletes the outbox");
    assert!(!root.join("etc/hall-kiosk/token").exists(), "purge deletes the token");
}

fn dpkg(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{args:?}:\n{text}");
    text
}

/// Only when asked: `HALL_KIOSK_DEB=target/debian/hall-kiosk_….deb cargo test --test package`.
#[test]
fn the_built_package_installs_into_a_throwaway_root() {
    let Some(deb) = std::env::var_os("HALL_KIOSK_DEB") else {
        eprintln!("HALL_KIOSK_DEB is not set: the built .deb is not checked (run scripts/package.sh first)");
        return;
    };
    let deb = Path::new(&deb).canonicalize().expect("HALL_KIOSK_DEB names a file");
    let deb = deb.to_str().unwrap();
    let info = dpkg(&["dpkg-deb", "--info", deb]);
    assert!(info.contains("Package: hall-kiosk") && info.contains("systemd"), "{info}");
    let contents = dpkg(&["dpkg-deb", "--contents", deb]);
    for (_, dest) in assets(&deb_metadata()) {
        assert!(contents.contains(&format!("./{dest}")), "{dest} not in the package:\n{contents}");
    }
    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("control");
    dpkg(&["dpkg-deb", "--control", deb, control.to_str().unwrap()]);
    let conffiles = std::fs::read_to_string(control.join("conffiles")).unwrap();
    assert!(conffiles.lines().any(|l| l == "/etc/hall-kiosk/kiosk.toml"), "{conffiles}");
    for script in ["postinst", "prerm", "postrm"] {
        let shipped = std::fs::read_to_string(control.join(script)).unwrap();
        assert!(shipped.contains(&std::fs::read_to_string(repo("systemd/deb").join(script)).unwrap()[..40]));
    }

    // dpkg itself, into an empty root: scripts run outside a chroot with DPKG_ROOT set.
    let root = dir.path().join("root");
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "etc/systemd/system"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
    let r = format!("--root={}", root.display());
    let install = ["dpkg", &r, "--force-script-chrootless", "--force-depends", "--force-not-root", "-i", deb];
    let said = dpkg(&install);
    assert!(said.contains("installed and enabled"), "{said}");
    assert!(
        root.join("usr/bin/hall-kiosk").is_file() && root.join(UNIT).is_file() && root.join(CONFIG).is_file()
    );
    // (The link names /usr/lib/…, which resolves only inside the root.)
    assert!(std::fs::read_link(root.join(ENABLED)).is_ok(), "enabled on install");
    assert!(root.join("var/lib/hall-kiosk").is_dir());
    std::fs::write(root.join("var/lib/hall-kiosk/outbox.db"), b"queued").unwrap();
    std::fs::write(root.join(CONFIG), "# the hall's own config\n").unwrap();
    dpkg(&[
        "dpkg",
        &r,
        "--force-script-chrootless",
        "--force-depends",
        "--force-not-root",
        "--force-confold",
        "-i",
        deb,
    ]);
    assert_eq!(std::fs::read_to_string(root.join(CONFIG)).unwrap(), "# the hall's own config\n");
    assert!(root.join("var/lib/hall-kiosk/outbox.db").exists(), "upgrade keeps the outbox");
    dpkg(&[
        "dpkg",
        &r,
        "--force-script-chrootless",
        "--force-depends",
        "--force-not-root",
        "-r",
        "hall-kiosk",
    ]);
    assert!(root.join("var/lib/hall-kiosk/outbox.db").exists(), "remove keeps the outbox");
    assert!(!root.join("usr/bin/hall-kiosk").exists());
    let said = dpkg(&[
        "dpkg",
        &r,
        "--force-script-chrootless",
        "--force-depends",
        "--force-not-root",
        "-P",
        "hall-kiosk",
    ]);
    assert!(said.contains("deleting the outbox"), "{said}");
    assert!(!root.join("var/lib/hall-kiosk").exists(), "purge deletes the outbox");
}

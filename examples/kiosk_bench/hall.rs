//! The benchmark's hall: the sample config in a temporary directory, pointed at a server of
//! our choosing, and the two servers that are not the reference one (down, stalling).

use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The bearer token of the benchmark's hall (kiosk K01 of the sample config).
pub const TOKEN: &str = "bench-token";

/// Writes `dir/kiosk.toml` (the sample hall, its server at `addr`, outbox in `dir/data`) and
/// its 0600 token file; returns the config file.
pub fn write_config(dir: &Path, addr: SocketAddr) -> PathBuf {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/example.toml"))
        .expect("kiosk-config/example.toml");
    let text: String = example
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| match l {
            l if l.starts_with("base_url = ") => format!("base_url = \"http://{addr}\""),
            l if l.starts_with("token_file = ") => "token_file = \"token\"".into(),
            l if l.starts_with("data_dir = ") => "data_dir = \"data\"".into(),
            l => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let token = dir.join("token");
    std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(dir.join("tokens"), format!("K01 {TOKEN}\n")).unwrap();
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// An address on 127.0.0.1 where nothing listens: the uplink is down (connection refused).
pub fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A server on 127.0.0.1:0 that accepts every connection and then says nothing for
/// `stall`, then hangs up: the uplink's requests hang for as long as its timeouts allow.
pub fn stalling_server(stall: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                std::thread::sleep(stall);
                drop(stream);
            });
        }
    });
    addr
}

/// The reference intake server (`examples/intake_server`) as a child process on a free port
/// of 127.0.0.1, its database in `dir`. Killed on drop.
pub struct IntakeServer {
    /// Where it listens.
    pub addr: SocketAddr,
    child: std::process::Child,
}

impl IntakeServer {
    pub fn start(exe: &Path, dir: &Path) -> IntakeServer {
        let addr = closed_port();
        std::fs::write(dir.join("tokens"), format!("K01 {TOKEN}\n")).unwrap();
        let child = std::process::Command::new(exe)
            .arg("--listen")
            .arg(addr.to_string())
            .arg("--db")
            .arg(dir.join("intake.db"))
            .arg("--tokens")
            .arg(dir.join("tokens"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        for _ in 0..100 {
            if std::net::TcpStream::connect(addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        IntakeServer { addr, child }
    }
}

impl Drop for IntakeServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Shared by the integration tests: the reference intake server on 127.0.0.1:0 and a
//! kiosk config pointing at it.
#![allow(dead_code)]

#[path = "../../examples/intake_server/server.rs"]
pub mod server;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hall_kiosk::config::LoadedConfig;
use hall_kiosk::uplink::UplinkSettings;

/// The bearer token the test server accepts.
pub const TOKEN: &str = "test-token-5f1c2a";

/// Starts `router` on 127.0.0.1 with a free port; it runs until the test's runtime ends.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A reference intake server with its database in `dir`, accepting [`TOKEN`].
pub fn intake(dir: &Path) -> Arc<server::Intake> {
    Arc::new(server::Intake::open(&dir.join("intake.db"), vec![TOKEN.to_string()]).unwrap())
}

/// Writes a kiosk config (the example hall) whose server is `addr`, with a 0600 token file
/// holding `token` and the outbox in `dir/data`. Returns the config file.
pub fn write_config(dir: &Path, addr: SocketAddr, token: &str) -> PathBuf {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/kiosk-config/example.toml")).unwrap();
    let base = format!("http://{addr}");
    let text: String = example
        .lines()
        .filter(|l| !l.starts_with("ca_file"))
        .map(|l| {
            if l.starts_with("base_url = ") {
                format!("base_url = \"{base}\"")
            } else if l.starts_with("token_file = ") {
                "token_file = \"token\"".to_string()
            } else if l.starts_with("data_dir = ") {
                "data_dir = \"data\"".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write_token(dir, token);
    let path = dir.join("kiosk.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// (Re)writes the token file with mode 0600.
pub fn write_token(dir: &Path, token: &str) {
    let path = dir.join("token");
    std::fs::write(&path, format!("{token}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Loads the config written by [`write_config`].
pub fn load(path: &Path) -> LoadedConfig {
    hall_kiosk::config::load(path).unwrap()
}

/// The config's uplink settings on scaled time: 1 s becomes `factor` s.
pub fn scaled_settings(config: &LoadedConfig, factor: f64) -> UplinkSettings {
    let mut s = UplinkSettings::from_config(config).unwrap().scaled(factor);
    s.heartbeat_every = std::time::Duration::from_millis(200);
    s
}

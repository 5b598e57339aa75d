//! What a config refers to outside itself: the token file, the CA file, the data
//! directory. `hall-kiosk check-config` runs these checks too, so a config it passes is one
//! the kiosk can start with (the systemd unit runs it before every start).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{FieldPath, LoadedConfig};

/// Why a bearer-token file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// It cannot be read (missing, a directory, no permission).
    #[error("cannot read {path}: {source}")]
    Read {
        /// The token file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Other users may read or write it.
    #[error("{path} has mode {mode:o}: other users can read it; run `chmod 600 {path}`")]
    Mode {
        /// The token file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Nothing in it.
    #[error("{path} is empty; put this kiosk's bearer token in it")]
    Empty {
        /// The token file.
        path: PathBuf,
    },
    /// More than one line, or characters a header cannot carry.
    #[error("{path} must hold the token on one line, without spaces or control characters")]
    NotOneToken {
        /// The token file.
        path: PathBuf,
    },
}

/// Reads a bearer token: one line, surrounding whitespace ignored, the file not readable
/// or writable by group or others.
pub fn read_token_file(path: &Path) -> Result<String, TokenFileError> {
    let read = |source| TokenFileError::Read { path: path.to_path_buf(), source };
    let mode = std::fs::metadata(path).map_err(read)?.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(TokenFileError::Mode { path: path.to_path_buf(), mode: mode & 0o777 });
    }
    let token = std::fs::read_to_string(path).map_err(read)?.trim().to_string();
    if token.is_empty() {
        return Err(TokenFileError::Empty { path: path.to_path_buf() });
    }
    // Visible ASCII only: what an `Authorization` header can carry as it is.
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenFileError::NotOneToken { path: path.to_path_buf() });
    }
    Ok(token)
}

/// Every problem with the files and directories the config names, as (field, message).
pub fn check(config: &LoadedConfig) -> Vec<(FieldPath, String)> {
    let mut problems = Vec::new();
    let server = FieldPath::key("server");
    if let Err(e) = read_token_file(&config.resolve(&config.config.server.token_file)) {
        problems.push((server.field("token_file"), e.to_string()));
    }
    if let Some(ca) = &config.config.server.ca_file
        && let Err(why) = check_ca_file(&config.resolve(ca))
    {
        problems.push((server.field("ca_file"), why));
    }
    if let Err(why) = check_data_dir(&config.data_dir()) {
        problems.push((FieldPath::key("storage").field("data_dir"), why));
    }
    problems
}

fn check_ca_file(path: &Path) -> Result<(), String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(())
}

/// The data directory must be a directory the kiosk can write to, or one it can create.
fn check_data_dir(dir: &Path) -> Result<(), String> {
    match std::fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(format!("{} is not a directory", dir.display())),
        Ok(_) => {
            let probe = dir.join(format!(".check-config-{}", std::process::id()));
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&probe)
                .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(_) => {
            let existing = dir.ancestors().skip(1).find(|a| a.exists());
            match existing {
                Some(a) if a.is_dir() => Ok(()),
                Some(a) => {
                    Err(format!("{} cannot be created: {} is not a directory", dir.display(), a.display()))
                }
                None => Err(format!("{} cannot be created", dir.display())),
            }
        }
    }
}

//! Getting a print job to the printer: a USB printer-class device file or a raw TCP port
//! (9100), with the paper and online status asked before (`DLE EOT`) and the paper asked
//! again after. Blocking, but every step is bounded by one deadline, so the worker thread
//! that runs it always finishes; the UI thread never calls this.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::PrintOutcome;
use super::escpos;

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A device file (`/dev/usb/lp0`). A regular file is written to as is (no status).
    Device(PathBuf),
    /// A raw TCP printer port, `host:port`.
    Tcp(String),
}

/// How long to sleep between tries while the device has nothing for us.
const POLL: Duration = Duration::from_millis(10);

/// Sends `job` to `target`; the whole exchange ends by `timeout`.
pub fn send(target: &Target, job: &[u8], read_status: bool, timeout: Duration) -> PrintOutcome {
    let deadline = Instant::now() + timeout;
    let (mut port, answers) = match open(target, deadline) {
        Ok(opened) => opened,
        Err(e) => return outcome_of(&e),
    };
    exchange(&mut port, job, read_status && answers, deadline).unwrap_or_else(|e| outcome_of(&e))
}

/// Status, job, status: the conversation with a printer that is there.
fn exchange(port: &mut Box<dyn Port>, job: &[u8], ask: bool, deadline: Instant) -> io::Result<PrintOutcome> {
    if ask {
        if escpos::paper_out(query(port, &escpos::STATUS_PAPER, deadline)?) {
            return Ok(PrintOutcome::NoPaper);
        }
        if escpos::offline(query(port, &escpos::STATUS_PRINTER, deadline)?) {
            return Ok(PrintOutcome::Offline);
        }
    }
    write_all(port, job, deadline)?;
    if ask {
        // The answer comes after the job's bytes: the printer has them. Paper that ran out
        // during the slip means the citizen holds half a slip.
        let paper = query(port, &escpos::STATUS_PAPER, deadline)?;
        if escpos::paper_out(paper) {
            return Ok(PrintOutcome::NoPaper);
        }
        if escpos::paper_near_end(paper) {
            tracing::warn!("the receipt printer's paper is nearly used up");
        }
    }
    port.flush()?;
    Ok(PrintOutcome::Printed)
}

/// The device or connection, non-blocking, and whether it can answer status questions.
fn open(target: &Target, deadline: Instant) -> io::Result<(Box<dyn Port>, bool)> {
    match target {
        Target::Device(path) => {
            // Never create: a missing /dev/usb/lp0 is an unplugged printer, not a file to make.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .append(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
                .open(path)?;
            let answers = !file.metadata()?.is_file();
            Ok((Box::new(file), answers))
        }
        Target::Tcp(address) => {
            let addr = address.to_socket_addrs()?.next().ok_or_else(|| {
                io::Error::new(ErrorKind::NotFound, "the printer's address resolves to nothing")
            })?;
            let stream = TcpStream::connect_timeout(&addr, remaining(deadline)?)?;
            stream.set_nonblocking(true)?;
            stream.set_nodelay(true)?;
            Ok((Box::new(stream), true))
        }
    }
}

/// Read and write, without blocking.
trait Port: Read + Write + Send {}
impl<T: Read + Write + Send> Port for T {}

fn remaining(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() { Err(io::Error::from(ErrorKind::TimedOut)) } else { Ok(left) }
}

fn write_all(port: &mut Box<dyn Port>, mut bytes: &[u8], deadline: Instant) -> io::Result<()> {
    while !bytes.is_empty() {
        match port.write(bytes) {
            Ok(0) => return Err(io::Error::from(ErrorKind::WriteZero)),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                remaining(deadline)?;
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sends a `DLE EOT` question and waits for its one-byte answer, skipping stray bytes.
fn query(port: &mut Box<dyn Port>, question: &[u8], deadline: Instant) -> io::Result<u8> {
    write_all(port, question, deadline)?;
    let mut byte = [0u8; 1];
    loop {
        match port.read(&mut byte) {
            Ok(0) => {
                return Err(io::Error::new(ErrorKind::UnexpectedEof, "the printer closed the connection"));
            }
            Ok(_) if escpos::is_status(byte[0]) => return Ok(byte[0]),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                remaining(deadline)?;
                std::thread::sleep(POLL);
            }
            Err(e) => return Err(e),
        }
    }
}

/// What an I/O error means for the citizen: no printer there (offline), too slow, or
/// something else, with its reason for the journal.
fn outcome_of(e: &io::Error) -> PrintOutcome {
    match e.kind() {
        ErrorKind::TimedOut | ErrorKind::WouldBlock => PrintOutcome::TimedOut,
        ErrorKind::NotFound
        | ErrorKind::ConnectionRefused
        | ErrorKind::ConnectionReset
        | ErrorKind::ConnectionAborted
        | ErrorKind::NotConnected
        | ErrorKind::BrokenPipe
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable
        | ErrorKind::UnexpectedEof => PrintOutcome::Offline,
        // ENODEV / ENXIO: the device node exists but the printer behind it is gone.
        _ if matches!(e.raw_os_error(), Some(libc::ENODEV | libc::ENXIO)) => PrintOutcome::Offline,
        _ => PrintOutcome::Failed(e.to_string()),
    }
}

//! Reference intake server for hall-kiosk (development, demos and tests; not firmware).
//!
//! `cargo run --example intake_server -- --listen 127.0.0.1:8080 --db intake.db --tokens tokens.txt`
//!
//! Implements `docs/protocol.md`: `POST /v1/submissions`, `POST /v1/heartbeat`, and the
//! citizen's tracking page `GET /t/{ticket}?k={token}` (add `&lang=en` for English), and
//! `GET /v1/audit`: the staff actions of the asking token's kiosk.

mod server;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Reference intake server for hall-kiosk")]
struct Args {
    /// Address to listen on (loopback for demos and tests).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// SQLite database of received submissions (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// File of accepted bearer tokens: `kiosk_id token` per line (`#` starts a comment
    /// line). Each token may submit only for its own kiosk id.
    #[arg(long)]
    tokens: PathBuf,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let args = Args::parse();
    let tokens = match server::Intake::read_tokens(&args.tokens) {
        Ok(t) if !t.is_empty() => t,
        Ok(_) => return fail(format!("{}: no token in it", args.tokens.display())),
        Err(e) => return fail(format!("{}: {e}", args.tokens.display())),
    };
    let intake = match server::Intake::open(&args.db, tokens) {
        Ok(i) => Arc::new(i),
        Err(e) => return fail(format!("{}: {e}", args.db.display())),
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {}: {e}", args.listen)),
    };
    eprintln!("intake server listening on http://{}", args.listen);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = axum::serve(listener, server::router(intake)).with_graceful_shutdown(shutdown).await {
        return fail(format!("server failed: {e}"));
    }
    std::process::ExitCode::SUCCESS
}

fn fail(message: String) -> std::process::ExitCode {
    eprintln!("intake_server: {message}");
    std::process::ExitCode::FAILURE
}

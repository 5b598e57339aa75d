//! Command line of the kiosk. Thin on purpose: everything it does lives in the library.

use std::io::IsTerminal;
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hall_kiosk::config::{self, Language, Rotation};
use hall_kiosk::delivery::outbox::Outbox;
use hall_kiosk::delivery::run_state::RunState;
use hall_kiosk::delivery::submission::Submitter;
use hall_kiosk::delivery::uplink::{self, UplinkSettings};
use hall_kiosk::input::handwriting::{HandwritingEngine, HandwritingSettings};
use hall_kiosk::input::pinyin::{PinyinEngine, PinyinSettings};
use hall_kiosk::screens::app::{AppOptions, KioskApp};
use hall_kiosk::screens::backend::{self, Backend};
use hall_kiosk::screens::screenshot::{self, ScreenshotRequest};
use hall_kiosk::screens::staging::Screen;
use hall_kiosk::screens::startup::{self, Milestone};
use hall_kiosk::screens::voice::{Voice, VoiceSettings};
use hall_kiosk::screens::watchdog::{self, DeliveryProbe};

const DEFAULT_CONFIG: &str = "/etc/hall-kiosk/kiosk.toml";

#[derive(Parser)]
#[command(name = "hall-kiosk", version, about = "Self-service kiosk for a government service hall")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Hall configuration file (when no subcommand is given: run the kiosk).
    #[arg(long, global = true, default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    /// Run in a normal window instead of full screen (development).
    #[arg(long)]
    windowed: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk on the display (the default).
    Run {
        /// Run in a normal window instead of full screen (development).
        #[arg(long)]
        windowed: bool,
    },
    /// Check a configuration file and the files it names (token, CA, data directory); print
    /// every problem with its line and field.
    CheckConfig {
        /// The file to check.
        file: PathBuf,
    },
    /// Render one screen to a PNG file, without a display.
    Screenshot {
        /// Which screen.
        #[arg(long, value_enum)]
        screen: Screen,
        /// Language: zh or en.
        #[arg(long, default_value = "zh", value_parser = parse_language)]
        lang: Language,
        /// Render in seated (低位) mode.
        #[arg(long)]
        seated: bool,
        /// Render in elder mode.
        #[arg(long)]
        elder: bool,
        /// Size in pixels, WIDTHxHEIGHT (the reference panel is 1080x1920).
        #[arg(long, default_value = "1080x1920", value_parser = parse_size)]
        size: (u32, u32),
        /// Output PNG file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Read a staff PIN from standard input and print its hash for `[staff] pin_hash`.
    HashPin,
    /// Inspect and operate the outbox (status, flush, export, retry-dead, repair).
    #[command(subcommand)]
    Queue(hall_kiosk::ops::QueueCommand),
    /// Create sample submissions through the screens' own path and deliver them.
    Simulate(hall_kiosk::ops::SimulateArgs),
    /// Print a sample ticket slip, or write its ESC/POS bytes (--out) or a PNG (--preview).
    PrintTest(hall_kiosk::ops::PrintTestArgs),
    /// What the on-screen keyboard's engines offer: `--candidates PINYIN [--page N]` prints
    /// the pinyin candidates, `--strokes FILE.json` the handwriting ones, one per line.
    Ime(hall_kiosk::ops::ImeArgs),
}

fn parse_language(s: &str) -> Result<Language, String> {
    match s {
        "zh" | "zh-CN" => Ok(Language::ZhCn),
        "en" => Ok(Language::En),
        _ => Err(format!("unknown language {s:?}; use zh or en")),
    }
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("{s:?} is not WIDTHxHEIGHT"))?;
    let parse = |v: &str| v.trim().parse::<u32>().ok().filter(|n| (200..=8000).contains(n));
    match (parse(w), parse(h)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(format!("{s:?}: width and height must be 200 to 8000 pixels")),
    }
}

fn main() -> ExitCode {
    // Start-up milestones (screens/startup.rs): logged once the first frame is on screen.
    startup::mark(Milestone::Main);
    init_logging();
    let cli = Cli::parse();
    startup::mark(Milestone::Cli);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hall-kiosk: {}", describe(&e));
            ExitCode::FAILURE
        }
    }
}

/// Logs go to the journal, with their fields, when systemd connected stderr to it; else
/// to stderr, in colour only on a terminal (no escape codes in files and pipes).
fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = || tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let journal_error = match stderr_is_journal().then(tracing_journald::layer) {
        Some(Ok(journal)) => {
            let journal =
                journal.with_syslog_identifier("hall-kiosk".into()).with_field_prefix(Some("KIOSK".into()));
            tracing_subscriber::registry().with(filter()).with(journal).init();
            return;
        }
        Some(Err(e)) => Some(e),
        None => None,
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    if let Some(e) = journal_error {
        tracing::warn!(error = %e, "cannot reach the journal; logging to stderr");
    }
}

/// Whether stderr is the journal stream systemd named in `JOURNAL_STREAM` (`DEV:INODE`);
/// a child started from such a service inherits the variable but not always the stream.
fn stderr_is_journal() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(stream) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some((dev, ino)) = stream.to_str().and_then(|s| s.split_once(':')) else { return false };
    let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() else { return false };
    let Ok(meta) = std::fs::File::from(fd).metadata() else { return false };
    dev.parse() == Ok(meta.dev()) && ino.parse() == Ok(meta.ino())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        None => run_kiosk(&cli.config, cli.windowed),
        Some(Command::Run { windowed }) => run_kiosk(&cli.config, windowed || cli.windowed),
        Some(Command::CheckConfig { file }) => Ok(check_config(&file)),
        Some(Command::Screenshot { screen, lang, elder, seated, size, out }) => {
            let config = load_config(&cli.config)?;
            let request = ScreenshotRequest { screen, language: lang, elder, seated, size };
            let pixels = screenshot::render(config, request)?;
            screenshot::write_png(&pixels, &out)?;
            println!("{}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::HashPin) => {
            hash_pin()?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Queue(command)) => {
            let settled = hall_kiosk::ops::queue(&cli.config, command)?;
            Ok(if settled { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Some(Command::Simulate(args)) => {
            hall_kiosk::ops::simulate(&cli.config, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::PrintTest(args)) => Ok(hall_kiosk::ops::print_test(&cli.config, &args)?),
        Some(Command::Ime(args)) => {
            hall_kiosk::ops::ime(&cli.config, &args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The error and its causes, each said once: many of the library's messages already end
/// with their cause, which `{:#}` would repeat.
fn describe(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
}

fn load_config(path: &std::path::Path) -> anyhow::Result<config::LoadedConfig> {
    config::load(path).map_err(|e| anyhow::anyhow!("the configuration cannot be used:\n{e}"))
}

fn check_config(file: &std::path::Path) -> ExitCode {
    match config::check(file) {
        Ok(loaded) => {
            println!("{}: OK", file.display());
            // Valid, but about to run out: the kiosk shows staff `CAL` as well.
            let calendar = hall_kiosk::hall::workdays::WorkCalendar::from_config(&loaded);
            if let Some(end) = calendar
                .listed_through()
                .filter(|_| calendar.needs_next_year(chrono::Local::now().date_naive()))
            {
                eprintln!(
                    "{}: calendar.holidays: nothing is listed after {end}: add next year's holidays and make-up working days (announced by the State Council), or reply dates will fall on holidays",
                    file.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run_kiosk(config_path: &std::path::Path, windowed: bool) -> anyhow::Result<ExitCode> {
    let config = load_config(config_path)?;
    startup::mark(Milestone::Config);
    let env = |name: &str| std::env::var_os(name);
    let backend = match backend::choose(env, backend::PANEL_BUILT) {
        Ok(backend) => backend,
        Err(why) => {
            eprintln!(
                "hall-kiosk: {why}.\n\
                 Run it on the kiosk's panel (or under a desktop session). To see its screens on a\n\
                 machine without a display, render them to PNG instead:\n  \
                 hall-kiosk screenshot --config {} --screen home --lang zh --out home.png",
                config_path.display()
            );
            return Ok(ExitCode::from(2));
        }
    };
    let rotation = config.config.display.rotation;
    if let Some(degrees) = backend::kms_rotation(backend, rotation, env) {
        // SAFETY: no other thread exists yet (delivery and audio start below), so nothing
        // reads the environment while it changes.
        unsafe { std::env::set_var(backend::KMS_ROTATION_VAR, degrees) };
    } else if backend == Backend::Window && rotation != Rotation::Deg0 {
        tracing::warn!(
            degrees = rotation.degrees(),
            "display.rotation applies to the panel's own display only; rotate an X11 output with xrandr"
        );
    }
    backend::install(backend).context("cannot start the display backend")?;
    tracing::info!(backend = ?backend, rotation = rotation.degrees(), "display backend chosen");
    startup::mark(Milestone::Backend);
    // Delivery first: a kiosk that cannot queue or deliver must not take citizens' reports.
    let (outbox, report) = Outbox::open(&config.data_dir()).context("cannot open the outbox")?;
    if let Some(aside) = &report.moved_aside {
        tracing::error!(
            moved_to = %aside.display(),
            reason = report.reason.as_deref().unwrap_or(""),
            "the outbox database was unreadable and was moved aside; a fresh one was started. \
             What it held was not delivered: hand the old file to support"
        );
    }
    startup::mark(Milestone::Outbox);
    // How the last run ended goes into the heartbeat (crash, watchdog, clean).
    let run_state = RunState::begin(&config.data_dir());
    let settings = UplinkSettings::from_config(&config).context("cannot set up delivery to the server")?;
    let uplink = uplink::spawn(&outbox, settings.clone()).context("cannot start delivery to the server")?;
    let submitter = Submitter::new(&config, outbox);
    startup::mark(Milestone::Uplink);
    let audio = &config.config.audio;
    let voice = audio.enabled.then(|| {
        Voice::start(VoiceSettings {
            volume: audio.volume,
            prompts_dir: audio.prompts_dir.as_ref().map(|d| config.resolve(d)),
        })
    });
    startup::mark(Milestone::Audio);
    // The pinyin engine deploys its data on its own thread; the first frame does not wait.
    let pinyin = PinyinEngine::start(PinyinSettings::from_config(&config));
    // The handwriting engine reads its model only when the first stroke needs it.
    let handwriting = HandwritingEngine::start(HandwritingSettings::from_config(&config));
    let options = AppOptions {
        pinyin: Some(pinyin),
        handwriting: Some(handwriting),
        kiosk_mode: !windowed,
        submitter: Some(submitter),
        voice,
        uplink_status: Some(uplink.status()),
        outbox_moved_aside: report.moved_aside.is_some(),
        uplink_settings: Some(settings),
    };
    let app = KioskApp::new(config, options).context("cannot create the kiosk window")?;
    // Under systemd: READY=1 after the first frame, watchdog pings while UI and delivery live.
    let uplink = Rc::new(uplink);
    let alive = Rc::clone(&uplink);
    let supervision = watchdog::supervise(DeliveryProbe {
        alive: Box::new(move || alive.is_alive()),
        status: Some(uplink.status()),
    });
    tracing::info!(windowed, "kiosk started");
    let result = app.run().context("the kiosk window failed");
    drop(supervision);
    if let Ok(uplink) = Rc::try_unwrap(uplink) {
        uplink.shutdown();
    }
    result?;
    // A restart from the staff panel ends here too: a clean exit, which systemd answers by
    // starting the kiosk again (Restart=always in systemd/hall-kiosk.service).
    if app.restart_requested() {
        tracing::info!("stopped for a restart requested on the staff panel");
    }
    run_state.finish_clean();
    Ok(ExitCode::SUCCESS)
}

fn hash_pin() -> anyhow::Result<()> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    eprintln!("Staff PIN (4 to 12 digits), then Enter:");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).context("cannot read the PIN")?;
    let pin = line.trim();
    anyhow::ensure!(
        (4..=12).contains(&pin.len()) && pin.chars().all(|c| c.is_ascii_digit()),
        "a staff PIN is 4 to 12 digits"
    );
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the PIN: {e}"))?;
    println!("{hash}");
    Ok(())
}

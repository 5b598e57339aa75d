//! `hall-kiosk print-test`: a sample ticket on the hall's receipt printer, or its exact
//! ESC/POS bytes in a file (`--out`), or a PNG of the slip (`--preview`), all from the
//! same layout as a citizen's slip.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::OperatorError;
use crate::config::{self, Language};
use crate::screens::slip::{PrintOutcome, Printer, Slip, SlipSettings, layout, preview};

/// `hall-kiosk print-test ...`
#[derive(Debug, Clone, clap::Args)]
pub struct PrintTestArgs {
    /// Write the print job's bytes to this file instead of printing.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw the slip into this PNG file (one pixel per printer dot) instead of printing.
    #[arg(long)]
    pub preview: Option<PathBuf>,
    /// Print the English slip instead of the Chinese one.
    #[arg(long)]
    pub english: bool,
}

/// Runs `print-test`; fails (exit code 1) when the printer did not print.
pub fn print_test(config_path: &Path, args: &PrintTestArgs) -> Result<ExitCode, OperatorError> {
    let config = config::load(config_path)?;
    let language = if args.english { Language::En } else { Language::ZhCn };
    let slip = Slip::sample(&config, chrono::Local::now().naive_local(), language);
    let settings = SlipSettings::from_config(&config);
    if args.out.is_none() && args.preview.is_none() {
        let Some(printer) = Printer::from_config(&config) else {
            return Err(OperatorError::Usage(format!(
                "{} has no [printer] section: configure one, or use --out FILE.bin / --preview FILE.png",
                config_path.display()
            )));
        };
        let outcome = printer.print_blocking(&slip);
        println!("{}", describe(&outcome));
        return Ok(if outcome.is_printed() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    if let Some(out) = &args.out {
        std::fs::write(out, settings.escpos(&slip))
            .map_err(|source| OperatorError::Io { path: out.clone(), source })?;
        println!("{}", out.display());
    }
    if let Some(png) = &args.preview {
        let image = preview::render(&layout::layout(&slip, &settings))
            .and_then(|image| preview::write_png(&image, png).map(|()| image))
            .map_err(|e| OperatorError::Usage(e.to_string()))?;
        println!("{} ({}x{} dots)", png.display(), image.width, image.height);
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(outcome: &PrintOutcome) -> String {
    match outcome {
        PrintOutcome::Printed => "printed".into(),
        PrintOutcome::NoPaper => "not printed: the printer has no paper".into(),
        PrintOutcome::Offline => "not printed: the printer is offline or not connected".into(),
        PrintOutcome::TimedOut => "not printed: the printer did not answer within timeout_secs".into(),
        PrintOutcome::Busy => "not printed: another slip is printing".into(),
        PrintOutcome::Failed(why) => format!("not printed: {why}"),
    }
}

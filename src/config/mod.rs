//! The hall's configuration: one TOML file, parsed into typed structs and validated
//! before anything else starts.
//!
//! Unknown keys are errors (a typo must not silently fall back to a default), and every
//! problem is reported as `FILE:LINE: FIELD: what is wrong` so an operator can fix it
//! without reading code. See `kiosk-config/example.toml` for every field, commented.

mod display;
pub mod environment;
pub mod keyboard;
mod locate;
mod printer;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

pub use display::{DisplaySection, Rotation};
pub use keyboard::KeyboardSection;
pub use locate::FieldPath;
pub use printer::{PrinterSection, SlipEncoding};
pub use validate::is_loopback;

/// The whole hall configuration, as read from `kiosk.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who this kiosk is and where it stands.
    pub kiosk: KioskSection,
    /// What the citizen sees and how the screen behaves.
    pub ui: UiSection,
    /// Spoken prompts and tap sounds.
    #[serde(default)]
    pub audio: AudioSection,
    /// How the panel is mounted: rotation, and its height for the reach bands.
    #[serde(default)]
    pub display: DisplaySection,
    /// The on-screen keyboard: the hall's own phrases for the pinyin candidates.
    #[serde(default)]
    pub keyboard: KeyboardSection,
    /// Staff-only functions: the PIN of the staff panel, where its export goes.
    #[serde(default)]
    pub staff: StaffSection,
    /// The central intake server that receives submissions.
    pub server: ServerSection,
    /// Where the QR code on a ticket points.
    pub tracking: TrackingSection,
    /// Where the kiosk keeps its outbox.
    pub storage: StorageSection,
    /// Promised reply times, in working days.
    pub deadlines: DeadlinesSection,
    /// Public holidays and make-up working days, for counting working days.
    #[serde(default)]
    pub calendar: CalendarSection,
    /// The hall's departments.
    pub departments: Vec<Department>,
    /// Service windows, each belonging to one department.
    #[serde(default)]
    pub windows: Vec<ServiceWindow>,
    /// Service matters (事项) a citizen may have come for.
    pub matters: Vec<Matter>,
    /// What a citizen can say went wrong.
    pub problem_types: Vec<ProblemType>,
    /// How ratings (好差评) are taken.
    #[serde(default)]
    pub rating: RatingSection,
    /// Reasons a citizen can give for a rating, by dimension.
    pub rating_reasons: Vec<RatingReason>,
    /// The receipt printer for paper tickets; none: no print button.
    #[serde(default)]
    pub printer: Option<PrinterSection>,
}

/// `[rating]`: the service-rating flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingSection {
    /// Seconds within which a second rating of the same window from this kiosk is stored
    /// flagged as a probable repeat (still thanked, never dropped).
    #[serde(default = "default_repeat_secs")]
    pub min_interval_secs: u32,
}

impl Default for RatingSection {
    fn default() -> Self {
        RatingSection { min_interval_secs: default_repeat_secs() }
    }
}

fn default_repeat_secs() -> u32 {
    10
}

/// What a rating reason is about (the national scheme's evaluation dimensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// How fast and smoothly it went.
    Efficiency,
    /// How the citizen was treated.
    Attitude,
    /// Whether the service guide was clear and complete.
    Guide,
    /// Whether staff knew the rules and got it right.
    Expertise,
    /// The hall itself: waiting area, signs, machines.
    Environment,
}

impl Dimension {
    /// Position in the UI's list of dimension names.
    pub fn index(self) -> i32 {
        self as i32
    }
}

/// Whether a reason praises or criticises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Offered for 非常满意 and 满意.
    Praise,
    /// Offered for 基本满意, 不满意 and 非常不满意 (required for the last two).
    Criticism,
}

/// `[[rating_reasons]]`: one reason tag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingReason {
    /// Stable id, sent to the server as a tag.
    pub id: String,
    /// What it is about.
    pub dimension: Dimension,
    /// Praise or criticism.
    pub polarity: Polarity,
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl RatingReason {
    /// The reason in the given language.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// `[kiosk]`: identity of this kiosk. Key names are relied on by operators' scripts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskSection {
    /// Kiosk id within the hall (upper-case letters and digits); part of every ticket number.
    pub id: String,
    /// Hall code (e.g. the administrative division code); part of every ticket number.
    pub hall_code: String,
    /// Hall name in Chinese, shown on the home screen.
    pub hall_name: String,
    /// Hall name in English; falls back to `hall_name` when absent.
    #[serde(default)]
    pub hall_name_en: Option<String>,
}

/// Languages the kiosk offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Language {
    /// Simplified Chinese, the default.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Language {
    /// The locale name Slint's bundled translations use for this language.
    pub fn slint_locale(self) -> &'static str {
        match self {
            Language::ZhCn => "zh_CN",
            Language::En => "en",
        }
    }

    /// The short code used on the command line and in the UI (`zh` / `en`).
    pub fn code(self) -> &'static str {
        match self {
            Language::ZhCn => "zh",
            Language::En => "en",
        }
    }
}

/// `[ui]`: how the screen behaves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiSection {
    /// Languages offered on the switch, in order; the first is not implied to be default.
    pub languages: Vec<Language>,
    /// Language the kiosk starts in and returns to after every session.
    pub default_language: Language,
    /// Whether elder mode is on when a session starts.
    #[serde(default)]
    pub elder_mode_default: bool,
    /// Seconds without a touch (away from the home screen) before the "still there?" prompt.
    pub idle_timeout_secs: u32,
    /// Seconds the "still there?" prompt waits for a tap before wiping the session.
    pub idle_countdown_secs: u32,
    /// Number of the staffed help window named on every screen ("need help? window N").
    pub help_window: String,
}

/// `[audio]`: spoken prompts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioSection {
    /// Whether the kiosk plays spoken prompts and tap sounds at all.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Playback volume, 0.0 to 1.0.
    #[serde(default = "default_volume")]
    pub volume: f32,
    /// The hall's own recordings, replacing shipped prompts of the same name
    /// (`{dir}/zh/home.ogg`, ...); relative paths are relative to the config file.
    #[serde(default)]
    pub prompts_dir: Option<PathBuf>,
}

impl Default for AudioSection {
    fn default() -> Self {
        AudioSection { enabled: true, volume: default_volume(), prompts_dir: None }
    }
}

fn default_true() -> bool {
    true
}

fn default_volume() -> f32 {
    0.8
}

/// `[staff]`: staff-only functions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffSection {
    /// Argon2id PHC string of the staff PIN (`hall-kiosk hash-pin` makes one); never the PIN.
    /// Empty or left out: the staff panel is off.
    #[serde(default)]
    pub pin_hash: String,
    /// Where the staff panel's export goes instead of a USB stick found under `/media` or
    /// `/run/media` (a fixed mount point of the hall's own stick; absolute).
    #[serde(default)]
    pub export_dir: Option<PathBuf>,
}

impl StaffSection {
    /// The PIN hash, or `None` when the hall has not set one (the panel is then off).
    pub fn pin_hash(&self) -> Option<&str> {
        Some(self.pin_hash.trim()).filter(|h| !h.is_empty())
    }
}

/// `[server]`: the central intake server. Key names are relied on by operators' scripts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Base URL of the intake API (https; plain http only to loopback, for tests and demos).
    pub base_url: String,
    /// File holding this kiosk's bearer token; relative paths are relative to the config file.
    pub token_file: PathBuf,
    /// Extra CA bundle (PEM) to trust besides the built-in roots.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds between heartbeats to the server.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_secs: u32,
}

fn default_heartbeat() -> u32 {
    60
}

/// `[tracking]`: the public tracking page a ticket's QR code links to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackingSection {
    /// Base URL; the QR link is `{base_url}/t/{ticket}?k={token}`.
    pub base_url: String,
}

/// `[storage]`: on-disk state. Key names are relied on by operators' scripts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSection {
    /// Directory of the outbox database; relative paths are relative to the config file.
    pub data_dir: PathBuf,
    /// Days a dead letter keeps its personal fields (phone, free text) before they are
    /// removed and staff are told (1–3650).
    #[serde(default = "default_dead_letter_retention")]
    pub dead_letter_retention_days: u32,
}

fn default_dead_letter_retention() -> u32 {
    30
}

/// `[deadlines]`: promised reply times.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesSection {
    /// Working days to answer a simple matter (typically 2).
    pub simple_working_days: u32,
    /// Working days to answer a complex matter (typically 5, never more than 10).
    pub complex_working_days: u32,
}

/// `[calendar]`: days that break the Monday-to-Friday rule.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSection {
    /// Public holidays that fall on weekdays (or on any day; weekends are off anyway).
    #[serde(default)]
    pub holidays: Vec<toml::value::Datetime>,
    /// Weekend days that are working days (调休), as the State Council announces each year.
    #[serde(default)]
    pub makeup_workdays: Vec<toml::value::Datetime>,
}

/// A text shown to citizens, in both languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl LocalizedText {
    /// The text in the given language.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// `[[departments]]`: a department with staff in the hall.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable id, referenced by windows and matters and sent to the server.
    pub id: String,
    /// Name shown to citizens.
    pub name: LocalizedText,
}

/// `[[windows]]`: a numbered service window.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceWindow {
    /// The number painted above the window.
    pub number: String,
    /// Id of the department that staffs it.
    pub department: String,
    /// Staff who usually sit at this window.
    #[serde(default)]
    pub staff: Vec<StaffMember>,
}

/// A staff member at a window (for ratings).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffMember {
    /// Staff number (工号), unique in the hall.
    pub id: String,
    /// Name as on the staff badge.
    pub name: String,
}

/// `[[matters]]`: a service matter (事项) from the hall's catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matter {
    /// Stable id, sent to the server.
    pub id: String,
    /// Id of the department that handles it.
    pub department: String,
    /// Name shown to citizens.
    pub name: LocalizedText,
    /// Listed before the others (the matters most people come for).
    #[serde(default)]
    pub common: bool,
}

/// How long the hall may take to answer a problem of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Complexity {
    /// Answered within `simple_working_days`.
    Simple,
    /// Answered within `complex_working_days`.
    Complex,
}

/// `[[problem_types]]`: one kind of "could not get it done".
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemType {
    /// Stable id, sent to the server.
    pub id: String,
    /// Tile title.
    pub title: LocalizedText,
    /// One-line explanation under the title.
    pub hint: LocalizedText,
    /// Which reply deadline applies.
    pub complexity: Complexity,
    /// The citizen may name several departments (sent back and forth between them).
    #[serde(default)]
    pub several_departments: bool,
    /// A catch-all type ("something else"): the details step also asks the citizen to
    /// name the problem in a few words (typed on the on-screen keyboard).
    #[serde(default)]
    pub catch_all: bool,
    /// The tile's icon, one of [`PROBLEM_ICONS`]; a generic one when not given.
    #[serde(default)]
    pub icon: Option<String>,
    /// Quick-pick phrases that fit this problem (several may be tapped on the details step).
    #[serde(default)]
    pub phrases: Vec<Phrase>,
}

/// Icons a problem type may name (`ui/widgets/icon.slint` draws each).
pub const PROBLEM_ICONS: &[&str] =
    &["document", "rule", "elder", "forms", "clock", "calendar", "repeat", "transfer", "help", "complaint"];

/// A ready-made sentence a citizen can tap instead of typing ("came 3 times").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrase {
    /// Stable id, sent to the server (the hall reads the phrase in its own catalogue).
    pub id: String,
    /// Simplified Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

impl Phrase {
    /// The phrase in the given language.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::ZhCn => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// A configuration that could not be used, with every problem found.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read at all.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The config file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file was read but has problems; each names its line and field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<ConfigProblem>),
}

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The config file.
    pub file: PathBuf,
    /// 1-based line of the offending value (or its table), when known.
    pub line: Option<usize>,
    /// Dotted path of the field, e.g. `departments[2].id`.
    pub field: String,
    /// What is wrong, in words an operator can act on.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.display();
        match (self.line, self.field.is_empty()) {
            (Some(line), false) => write!(f, "{file}:{line}: {}: {}", self.field, self.message),
            (Some(line), true) => write!(f, "{file}:{line}: {}", self.message),
            (None, false) => write!(f, "{file}: {}: {}", self.field, self.message),
            (None, true) => write!(f, "{file}: {}", self.message),
        }
    }
}

/// A validated configuration plus facts derived from where it was loaded.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed, validated configuration.
    pub config: Config,
    /// The file it came from.
    pub path: PathBuf,
    /// Public holidays, as dates.
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days, as dates.
    pub makeup_workdays: Vec<NaiveDate>,
}

impl LoadedConfig {
    /// Resolves a path from the config relative to the config file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.path.parent().unwrap_or(Path::new(".")).join(path)
        }
    }

    /// The outbox directory, resolved.
    pub fn data_dir(&self) -> PathBuf {
        self.resolve(&self.config.storage.data_dir)
    }

    /// The hall name in the given language.
    pub fn hall_name(&self, language: Language) -> &str {
        match (language, &self.config.kiosk.hall_name_en) {
            (Language::En, Some(en)) => en,
            _ => &self.config.kiosk.hall_name,
        }
    }
}

/// Reads, parses and validates a config file.
pub fn load(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { file: path.to_path_buf(), source })?;
    parse(path, &text)
}

/// [`load`], plus everything start-up checks outside the file (token file, CA file, data
/// directory), each reported at the line of its field: what `check-config` runs.
pub fn check(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { file: path.to_path_buf(), source })?;
    let loaded = parse(path, &text)?;
    let problems: Vec<ConfigProblem> = environment::check(&loaded)
        .into_iter()
        .map(|(field, message)| ConfigProblem {
            file: path.to_path_buf(),
            line: locate::span_of(&text, &field).map(|s| locate::line_of(&text, s.start)),
            field: field.to_string(),
            message,
        })
        .collect();
    if problems.is_empty() { Ok(loaded) } else { Err(ConfigError::Invalid(problems)) }
}

/// Parses and validates config text; `path` is only used in messages and to resolve paths.
pub fn parse(path: &Path, text: &str) -> Result<LoadedConfig, ConfigError> {
    let problem_at = |span: Option<std::ops::Range<usize>>, field: String, message: String| ConfigProblem {
        file: path.to_path_buf(),
        line: span.map(|s| locate::line_of(text, s.start)),
        field,
        message,
    };
    let config: Config = toml::from_str(text).map_err(|e| {
        let span = e.span();
        let field = span.clone().and_then(|s| locate::path_at(text, s.start)).unwrap_or_default();
        ConfigError::Invalid(vec![problem_at(span, field, e.message().trim().to_string())])
    })?;
    let checked = validate::validate(&config);
    if !checked.problems.is_empty() {
        let problems = checked
            .problems
            .into_iter()
            .map(|(field, message)| {
                let span = locate::span_of(text, &field);
                problem_at(span, field.to_string(), message)
            })
            .collect();
        return Err(ConfigError::Invalid(problems));
    }
    Ok(LoadedConfig {
        config,
        path: path.to_path_buf(),
        holidays: checked.holidays,
        makeup_workdays: checked.makeup_workdays,
    })
}

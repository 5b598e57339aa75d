//! Spoken prompts for elder mode, played with rodio on a thread of their own so the UI
//! never waits on the sound card. Each screen's prompt plays when it opens and again on
//! "hear it again"; every tap clicks and stops what was playing.
//!
//! Clips ship inside the binary (`ui/sounds/{zh,en}/{id}.ogg`, made by
//! `scripts/make-prompts.sh`); a hall can replace any of them by dropping a file of the
//! same name into `[audio] prompts_dir`. A missing clip or a kiosk without a sound card
//! is logged once and otherwise ignored: the kiosk works silently.

use std::collections::HashSet;
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;

use crate::config::Language;

mod clips {
    include!(concat!(env!("OUT_DIR"), "/sounds.rs"));
}

/// Every prompt the UI can ask for (`Voice.prompt-id` in `ui/api/voice.slint`).
pub const PROMPT_IDS: &[&str] = &[
    "home",
    "help",
    "complaint-1",
    "complaint-2",
    "complaint-matter",
    "complaint-3",
    "complaint-visits",
    "complaint-4",
    "complaint-5",
    "ticket",
    "follow-up",
    "rating-window",
    "rating-staff",
    "rating-matter",
    "rating-2",
    "rating-3",
    "rating-4",
    "thanks",
    "idle",
    "assist",
    "missing-fact",
    "missing-visits",
    "missing-reason",
    "missing-callback",
];

/// The shipped clip `name` ("zh/home", "click"), if there is one.
pub fn shipped_clip(name: &str) -> Option<&'static [u8]> {
    clips::CLIPS.iter().find(|(n, _)| *n == name).map(|(_, bytes)| *bytes)
}

enum Command {
    Prompt {
        id: String,
        language: Language,
    },
    Click,
    Stop,
    /// Playback volume, 0.0 to 1.0 (staff panel).
    Volume(f32),
    /// Answered once every command before it has been handled (tests).
    #[cfg(test)]
    Sync(mpsc::Sender<()>),
}

/// Handle to the audio thread. Dropping it ends the thread.
pub struct Voice {
    commands: Option<mpsc::Sender<Command>>,
    /// What the audio thread found, so staff can be told why a test prompt stays silent.
    output: Arc<AtomicU8>,
}

/// What became of the sound output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioOutput {
    /// No sound asked for yet: the device is opened by the first one.
    Starting,
    /// Prompts play on the default output device.
    Playing,
    /// There is no output device: the kiosk works silently.
    NoDevice,
    /// Audio is off (the config, tests) or the audio thread has ended.
    Off,
}

impl AudioOutput {
    fn from_u8(v: u8) -> AudioOutput {
        match v {
            0 => AudioOutput::Starting,
            1 => AudioOutput::Playing,
            2 => AudioOutput::NoDevice,
            _ => AudioOutput::Off,
        }
    }
}

/// Marks the output `Off` when the audio thread ends, however it ends (a panic included).
struct EndsOff(Arc<AtomicU8>);

impl Drop for EndsOff {
    fn drop(&mut self) {
        self.0.store(3, Ordering::Release);
    }
}

/// How the voice is set up.
#[derive(Debug, Clone)]
pub struct VoiceSettings {
    /// `[audio] volume`, 0.0 to 1.0.
    pub volume: f32,
    /// `[audio] prompts_dir`: the hall's own recordings, `{dir}/{zh,en}/{id}.ogg`.
    pub prompts_dir: Option<PathBuf>,
}

impl Voice {
    /// A voice that never makes a sound (audio disabled in the config, and in tests).
    pub fn silent() -> Voice {
        Voice { commands: None, output: Arc::new(AtomicU8::new(3)) }
    }

    /// A voice that plays nothing but records what it was asked to say, for tests that
    /// check what a citizen would hear.
    pub fn recording() -> (Voice, VoiceLog) {
        let (tx, rx) = mpsc::channel();
        (Voice { commands: Some(tx), output: Arc::new(AtomicU8::new(3)) }, VoiceLog(rx))
    }

    /// Starts the audio thread. It opens the default output device itself when the first
    /// sound is asked for (not at start); if there is none, it says so once in the log and
    /// stays silent.
    pub fn start(settings: VoiceSettings) -> Voice {
        let (tx, rx) = mpsc::channel();
        let output = Arc::new(AtomicU8::new(0));
        let state = Arc::clone(&output);
        let spawned = std::thread::Builder::new().name("audio".into()).spawn(move || {
            let _ends_off = EndsOff(Arc::clone(&state));
            play_loop(settings, rx, &state)
        });
        match spawned {
            Ok(_) => Voice { commands: Some(tx), output },
            Err(e) => {
                tracing::warn!(error = %e, "cannot start the audio thread; the kiosk stays silent");
                Voice::silent()
            }
        }
    }

    /// What became of the sound output (for the staff panel and the journal).
    pub fn output(&self) -> AudioOutput {
        AudioOutput::from_u8(self.output.load(Ordering::Acquire))
    }

    /// Plays the prompt `id` in `language`, cutting off whatever was playing.
    pub fn prompt(&self, id: &str, language: Language) {
        self.send(Command::Prompt { id: id.to_string(), language });
    }

    /// The short click of a tap (also stops a prompt: the person is acting).
    pub fn click(&self) {
        self.send(Command::Click);
    }

    /// Silence.
    pub fn stop(&self) {
        self.send(Command::Stop);
    }

    /// Sets the playback volume (0.0 to 1.0; anything else is clamped).
    pub fn set_volume(&self, volume: f32) {
        let volume = if volume.is_finite() { volume.clamp(0.0, 1.0) } else { 0.0 };
        self.send(Command::Volume(volume));
    }

    fn send(&self, command: Command) {
        if let Some(tx) = &self.commands {
            // The thread only ends when the device handling panicked; stay silent then.
            let _ = tx.send(command);
        }
    }
}

/// What a [`Voice::recording`] was asked to do: clip names (`zh/home`, `click`) and `stop`.
pub struct VoiceLog(mpsc::Receiver<Command>);

impl VoiceLog {
    /// Everything asked since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        self.0
            .try_iter()
            .map(|c| match c {
                Command::Prompt { id, language } => format!("{}/{id}", language.code()),
                Command::Click => "click".into(),
                Command::Stop => "stop".into(),
                Command::Volume(v) => format!("volume {}", (v * 100.0).round() as u32),
                #[cfg(test)]
                Command::Sync(_) => "sync".into(),
            })
            .collect()
    }
}

/// Finds a clip: the hall's recording first, then the shipped one.
fn load_clip(settings: &VoiceSettings, name: &str) -> Option<Vec<u8>> {
    if let Some(dir) = &settings.prompts_dir {
        let path = dir.join(format!("{name}.ogg"));
        match std::fs::read(&path) {
            Ok(bytes) => return Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the hall's prompt; using the shipped one")
            }
        }
    }
    shipped_clip(name).map(<[u8]>::to_vec)
}

/// The sound card and the player on it, opened by the first sound the kiosk makes rather
/// than at start: opening ALSA (its configuration, the mixer thread) costs start-up time
/// and memory that a kiosk nobody has switched to elder mode never needs.
struct Output {
    /// Keeps the device open; dropping it closes the stream.
    _sink: rodio::MixerDeviceSink,
    player: rodio::Player,
}

impl Output {
    fn open(volume: f32) -> Option<Output> {
        match rodio::DeviceSinkBuilder::open_default_sink() {
            Ok(mut sink) => {
                sink.log_on_drop(false);
                let player = rodio::Player::connect_new(sink.mixer());
                player.set_volume(volume);
                Some(Output { _sink: sink, player })
            }
            Err(e) => {
                tracing::warn!(error = %e, "no audio output device: spoken prompts are off");
                None
            }
        }
    }
}

fn play_loop(settings: VoiceSettings, commands: mpsc::Receiver<Command>, state: &AtomicU8) {
    play_commands(&settings, commands, |volume| {
        let output = Output::open(volume);
        state.store(if output.is_some() { 1 } else { 2 }, Ordering::Release);
        output
    });
}

/// Plays what is asked until the channel closes; `open` opens the output the first time a
/// sound is asked for (one attempt: without a sound card the kiosk stays silent).
fn play_commands(
    settings: &VoiceSettings,
    commands: mpsc::Receiver<Command>,
    mut open: impl FnMut(f32) -> Option<Output>,
) {
    // None: not opened yet; Some(None): tried, there is no sound card.
    let mut output: Option<Option<Output>> = None;
    // The staff panel's volume, kept for a device opened later.
    let mut volume = settings.volume;
    let mut warned: HashSet<String> = HashSet::new();
    for command in commands {
        let name = match &command {
            #[cfg(test)]
            Command::Sync(done) => {
                let _ = done.send(());
                continue;
            }
            Command::Stop => {
                // Silence needs no sound card: never open one just to stop.
                if let Some(Some(out)) = &output {
                    out.player.clear();
                }
                continue;
            }
            Command::Volume(v) => {
                volume = *v;
                if let Some(Some(out)) = &output {
                    out.player.set_volume(volume);
                }
                continue;
            }
            Command::Click => "click".to_string(),
            Command::Prompt { id, language } => format!("{}/{id}", language.code()),
        };
        let Some(out) = output.get_or_insert_with(|| open(volume)) else { continue };
        let player = &out.player;
        player.clear();
        let Some(bytes) = load_clip(settings, &name) else {
            if warned.insert(name.clone()) {
                tracing::warn!(clip = %name, "no clip for this prompt; staying silent");
            }
            continue;
        };
        match rodio::Decoder::new(Cursor::new(bytes)) {
            Ok(source) => {
                player.append(source);
                player.play();
            }
            Err(e) => {
                if warned.insert(name.clone()) {
                    tracing::warn!(clip = %name, error = %e, "cannot decode the clip; staying silent");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prompt_ships_in_both_languages_and_decodes() {
        for id in PROMPT_IDS {
            for lang in ["zh", "en"] {
                let name = format!("{lang}/{id}");
                let bytes = shipped_clip(&name).unwrap_or_else(|| panic!("no clip {name}"));
                assert!(rodio::Decoder::new(Cursor::new(bytes.to_vec())).is_ok(), "{name} does not decode");
            }
        }
        assert!(shipped_clip("click").is_some());
    }

    #[test]
    fn halls_recording_replaces_the_shipped_clip() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("zh")).unwrap();
        std::fs::write(dir.path().join("zh/home.ogg"), b"hall's own").unwrap();
        let settings = VoiceSettings { volume: 1.0, prompts_dir: Some(dir.path().to_path_buf()) };
        assert_eq!(load_clip(&settings, "zh/home").unwrap(), b"hall's own");
        assert_eq!(load_clip(&settings, "en/home").as_deref(), shipped_clip("en/home"));
        assert!(load_clip(&settings, "zh/no-such-prompt").is_none());
    }

    #[test]
    fn the_sound_card_is_opened_by_the_first_sound_not_at_start_nor_by_silence() {
        let settings = VoiceSettings { volume: 0.5, prompts_dir: None };
        let run = |commands: Vec<Command>| {
            let (tx, rx) = mpsc::channel();
            commands.into_iter().for_each(|c| tx.send(c).unwrap());
            drop(tx);
            let mut opened = 0;
            play_commands(&settings, rx, |_| {
                opened += 1;
                None
            });
            opened
        };
        assert_eq!(run(vec![]), 0, "nothing asked: the device stays closed");
        assert_eq!(run(vec![Command::Stop, Command::Stop]), 0, "silence needs no device");
        let prompt = || Command::Prompt { id: "home".into(), language: Language::ZhCn };
        assert_eq!(run(vec![Command::Stop, prompt()]), 1, "the first prompt opens it");
        assert_eq!(run(vec![Command::Click, prompt(), Command::Click]), 1, "one attempt only");
    }

    #[test]
    fn no_sound_card_is_not_an_error() {
        // CI and most test machines have no audio device: every call just returns, and the
        // audio thread stays up (silently) instead of ending, so prompts work again once a
        // device is there and staff see "no device", not "off".
        let voice = Voice::start(VoiceSettings { volume: 0.5, prompts_dir: None });
        assert_eq!(voice.output(), AudioOutput::Starting, "the device waits for the first sound");
        voice.prompt("home", Language::ZhCn);
        voice.prompt("no-such-prompt", Language::En);
        voice.click();
        voice.set_volume(f32::NAN);
        voice.stop();
        let (done, handled) = mpsc::channel();
        voice.send(Command::Sync(done));
        assert!(
            handled.recv_timeout(std::time::Duration::from_secs(20)).is_ok(),
            "the audio thread stopped answering: {:?}",
            voice.output()
        );
        let after = voice.output();
        assert!(
            matches!(after, AudioOutput::Playing | AudioOutput::NoDevice),
            "the audio thread should be up, with or without a device: {after:?}"
        );
        assert_eq!(Voice::silent().output(), AudioOutput::Off);
        Voice::silent().prompt("home", Language::ZhCn);
    }
}

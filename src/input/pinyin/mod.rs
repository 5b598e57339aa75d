//! Pinyin to hanzi with librime (decision 0015): the `pinyin_simp` schema's dictionary
//! plus the hall's phrases ([`crate::input::phrases`]), with the user dictionary off so the
//! kiosk never learns one citizen's words for the next.
//!
//! librime keeps one engine per process, so there is one [`PinyinEngine`] per process: a
//! thread of its own that first deploys (builds the prism and table into
//! `[storage] data_dir/rime`, about 1.4 s the first time, 0.1 s after) and then answers
//! every [`PinyinSession`]'s edits in order. Nothing here blocks the UI thread: a session
//! sends an edit and picks the answer up later ([`PinyinSession::try_next`]), told by the
//! `notify` callback it was opened with.

mod deploy;
mod ffi;

use std::collections::HashMap;
use std::ffi::{CStr, CString, c_char};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::config::LoadedConfig;

pub use deploy::SCHEMA_ID;

/// The longest run of letters one composition takes (a long sentence is committed in parts).
pub const MAX_INPUT_LETTERS: usize = 40;
/// Where Debian's `rime-data-pinyin-simp` puts the schema and dictionary.
pub const DEBIAN_SHARED_DIR: &str = "/usr/share/rime-data";

/// Where the engine's data is and what it adds to the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinyinSettings {
    /// The shared data (`pinyin_simp.dict.yaml`), read only.
    pub shared_dir: PathBuf,
    /// Our schema, the hall's dictionary and the built tables (written at deploy).
    pub user_dir: PathBuf,
    /// The hall's phrases (Han characters only), offered as words.
    pub phrases: Vec<String>,
}

impl PinyinSettings {
    /// The kiosk's settings: `[storage] data_dir/rime`, the hall's phrases from the config.
    pub fn from_config(config: &LoadedConfig) -> PinyinSettings {
        PinyinSettings {
            shared_dir: PathBuf::from(DEBIAN_SHARED_DIR),
            user_dir: config.data_dir().join("rime"),
            phrases: crate::input::phrases::hall_phrases(&config.config),
        }
    }
}

/// One edit of the composition, as the keyboard's keys make them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// A letter a–z (anything else is ignored).
    Letter(char),
    /// The syllable separator `'` (xi'an, not xian).
    Separator,
    /// Take back the last letter.
    Backspace,
    /// Take this candidate (an index into the whole list, not the page).
    Choose(usize),
    /// Show the page of candidates starting at this index.
    Page(usize),
    /// Commit the letters as they are (Done, or another layout, with pinyin still open).
    CommitLetters,
    /// Forget the composition (the field was wiped).
    Clear,
}

/// What the keyboard shows after an edit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composition {
    /// The syllables being composed as rime shows them ("she bao"); empty when none.
    pub preedit: String,
    /// The candidates of the page asked for.
    pub candidates: Vec<String>,
    /// Index of `candidates[0]` in the whole list (for paging and choosing).
    pub first: usize,
    /// Whether there are candidates after this page.
    pub more: bool,
    /// Text for the field: a candidate that used up the input, or the letters themselves.
    pub commit: Option<String>,
}

/// Why the engine cannot give candidates (the keyboard then offers the other layouts).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PinyinError {
    /// librime or its data is missing or older than we need, or the deploy failed.
    #[error("pinyin is unavailable: {0}")]
    Unavailable(String),
    /// No answer in time (the engine is still deploying, or stuck).
    #[error("the pinyin engine did not answer within {0:?}")]
    TimedOut(Duration),
}

/// Whether the engine is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineState {
    /// Deploying; edits wait their turn.
    Preparing,
    /// Answering.
    Ready,
    /// It will never answer with candidates; every edit gets an empty composition.
    Failed(String),
}

type Notify = Box<dyn Fn() + Send>;

enum Job {
    /// Deploy now (a text field was tapped), if not done yet.
    Prepare,
    Open {
        id: u64,
        answers: mpsc::Sender<Composition>,
        notify: Notify,
    },
    Edit {
        id: u64,
        edit: Edit,
        page_size: usize,
    },
    Close {
        id: u64,
    },
}

/// The process's pinyin engine: a thread that owns librime.
pub struct PinyinEngine {
    jobs: Mutex<mpsc::Sender<Job>>,
    state: Arc<(Mutex<EngineState>, std::sync::Condvar)>,
    settings: PinyinSettings,
    next_id: std::sync::atomic::AtomicU64,
}

static ENGINE: OnceLock<PinyinEngine> = OnceLock::new();

impl PinyinEngine {
    /// Starts the engine (once per process; later calls return the same engine, and
    /// different settings are logged and ignored: librime has one data directory per
    /// process). Returns at once. librime is loaded and deployed on the engine's thread
    /// when it is first needed ([`PinyinEngine::prepare`], or the first edit), not at
    /// start: a kiosk whose citizens never type keeps its memory and start-up free of it
    /// (docs/performance.md).
    pub fn start(settings: PinyinSettings) -> &'static PinyinEngine {
        let engine = ENGINE.get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            let state = Arc::new((Mutex::new(EngineState::Preparing), std::sync::Condvar::new()));
            let thread_state = state.clone();
            let thread_settings = settings.clone();
            let spawned = std::thread::Builder::new()
                .name("pinyin".into())
                .spawn(move || run(&thread_settings, rx, &thread_state));
            if let Err(e) = spawned {
                *lock(&state.0) = EngineState::Failed(format!("cannot start its thread: {e}"));
            }
            PinyinEngine { jobs: Mutex::new(tx), state, settings: settings.clone(), next_id: 1.into() }
        });
        if engine.settings != settings {
            tracing::warn!("pinyin engine already started with other settings; keeping the first");
        }
        engine
    }

    /// Loads and deploys librime now, off the UI thread, if that has not been done: the
    /// keyboard asks for it when a text field is tapped, so the engine is ready by the
    /// time the first letter is.
    pub fn prepare(&self) {
        let _ = lock(&self.jobs).send(Job::Prepare);
    }

    /// Whether it is deploying (or waiting to be needed), ready or failed.
    pub fn state(&self) -> EngineState {
        lock(&self.state.0).clone()
    }

    /// Starts the deploy if needed and waits until it has finished, well or not (a
    /// screenshot's scratch data may go only then); returns the state then, or after
    /// `timeout`.
    pub fn wait_until_started(&self, timeout: Duration) -> EngineState {
        self.prepare();
        let (state, changed) = &*self.state;
        let guard = lock(state);
        let (guard, _) = changed
            .wait_timeout_while(guard, timeout, |s| *s == EngineState::Preparing)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.clone()
    }

    /// A new composition, answered through `notify` (called on the engine's thread after
    /// each answer is ready; the UI then calls [`PinyinSession::try_next`]).
    pub fn session(&self, notify: impl Fn() + Send + 'static) -> PinyinSession {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (answers_tx, answers) = mpsc::channel();
        let jobs = lock(&self.jobs).clone();
        let _ = jobs.send(Job::Open { id, answers: answers_tx, notify: Box::new(notify) });
        PinyinSession { id, jobs, answers, outstanding: std::cell::Cell::new(0) }
    }

    /// The candidates for `pinyin` (letters and `'` only), page `page` (from 0) of
    /// `page_size`: what `hall-kiosk ime --candidates` prints. Waits for the deploy.
    pub fn candidates(
        &self,
        pinyin: &str,
        page: usize,
        page_size: usize,
    ) -> Result<Composition, PinyinError> {
        let session = self.session(|| {});
        for c in pinyin.chars() {
            session.send(if c == '\'' { Edit::Separator } else { Edit::Letter(c) }, page_size);
        }
        session.send(Edit::Page(page.saturating_mul(page_size)), page_size);
        let answers = session.settle(Duration::from_secs(60))?;
        if let EngineState::Failed(why) = self.state() {
            return Err(PinyinError::Unavailable(why));
        }
        Ok(answers.into_iter().last().unwrap_or_default())
    }
}

/// One citizen's composition (the keyboard holds one). Dropping it closes it.
pub struct PinyinSession {
    id: u64,
    jobs: mpsc::Sender<Job>,
    answers: mpsc::Receiver<Composition>,
    /// Edits sent and not answered yet.
    outstanding: std::cell::Cell<usize>,
}

impl PinyinSession {
    /// Sends an edit; the answer comes later. `page_size` is how many candidates fit.
    pub fn send(&self, edit: Edit, page_size: usize) {
        if self.jobs.send(Job::Edit { id: self.id, edit, page_size: page_size.clamp(1, 20) }).is_ok() {
            self.outstanding.set(self.outstanding.get().saturating_add(1));
        }
    }

    /// The answers that arrived since the last call, oldest first; never waits.
    pub fn try_next(&self) -> Vec<Composition> {
        let answers: Vec<Composition> = self.answers.try_iter().collect();
        self.outstanding.set(self.outstanding.get().saturating_sub(answers.len()));
        answers
    }

    /// Whether every edit sent has been answered.
    pub fn is_settled(&self) -> bool {
        self.outstanding.get() == 0
    }

    /// Waits until every edit sent is answered and returns the answers, oldest first
    /// (tests, the command line, screenshots; never the UI thread of a running kiosk).
    pub fn settle(&self, timeout: Duration) -> Result<Vec<Composition>, PinyinError> {
        let deadline = Instant::now() + timeout;
        let mut answers = Vec::new();
        while self.outstanding.get() > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.answers.recv_timeout(left) {
                Ok(answer) => {
                    self.outstanding.set(self.outstanding.get() - 1);
                    answers.push(answer);
                }
                Err(_) => return Err(PinyinError::TimedOut(timeout)),
            }
        }
        Ok(answers)
    }
}

impl Drop for PinyinSession {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Close { id: self.id });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The engine's thread: deploy, then answer jobs until every sender is gone.
fn run(
    settings: &PinyinSettings,
    jobs: mpsc::Receiver<Job>,
    state: &(Mutex<EngineState>, std::sync::Condvar),
) {
    // `None` until first needed; then librime, or `Some(None)` when it cannot be had.
    let mut rime: Option<Option<Rime>> = None;
    let mut clients: HashMap<u64, Client> = HashMap::new();
    for job in jobs {
        match job {
            Job::Prepare => {
                let rime = rime.get_or_insert_with(|| open_rime(settings, state));
                // Sessions opened before the deploy get their librime session now.
                if let Some(rime) = rime {
                    for client in clients.values_mut().filter(|c| c.session.is_none()) {
                        client.session = rime.create_session();
                    }
                }
            }
            Job::Open { id, answers, notify } => {
                let session = rime.as_ref().and_then(Option::as_ref).and_then(Rime::create_session);
                clients.insert(id, Client { session, answers, notify, first: 0 });
            }
            Job::Edit { id, edit, page_size } => {
                let Some(client) = clients.get_mut(&id) else { continue };
                let rime = rime.get_or_insert_with(|| open_rime(settings, state));
                if client.session.is_none() {
                    client.session = rime.as_ref().and_then(Rime::create_session);
                }
                let answer = match (rime.as_ref(), client.session) {
                    (Some(rime), Some(session)) => rime.edit(session, &mut client.first, &edit, page_size),
                    _ => Composition::default(),
                };
                if client.answers.send(answer).is_ok() {
                    (client.notify)();
                }
            }
            Job::Close { id } => {
                if let (Some(Some(rime)), Some(Client { session: Some(s), .. })) =
                    (&rime, clients.remove(&id))
                {
                    rime.destroy_session(s);
                }
            }
        }
    }
}

/// Loads and deploys librime, and says how that went (in the log and in `state`).
fn open_rime(settings: &PinyinSettings, state: &(Mutex<EngineState>, std::sync::Condvar)) -> Option<Rime> {
    let (state, changed) = state;
    let started = Instant::now();
    let rime = match Rime::open(settings) {
        Ok(rime) => {
            tracing::info!(
                ms = started.elapsed().as_millis() as u64,
                version = %rime.version(),
                phrases = settings.phrases.len(),
                "pinyin engine ready"
            );
            *lock(state) = EngineState::Ready;
            Some(rime)
        }
        Err(why) => {
            tracing::error!(error = %why, "pinyin engine unavailable; the keyboard offers English and digits");
            *lock(state) = EngineState::Failed(why);
            None
        }
    };
    changed.notify_all();
    rime
}

/// A session's place on the engine's thread.
struct Client {
    session: Option<ffi::RimeSessionId>,
    answers: mpsc::Sender<Composition>,
    notify: Notify,
    /// First candidate of the page on show.
    first: usize,
}

/// librime, set up and deployed. Lives on the engine's thread only.
struct Rime {
    api: &'static ffi::RimeApi,
}

/// Calls a function of the table, which [`Rime::open`] checked is present.
macro_rules! call {
    ($api:expr, $f:ident $(, $arg:expr)*) => {
        match $api.$f {
            // SAFETY: the table is librime's, checked long enough for this slot; the
            // arguments follow rime_api.h (checked by ffi's layout test).
            Some(f) => unsafe { f($($arg),*) },
            None => Default::default(),
        }
    };
}

impl Rime {
    fn open(settings: &PinyinSettings) -> Result<Rime, String> {
        let source = settings.shared_dir.join("pinyin_simp.dict.yaml");
        if !source.is_file() {
            return Err(format!("{} is missing (Debian package rime-data-pinyin-simp)", source.display()));
        }
        let schema = deploy::write_user_data(&settings.user_dir, &settings.phrases)
            .map_err(|e| format!("cannot write {}: {e}", settings.user_dir.display()))?;
        // SAFETY: rime_get_api returns a pointer to a static table (or null).
        let api = unsafe { ffi::rime_get_api().as_ref() }.ok_or("librime returned no API table")?;
        if !ffi::table_is_long_enough(api.data_size) {
            return Err(format!(
                "librime's API table is too short ({}): librime 1.8 or newer needed",
                api.data_size
            ));
        }
        let c =
            |p: &Path| CString::new(p.as_os_str().as_encoded_bytes()).map_err(|_| "a path holds a NUL byte");
        let shared = c(&settings.shared_dir)?;
        let user = c(&settings.user_dir)?;
        let schema_path = c(&schema)?;
        let name = c"hall-kiosk";
        let app = c"rime.hall-kiosk";
        let version = CString::new(env!("CARGO_PKG_VERSION")).unwrap_or_default();
        let empty = c"";
        let mut traits = ffi::RimeTraits {
            data_size: ffi::data_size_of::<ffi::RimeTraits>(),
            shared_data_dir: shared.as_ptr(),
            user_data_dir: user.as_ptr(),
            distribution_name: name.as_ptr(),
            distribution_code_name: name.as_ptr(),
            distribution_version: version.as_ptr(),
            app_name: app.as_ptr(),
            modules: std::ptr::null(),
            // Errors only, to stderr (the journal): nothing typed is ever logged.
            min_log_level: 2,
            log_dir: empty.as_ptr(),
            prebuilt_data_dir: std::ptr::null(),
            staging_dir: std::ptr::null(),
        };
        call!(api, setup, &mut traits);
        call!(api, deployer_initialize, std::ptr::null_mut());
        let deployed: ffi::RimeBool = call!(api, deploy_schema, schema_path.as_ptr());
        if deployed == 0 {
            return Err(format!("deploying {} failed", schema.display()));
        }
        call!(api, initialize, std::ptr::null_mut());
        let rime = Rime { api };
        // A first session proves the schema loads.
        let probe = rime.create_session().ok_or("the hall schema does not load")?;
        rime.destroy_session(probe);
        Ok(rime)
    }

    fn version(&self) -> String {
        // SAFETY: as `call!`; get_version takes nothing and returns a static string.
        let v = self.api.get_version.map_or(std::ptr::null(), |f| unsafe { f() });
        text(v).unwrap_or_default()
    }

    fn create_session(&self) -> Option<ffi::RimeSessionId> {
        let session: ffi::RimeSessionId = call!(self.api, create_session);
        if session == 0 {
            return None;
        }
        let schema = CString::new(SCHEMA_ID).unwrap_or_default();
        let selected: ffi::RimeBool = call!(self.api, select_schema, session, schema.as_ptr());
        call!(self.api, set_option, session, c"ascii_mode".as_ptr(), 0);
        if selected == 0 {
            self.destroy_session(session);
            return None;
        }
        Some(session)
    }

    fn destroy_session(&self, session: ffi::RimeSessionId) {
        let _: ffi::RimeBool = call!(self.api, destroy_session, session);
    }

    /// The raw letters being composed.
    fn input(&self, session: ffi::RimeSessionId) -> String {
        // SAFETY: as `call!`; the string is copied before the next call on the session.
        let raw = self.api.get_input.map_or(std::ptr::null(), |f| unsafe { f(session) });
        text(raw).unwrap_or_default()
    }

    fn key(&self, session: ffi::RimeSessionId, keycode: i32) {
        let _: ffi::RimeBool = call!(self.api, process_key, session, keycode, 0);
    }

    fn edit(
        &self,
        session: ffi::RimeSessionId,
        first: &mut usize,
        edit: &Edit,
        page_size: usize,
    ) -> Composition {
        let mut commit = None;
        match edit {
            Edit::Letter(c @ 'a'..='z') if self.input(session).len() < MAX_INPUT_LETTERS => {
                self.key(session, *c as i32);
                *first = 0;
            }
            Edit::Letter(_) => {}
            Edit::Separator if !self.input(session).is_empty() => self.key(session, '\'' as i32),
            Edit::Separator => {}
            Edit::Backspace => {
                self.key(session, ffi::keysym::BACKSPACE);
                *first = 0;
            }
            Edit::Choose(index) => {
                let _: ffi::RimeBool = call!(self.api, select_candidate, session, *index);
                *first = 0;
            }
            Edit::Page(at) => *first = *at,
            Edit::CommitLetters => {
                let letters = self.input(session);
                call!(self.api, clear_composition, session);
                if !letters.is_empty() {
                    commit = Some(letters.replace('\'', ""));
                }
            }
            Edit::Clear => call!(self.api, clear_composition, session),
        }
        if commit.is_none() {
            commit = self.take_commit(session);
        }
        let (candidates, more) = self.candidates(session, *first, page_size);
        if candidates.is_empty() && *first > 0 {
            // Paged past the end: show the first page again.
            *first = 0;
        }
        let (candidates, more) = if candidates.is_empty() && *first == 0 {
            self.candidates(session, 0, page_size)
        } else {
            (candidates, more)
        };
        Composition { preedit: self.preedit(session), candidates, first: *first, more, commit }
    }

    fn take_commit(&self, session: ffi::RimeSessionId) -> Option<String> {
        let mut commit =
            ffi::RimeCommit { data_size: ffi::data_size_of::<ffi::RimeCommit>(), text: std::ptr::null_mut() };
        let got: ffi::RimeBool = call!(self.api, get_commit, session, &mut commit);
        if got == 0 {
            return None;
        }
        let committed = text(commit.text);
        let _: ffi::RimeBool = call!(self.api, free_commit, &mut commit);
        committed.filter(|t| !t.is_empty())
    }

    fn preedit(&self, session: ffi::RimeSessionId) -> String {
        // SAFETY: all-zero is a valid RimeContext (null pointers, zero counts).
        let mut context: ffi::RimeContext = unsafe { std::mem::zeroed() };
        context.data_size = ffi::data_size_of::<ffi::RimeContext>();
        let got: ffi::RimeBool = call!(self.api, get_context, session, &mut context);
        if got == 0 {
            return String::new();
        }
        let preedit = text(context.composition.preedit).unwrap_or_default();
        let _: ffi::RimeBool = call!(self.api, free_context, &mut context);
        preedit
    }

    /// `page_size` candidates from `first`, and whether more follow.
    fn candidates(&self, session: ffi::RimeSessionId, first: usize, page_size: usize) -> (Vec<String>, bool) {
        let Ok(from) = i32::try_from(first) else { return (Vec::new(), false) };
        // SAFETY: all-zero is a valid iterator before candidate_list_from_index fills it.
        let mut it: ffi::RimeCandidateListIterator = unsafe { std::mem::zeroed() };
        let begun: ffi::RimeBool = call!(self.api, candidate_list_from_index, session, &mut it, from);
        if begun == 0 {
            return (Vec::new(), false);
        }
        let mut out = Vec::new();
        let mut more = false;
        loop {
            let next: ffi::RimeBool = call!(self.api, candidate_list_next, &mut it);
            if next == 0 {
                break;
            }
            if out.len() == page_size {
                more = true;
                break;
            }
            if let Some(t) = text(it.candidate.text) {
                out.push(t);
            }
        }
        call!(self.api, candidate_list_end, &mut it);
        (out, more)
    }
}

/// A C string from librime as Rust text (invalid UTF-8 replaced, never trusted blindly).
fn text(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: librime returns NUL-terminated strings that live until the next call on
    // the same session, and we copy at once.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine's thread over its own channel, run until the channel closes; the state
    /// it ended in.
    fn run_jobs(settings: &PinyinSettings, jobs: Vec<Job>) -> EngineState {
        let (tx, rx) = mpsc::channel();
        for job in jobs {
            tx.send(job).unwrap();
        }
        drop(tx);
        let state = (Mutex::new(EngineState::Preparing), std::sync::Condvar::new());
        run(settings, rx, &state);
        lock(&state.0).clone()
    }

    fn open(id: u64, answers: mpsc::Sender<Composition>) -> Job {
        Job::Open { id, answers, notify: Box::new(|| {}) }
    }

    #[test]
    fn librime_is_loaded_when_first_needed_not_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let settings = PinyinSettings {
            shared_dir: PathBuf::from(DEBIAN_SHARED_DIR),
            user_dir: dir.path().join("rime"),
            phrases: vec!["办不成事".into()],
        };
        // A keyboard opened its composition and closed it without a letter: no deploy.
        let (answers, _rx) = mpsc::channel();
        assert_eq!(run_jobs(&settings, vec![open(1, answers), Job::Close { id: 1 }]), EngineState::Preparing);
        assert!(!settings.user_dir.join("build").exists(), "nothing deployed");
        // The first letter deploys, and is answered from the deployed engine.
        let (answers, rx) = mpsc::channel();
        let edits = "bbcs".chars().map(|c| Job::Edit { id: 2, edit: Edit::Letter(c), page_size: 5 });
        let state = run_jobs(&settings, std::iter::once(open(2, answers)).chain(edits).collect());
        assert_eq!(state, EngineState::Ready);
        let last = rx.try_iter().last().expect("every edit is answered");
        assert_eq!(last.candidates.first().map(String::as_str), Some("办不成事"), "{last:?}");
    }
}

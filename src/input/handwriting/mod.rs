//! Characters written with a finger, recognised by Zinnia with the Tegaki simplified-
//! Chinese model (decision 0016), and the next words offered after each one
//! ([`crate::input::association`]).
//!
//! As with pinyin, one thread owns the engine and every [`HandwritingSession`] sends it
//! work and picks the answers up later, told by the `notify` callback it was opened with:
//! the UI thread never waits on a recognition. The 27 MB model is memory-mapped when the
//! first stroke needs it and closed again when the session is wiped
//! ([`HandwritingSession::release`]), so a kiosk on its home screen does not carry it.

pub mod ink;
mod zinnia;

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::config::LoadedConfig;
use crate::input::association::Associations;

pub use ink::{Ink, InkError};

/// Where Debian's `tegaki-zinnia-simplified-chinese` puts the model.
pub const DEBIAN_MODEL: &str = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model";
/// Candidates asked for per recognition (the bar pages through them).
pub const CANDIDATES: usize = 20;
/// Next words offered after a character.
pub const NEXT_WORDS: usize = 12;

/// The engine's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandwritingSettings {
    /// The Zinnia model.
    pub model: PathBuf,
    /// The pinyin engine's dictionary, read for next words.
    pub dictionary: PathBuf,
    /// The hall's phrases, offered first as next words.
    pub phrases: Vec<String>,
}

impl HandwritingSettings {
    /// The kiosk's settings: Debian's model and dictionary, the hall's phrases.
    pub fn from_config(config: &LoadedConfig) -> HandwritingSettings {
        HandwritingSettings {
            model: PathBuf::from(DEBIAN_MODEL),
            dictionary: PathBuf::from(crate::input::pinyin::DEBIAN_SHARED_DIR).join("pinyin_simp.dict.yaml"),
            phrases: crate::input::phrases::hall_phrases(&config.config),
        }
    }
}

/// What an answer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerKind {
    /// Characters the ink may be, likeliest first.
    Characters,
    /// What may follow the text (after a character was chosen).
    NextWords,
}

/// One answer to a session's request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The request's number ([`HandwritingSession::recognize`] and `next_words` return it):
    /// an answer to an older request than the newest is stale.
    pub request: u64,
    pub kind: AnswerKind,
    pub candidates: Vec<String>,
}

/// Why recognition is unavailable.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum HandwritingError {
    #[error("handwriting recognition is unavailable: {0}")]
    Unavailable(String),
    #[error("the handwriting engine did not answer within {0:?}")]
    TimedOut(Duration),
}

type Notify = Box<dyn Fn() + Send>;

enum Job {
    Open {
        id: u64,
        answers: mpsc::Sender<Answer>,
        notify: Notify,
    },
    Recognize {
        id: u64,
        request: u64,
        ink: Ink,
    },
    NextWords {
        id: u64,
        request: u64,
        before: String,
    },
    /// Close the model until it is needed again (a session was wiped).
    Release,
    Close {
        id: u64,
    },
}

/// The process's handwriting engine: a thread that owns the recognizer.
pub struct HandwritingEngine {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// Whether the model can be opened (checked at start: the file is there).
    available: Result<(), String>,
    settings: HandwritingSettings,
    next_id: std::sync::atomic::AtomicU64,
}

static ENGINE: OnceLock<HandwritingEngine> = OnceLock::new();

impl HandwritingEngine {
    /// Starts the engine (once per process; later calls return the same one). Returns at
    /// once: nothing is read until the first request.
    pub fn start(settings: HandwritingSettings) -> &'static HandwritingEngine {
        let engine = ENGINE.get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            let available = if settings.model.is_file() {
                Ok(())
            } else {
                Err(format!(
                    "{} is missing (Debian package tegaki-zinnia-simplified-chinese)",
                    settings.model.display()
                ))
            };
            let thread_settings = settings.clone();
            let spawned = std::thread::Builder::new()
                .name("handwriting".into())
                .spawn(move || run(&thread_settings, rx));
            let available = available.and(spawned.map(drop).map_err(|e| format!("cannot start its thread: {e}")));
            if let Err(why) = &available {
                tracing::error!(error = %why, "handwriting unavailable; the keyboard offers the other layouts");
            }
            HandwritingEngine { jobs: Mutex::new(tx), available, settings: settings.clone(), next_id: 1.into() }
        });
        if engine.settings != settings {
            tracing::warn!("handwriting engine already started with other settings; keeping the first");
        }
        engine
    }

    /// Whether the pad can be offered.
    pub fn is_available(&self) -> bool {
        self.available.is_ok()
    }

    /// A new session, answered through `notify` (called on the engine's thread).
    pub fn session(&self, notify: impl Fn() + Send + 'static) -> HandwritingSession {
        let id = self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (answers_tx, answers) = mpsc::channel();
        let jobs = lock(&self.jobs).clone();
        let _ = jobs.send(Job::Open { id, answers: answers_tx, notify: Box::new(notify) });
        HandwritingSession { id, jobs, answers, sent: 0.into(), answered: 0.into() }
    }

    /// The candidates for a stroke file's ink: what `hall-kiosk ime --strokes` prints.
    pub fn recognize_now(&self, ink: Ink) -> Result<Vec<String>, HandwritingError> {
        if let Err(why) = &self.available {
            return Err(HandwritingError::Unavailable(why.clone()));
        }
        let session = self.session(|| {});
        session.recognize(ink);
        let answers = session.settle(Duration::from_secs(60))?;
        Ok(answers.into_iter().last().map(|a| a.candidates).unwrap_or_default())
    }
}

/// One keyboard's requests. Dropping it closes it.
pub struct HandwritingSession {
    id: u64,
    jobs: mpsc::Sender<Job>,
    answers: mpsc::Receiver<Answer>,
    sent: std::cell::Cell<u64>,
    answered: std::cell::Cell<u64>,
}

impl HandwritingSession {
    fn send(&self, job: impl FnOnce(u64) -> Job) -> u64 {
        let request = self.sent.get().saturating_add(1);
        if self.jobs.send(job(request)).is_ok() {
            self.sent.set(request);
        }
        request
    }

    /// Asks what the ink is; returns the request's number.
    pub fn recognize(&self, ink: Ink) -> u64 {
        let id = self.id;
        self.send(|request| Job::Recognize { id, request, ink })
    }

    /// Asks what may follow `before` (the field's text); returns the request's number.
    pub fn next_words(&self, before: String) -> u64 {
        let id = self.id;
        self.send(|request| Job::NextWords { id, request, before })
    }

    /// Closes the model until the next stroke (the citizen's session ended).
    pub fn release(&self) {
        let _ = self.jobs.send(Job::Release);
    }

    /// The answers that arrived since the last call, oldest first; never waits.
    pub fn try_next(&self) -> Vec<Answer> {
        let answers: Vec<Answer> = self.answers.try_iter().collect();
        if let Some(last) = answers.last() {
            self.answered.set(last.request);
        }
        answers
    }

    /// Waits until every request sent is answered (tests, the command line, screenshots;
    /// never the UI thread of a running kiosk).
    pub fn settle(&self, timeout: Duration) -> Result<Vec<Answer>, HandwritingError> {
        let deadline = Instant::now() + timeout;
        let mut answers = Vec::new();
        while self.answered.get() < self.sent.get() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.answers.recv_timeout(left) {
                Ok(answer) => {
                    self.answered.set(answer.request);
                    answers.push(answer);
                }
                Err(_) => return Err(HandwritingError::TimedOut(timeout)),
            }
        }
        Ok(answers)
    }
}

impl Drop for HandwritingSession {
    fn drop(&mut self) {
        let _ = self.jobs.send(Job::Close { id: self.id });
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct Client {
    answers: mpsc::Sender<Answer>,
    notify: Notify,
}

/// The engine's thread: answers jobs in order until every sender is gone. Of several
/// recognitions queued for one session only the newest is worked out (a fast writer's
/// older strokes are already stale); the others get an empty answer so counts agree.
fn run(settings: &HandwritingSettings, jobs: mpsc::Receiver<Job>) {
    let mut recognizer: Option<zinnia::Recognizer> = None;
    let mut associations: Option<Associations> = None;
    let mut clients: std::collections::HashMap<u64, Client> = std::collections::HashMap::new();
    let mut queue: std::collections::VecDeque<Job> = std::collections::VecDeque::new();
    loop {
        if queue.is_empty() {
            match jobs.recv() {
                Ok(job) => queue.push_back(job),
                Err(_) => return,
            }
        }
        queue.extend(jobs.try_iter());
        let Some(job) = queue.pop_front() else { continue };
        match job {
            Job::Open { id, answers, notify } => {
                clients.insert(id, Client { answers, notify });
            }
            Job::Recognize { id, request, ink } => {
                let newer =
                    queue.iter().any(|j| matches!(j, Job::Recognize { id: other, .. } if *other == id));
                let candidates = if newer {
                    Vec::new()
                } else {
                    let started = Instant::now();
                    let r = open(&mut recognizer, settings);
                    let found = r.map(|r| r.classify(&ink, CANDIDATES)).unwrap_or_default();
                    tracing::debug!(
                        us = started.elapsed().as_micros() as u64,
                        strokes = ink.stroke_count(),
                        "recognised"
                    );
                    found
                };
                answer(&clients, id, Answer { request, kind: AnswerKind::Characters, candidates });
            }
            Job::NextWords { id, request, before } => {
                let index = associations
                    .get_or_insert_with(|| Associations::build(&settings.phrases, &settings.dictionary));
                let candidates = index.next(&before, NEXT_WORDS);
                answer(&clients, id, Answer { request, kind: AnswerKind::NextWords, candidates });
            }
            Job::Release => {
                if recognizer.take().is_some() {
                    tracing::debug!("handwriting model closed until the next stroke");
                }
            }
            Job::Close { id } => {
                clients.remove(&id);
            }
        }
    }
}

/// The recognizer, opened on first use. A model that cannot be opened is logged each
/// time it is asked for (it may appear later, e.g. after a package upgrade).
fn open<'a>(
    slot: &'a mut Option<zinnia::Recognizer>,
    settings: &HandwritingSettings,
) -> Option<&'a zinnia::Recognizer> {
    if slot.is_none() {
        let started = Instant::now();
        match zinnia::Recognizer::open(&settings.model) {
            Ok(r) => {
                tracing::info!(ms = started.elapsed().as_millis() as u64, "handwriting model opened");
                *slot = Some(r);
            }
            Err(why) => tracing::error!(error = %why, "handwriting model cannot be opened"),
        }
    }
    slot.as_ref()
}

fn answer(clients: &std::collections::HashMap<u64, Client>, id: u64, answer: Answer) {
    if let Some(client) = clients.get(&id)
        && client.answers.send(answer).is_ok()
    {
        (client.notify)();
    }
}

//! The uplink on a thread of its own with its own current-thread tokio runtime, so the
//! UI thread never waits on the network; and the supervisor that restarts it if it ever
//! ends on its own (a panic): nothing the server sends may stop delivery for good.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use super::{Uplink, UplinkError, UplinkSettings, UplinkStatus, backoff_ceiling};
use crate::delivery::outbox::Outbox;

/// The uplink running on its own thread and tokio runtime, for the UI.
#[derive(Debug)]
pub struct UplinkHandle {
    /// The uplink's status, updated after every pass.
    status: watch::Receiver<UplinkStatus>,
    /// Dropping or sending on it stops the uplink.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The thread, joined on shutdown.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl UplinkHandle {
    /// The status, for the staff screen.
    pub fn status(&self) -> watch::Receiver<UplinkStatus> {
        self.status.clone()
    }

    /// Whether the delivery thread still runs (it ends only on shutdown or a panic), so
    /// the systemd watchdog stops being fed when delivery has died.
    pub fn is_alive(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the uplink and waits for its thread (an attempt in flight is abandoned; it is
    /// still pending and will be sent again, byte-identical).
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for UplinkHandle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Starts the uplink on a thread of its own with its own outbox connection, under
/// [`supervise`]. Errors in the token file or TLS set-up are returned here, before
/// anything runs.
pub fn spawn(outbox: &Outbox, settings: UplinkSettings) -> Result<UplinkHandle, UplinkError> {
    let first = Uplink::new(outbox.another_connection()?, settings.clone())?;
    let status_tx = first.status_sender();
    let status = first.status();
    let source = outbox.another_connection()?;
    let pause = {
        let (base, cap) = (settings.backoff_base, settings.backoff_cap);
        move |n| backoff_ceiling(base, cap, n)
    };
    let mut first = Some(first);
    let sender = status_tx.clone();
    let start = move |stop: Stop| -> Result<_, String> {
        let mut uplink = match first.take() {
            Some(u) => u,
            None => {
                let conn = source.another_connection().map_err(|e| e.to_string())?;
                Uplink::new(conn, settings.clone()).map_err(|e| e.to_string())?
            }
        };
        uplink.share_status(sender.clone());
        Ok(uplink.run(stop))
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(UplinkError::Thread)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("uplink".into())
        .spawn(move || {
            runtime.block_on(supervise(start, status_tx, pause, async {
                let _ = stopped.await;
            }))
        })
        .map_err(UplinkError::Thread)?;
    Ok(UplinkHandle { status, stop: Some(stop), thread: Some(thread) })
}

/// Completes when the supervisor is told to stop; handed to each task it starts.
pub type Stop = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs the task `start` makes until `stop` completes. Whenever the task ends before that
/// (it panicked) or cannot be made, the supervisor counts it in [`UplinkStatus::restarts`]
/// (the staff alert), logs it, waits `pause(restarts)` and starts a fresh one.
pub async fn supervise<F, T>(
    mut start: F,
    status: watch::Sender<UplinkStatus>,
    pause: impl Fn(u32) -> Duration,
    stop: impl Future<Output = ()>,
) where
    F: FnMut(Stop) -> Result<T, String>,
    T: Future<Output = ()> + Send + 'static,
{
    tokio::pin!(stop);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut restarts = 0u32;
    loop {
        let mut signal = stop_rx.clone();
        let stopping: Stop = Box::pin(async move {
            let _ = signal.wait_for(|stop| *stop).await;
        });
        let why = match start(stopping) {
            Ok(task) => {
                let mut task = tokio::spawn(task);
                tokio::select! {
                    _ = &mut stop => {
                        let _ = stop_tx.send(true);
                        let _ = task.await;
                        return;
                    }
                    ended = &mut task => match ended {
                        Ok(()) => "it ended by itself".to_string(),
                        Err(e) if e.is_panic() => panic_message(e.into_panic()),
                        Err(e) => e.to_string(),
                    },
                }
            }
            Err(why) => why,
        };
        restarts = restarts.saturating_add(1);
        tracing::error!(restarts, reason = %why, "STAFF ALERT: the delivery task stopped; restarting it");
        status.send_modify(|s| {
            s.restarts = restarts;
            s.last_error = Some(format!("delivery task restarted: {why}"));
        });
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(pause(restarts)) => {}
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into());
    format!("panicked: {text}")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_is_restarted_and_counted() {
        let (status, mut rx) = watch::channel(UplinkStatus::default());
        let started = Arc::new(AtomicU32::new(0));
        let counter = started.clone();
        let start = move |stop: Stop| -> Result<_, String> {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            Ok(async move {
                if n < 2 {
                    panic!("injected failure {n}");
                }
                stop.await;
            })
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let supervisor = tokio::spawn(supervise(start, status, |_| Duration::from_secs(1), async {
            let _ = stop_rx.await;
        }));
        rx.wait_for(|s| s.restarts == 2).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(started.load(Ordering::SeqCst), 3, "a third task runs and stays up");
        let s = rx.borrow().clone();
        assert!(s.last_error.unwrap().contains("injected failure 1"));
        stop_tx.send(()).unwrap();
        supervisor.await.unwrap();
        assert_eq!(rx.borrow().restarts, 2);
    }

    /// An outbox and settings for an uplink whose server (port 9) never answers.
    fn quiet_uplink(dir: &std::path::Path) -> (Outbox, UplinkSettings) {
        let (outbox, _) = Outbox::open(dir).unwrap();
        let token = dir.join("token");
        std::fs::write(&token, "t0k3n\n").unwrap();
        std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let settings = UplinkSettings {
            base_url: "http://127.0.0.1:9/".parse().unwrap(),
            kiosk_id: "K01".into(),
            token_file: token,
            ca_file: None,
            heartbeat_every: Duration::from_secs(60),
            request_timeout: Duration::from_millis(200),
            backoff_base: Duration::from_millis(10),
            backoff_cap: Duration::from_millis(100),
            auth_retry: Duration::from_millis(100),
            retry_after_max: Duration::from_millis(100),
            retry_after_scale: 0.01,
            dead_letter_retention: Duration::from_secs(3600),
        };
        (outbox, settings)
    }

    #[test]
    fn spawn_delivers_and_shuts_down() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, settings) = quiet_uplink(dir.path());
        let handle = spawn(&outbox, settings).unwrap();
        let status = handle.status();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(status.borrow().restarts, 0);
        handle.shutdown(); // returns: the supervisor and the task stop
    }

    /// Shutting down (and dropping the handle, on any early return of `main`) returns only once
    /// the delivery thread has ended: nothing of the uplink is left holding the outbox when
    /// the process exits. The thread's end shows as its status senders being gone.
    #[test]
    fn shutdown_and_drop_wait_for_the_delivery_thread() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, settings) = quiet_uplink(dir.path());
        let handle = spawn(&outbox, settings.clone()).unwrap();
        let status = handle.status();
        assert!(status.has_changed().is_ok(), "the running uplink holds its status");
        handle.shutdown();
        assert!(status.has_changed().is_err(), "shutdown returned while the delivery thread still ran");

        let handle = spawn(&outbox, settings).unwrap();
        let status = handle.status();
        drop(handle);
        assert!(status.has_changed().is_err(), "drop returned while the delivery thread still ran");
    }

    /// The watchdog is fed only while delivery lives: a thread that ended is not alive.
    #[test]
    fn a_delivery_thread_that_ended_is_not_alive() {
        let dir = tempfile::tempdir().unwrap();
        let (outbox, settings) = quiet_uplink(dir.path());
        let mut handle = spawn(&outbox, settings).unwrap();
        assert!(handle.is_alive(), "a fresh delivery thread is alive");
        drop(handle.stop.take()); // the supervisor sees its stop signal gone and ends
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while handle.is_alive() {
            assert!(std::time::Instant::now() < deadline, "the ended delivery thread still counts as alive");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_cannot_be_made_is_tried_again() {
        let (status, rx) = watch::channel(UplinkStatus::default());
        let mut tries = 0;
        let start = move |stop: Stop| -> Result<Stop, String> {
            tries += 1;
            if tries == 1 { Err("token file missing".into()) } else { Ok(stop) }
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let supervisor = tokio::spawn(supervise(start, status, |_| Duration::from_secs(1), async {
            let _ = stop_rx.await;
        }));
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(rx.borrow().restarts, 1);
        stop_tx.send(()).unwrap();
        supervisor.await.unwrap();
    }
}

//! Ctrl-C and SIGTERM during a deploy. Terraform must never be killed mid-apply: it would leave
//! the state lock behind and a half-written state. So Terraform runs in its own process group
//! (a terminal's Ctrl-C does not reach it directly, and cannot reach it twice, which Terraform
//! reads as "abort now"), and Lamina forwards exactly one SIGINT to it, then waits for it to
//! save the state and release the lock. Outside Terraform, the next step boundary stops.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;

use crate::error::DeployError;

/// Shared by the signal listener and whatever is running.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    fired: AtomicBool,
    notify: Notify,
}

impl Interrupt {
    /// An interrupt that only [`Interrupt::fire`] sets (tests, library use).
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens for SIGINT and SIGTERM for the rest of the process. Must be called inside a
    /// tokio runtime, before the first step, so that no signal kills the process uncontrolled.
    pub fn install() -> std::io::Result<Self> {
        let this = Self::new();
        let mut sigint = signal(SignalKind::interrupt())?;
        let mut sigterm = signal(SignalKind::terminate())?;
        let handle = this.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = sigint.recv() => handle.fire(),
                    _ = sigterm.recv() => handle.fire(),
                }
            }
        });
        Ok(this)
    }

    pub fn fire(&self) {
        self.inner.fired.store(true, Ordering::SeqCst);
        self.inner.notify.notify_waiters();
    }

    pub fn fired(&self) -> bool {
        self.inner.fired.load(Ordering::SeqCst)
    }

    /// Fails with [`DeployError::Interrupted`] once a signal came: the check between steps.
    pub fn check(&self) -> Result<(), DeployError> {
        if self.fired() {
            Err(DeployError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Resolves when a signal comes (at once if one already did).
    pub async fn wait(&self) {
        loop {
            let notified = self.inner.notify.notified();
            if self.fired() {
                return;
            }
            notified.await;
        }
    }

    /// Runs `fut` unless a signal comes first; for steps that hold no lock (uploads, builds).
    pub async fn race<T>(
        &self,
        fut: impl Future<Output = Result<T, DeployError>>,
    ) -> Result<T, DeployError> {
        tokio::select! {
            result = fut => result,
            () = self.wait() => Err(DeployError::Interrupted),
        }
    }
}

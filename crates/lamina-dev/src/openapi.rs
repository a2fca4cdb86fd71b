//! Keeps the frontend's typed client current while `lamina dev` runs: once at start, then after
//! every change to a domain's code (the hot-reload watcher says which), `lamina openapi` runs in
//! the background. Changes are debounced, one generation runs at a time, and files are written
//! only when their bytes change, so Vite reloads only for a real API change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lamina_config::LoadedConfig;
use tokio::sync::mpsc;

use crate::DevOutput;

/// Quiet time after the last change before generating: saving several files, or an editor's
/// write-and-rename, is one change.
const DEBOUNCE: Duration = Duration::from_millis(400);

/// Asks for a regeneration; cheap to clone and to call from the watcher's callback.
#[derive(Clone)]
pub(crate) struct ClientRegenerator {
    tx: mpsc::UnboundedSender<()>,
}

impl ClientRegenerator {
    pub(crate) fn changed(&self) {
        let _ = self.tx.send(());
    }
}

/// Starts the background task, or `None` when the project has no frontend to write into.
pub(crate) fn start(
    config: LoadedConfig,
    stage: String,
    python: PathBuf,
    python_by_domain: BTreeMap<String, PathBuf>,
    extra_env: BTreeMap<String, String>,
    output: Arc<dyn DevOutput>,
) -> Option<(ClientRegenerator, tokio::task::JoinHandle<()>)> {
    let out_dir = lamina_openapi::default_out_dir(&config)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<()>();
    let options = lamina_openapi::Options {
        python,
        python_by_domain,
        out_dir,
        client: true,
        mode: lamina_openapi::Mode::Write,
        extra_env,
        import_timeout: Duration::from_secs(60),
    };
    let task = tokio::spawn(async move {
        // The first run catches routes changed while `lamina dev` was not running.
        let mut last_error: Option<String> = None;
        loop {
            generate(&config, &stage, &options, output.as_ref(), &mut last_error).await;
            if rx.recv().await.is_none() {
                return;
            }
            // Debounce: wait until no change came for DEBOUNCE.
            loop {
                match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
        }
    });
    Some((ClientRegenerator { tx }, task))
}

async fn generate(
    config: &LoadedConfig,
    stage: &str,
    options: &lamina_openapi::Options,
    output: &dyn DevOutput,
    last_error: &mut Option<String>,
) {
    let Ok(view) = config.stage(stage) else {
        return;
    };
    match lamina_openapi::run(&view, options).await {
        Ok(outcome) => {
            if last_error.take().is_some() {
                output.info("openapi: the domains import again");
            }
            let written: Vec<String> = outcome
                .files
                .iter()
                .filter(|(_, state)| *state == lamina_openapi::FileState::Written)
                .map(|(path, _)| {
                    path.strip_prefix(&config.root)
                        .unwrap_or(path)
                        .display()
                        .to_string()
                })
                .collect();
            if !written.is_empty() {
                output.info(&format!(
                    "openapi: wrote {} ({} operations of {} domains)",
                    written.join(", "),
                    outcome.operations,
                    outcome.domains
                ));
                for warning in &outcome.warnings {
                    output.warn(&format!("openapi: {warning}"));
                }
            }
        }
        Err(e) => {
            // Said once per distinct failure: a domain that keeps failing while being edited
            // should not repeat itself on every save.
            let message = e.to_string();
            if last_error.as_deref() != Some(message.as_str()) {
                output.warn(&format!(
                    "openapi: the frontend's client was not regenerated: {message}"
                ));
                *last_error = Some(message);
            }
        }
    }
}

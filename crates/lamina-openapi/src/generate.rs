//! The whole of `lamina openapi`: import every domain, merge, generate the client, and write (or
//! check) the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lamina_config::StageView;

use crate::OpenApiError;
use crate::extract::{DomainSource, Interpreter, extract};
use crate::merge::merge;
use crate::typescript::Generator;

/// The merged document's file name.
pub const DOCUMENT_FILE: &str = "openapi.json";
/// The generated types' file name.
pub const CLIENT_FILE: &str = "schema.d.ts";

/// Where the output goes in a project: `<frontend>/src/api`.
pub fn default_out_dir(config: &lamina_config::LoadedConfig) -> Option<PathBuf> {
    config
        .config
        .frontend
        .as_ref()
        .map(|fe| config.root.join(fe.path.get_ref()).join("src").join("api"))
}

/// Write the files, or only compare them (`--check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

#[derive(Debug, Clone)]
pub struct Options {
    /// The dev venv's interpreter.
    pub python: PathBuf,
    /// The interpreter of a domain whose dev venv is its own (see `Interpreter`).
    pub python_by_domain: BTreeMap<String, PathBuf>,
    /// `openapi.json` and `schema.d.ts` go here.
    pub out_dir: PathBuf,
    /// Also generate the TypeScript client.
    pub client: bool,
    pub mode: Mode,
    /// Added to every domain's environment.
    pub extra_env: BTreeMap<String, String>,
    /// One domain's import.
    pub import_timeout: Duration,
}

/// What became of one output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Unchanged,
    Written,
    /// `--check`: the file differs from what would be written (or is missing).
    Stale,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub domains: usize,
    pub operations: usize,
    pub files: Vec<(PathBuf, FileState)>,
    pub warnings: Vec<String>,
}

impl Outcome {
    pub fn changed(&self) -> bool {
        self.files.iter().any(|(_, s)| *s != FileState::Unchanged)
    }
}

/// Imports every domain of `view`, merges their documents and writes (or checks) the output.
pub async fn run(view: &StageView<'_>, options: &Options) -> Result<Outcome, OpenApiError> {
    let config = view.config;
    let state = config.root.join(".lamina");
    let scratch = state.join("openapi");
    let interpreter = Interpreter {
        python: options.python.clone(),
        python_by_domain: options.python_by_domain.clone(),
        region: config.config.project.region.get_ref().clone(),
        scratch: scratch.clone(),
        extra_env: options.extra_env.clone(),
        timeout: options.import_timeout,
    };
    let sources = DomainSource::for_stage(view);
    // The generator's install overlaps with the imports: both wait on other processes.
    let generator = async {
        if options.client {
            Generator::ensure(&state.join("tools")).await.map(Some)
        } else {
            Ok(None)
        }
    };
    let (documents, generator) = tokio::join!(extract(&interpreter, &sources), generator);
    let merged = merge(config.project_name(), &documents?, &config.routes())?;
    let generator = generator?;
    let mut json = serde_json::to_string_pretty(&merged.document).unwrap_or_default();
    json.push('\n');
    let mut outputs = vec![(options.out_dir.join(DOCUMENT_FILE), json.clone())];
    if let Some(generator) = generator {
        let ts = generator.generate(&json, &scratch).await?;
        outputs.push((options.out_dir.join(CLIENT_FILE), ts));
    }
    let mut files = Vec::new();
    for (path, text) in outputs {
        files.push((path.clone(), settle(&path, &text, options.mode)?));
    }
    Ok(Outcome {
        domains: sources.len(),
        operations: merged.operations,
        files,
        warnings: merged.warnings,
    })
}

/// Writes `text` to `path` unless it is already there; in check mode only compares.
fn settle(path: &Path, text: &str, mode: Mode) -> Result<FileState, OpenApiError> {
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(FileState::Unchanged);
    }
    if mode == Mode::Check {
        return Ok(FileState::Stale);
    }
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).map_err(OpenApiError::io(parent))?;
    }
    // Through a temporary sibling and a rename: Vite's watcher and readers never see half a file.
    let tmp = path.with_file_name(format!(
        ".{}.lamina-tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    fs_err::write(&tmp, text).map_err(OpenApiError::io(&tmp))?;
    fs_err::rename(&tmp, path).map_err(|e| {
        let _ = fs_err::remove_file(&tmp);
        OpenApiError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    })?;
    Ok(FileState::Written)
}

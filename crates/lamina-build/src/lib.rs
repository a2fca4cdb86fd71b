//! Builds reproducible, cached Lambda zips and layers without Docker.
//!
//! [`lock`] writes a hash-pinned lock per dependency layer (and per domain that has requirements
//! of its own) for the Lambda platform. [`build`] turns each layer and each domain into a zip:
//! dependencies are installed by uv from the lock for the target Python and architecture (wheels
//! only), slimmed ([`slim`]), precompiled to unchecked-hash `.pyc` when a matching interpreter
//! exists, and zipped by a writer whose bytes depend only on the files ([`archive`]). Every
//! artifact is cached by the hash of its inputs ([`cache`]), so a build with nothing changed only
//! hashes. The result is a per-stage manifest ([`manifest`]) for Terraform.
//!
//! Progress goes through [`Reporter`]; this crate never prints.

pub mod archive;
pub mod cache;
mod error;
pub mod hash;
mod index;
pub mod lock;
pub mod manifest;
mod modules;
mod packages;
pub mod profile;
pub mod shared;
pub mod slim;
mod smoke;
pub mod uv;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use lamina_config::{DomainSettings, LoadedConfig};

pub use error::BuildError;
pub use lock::{LockState, RUNTIME_PROVIDED};
pub use manifest::{Artifact, LayerRef, MANIFEST_VERSION, Manifest};
pub use slim::{Rule, SlimOptions};
pub use uv::{Target, Uv};

use crate::archive::Entry;
use crate::cache::{Cache, Record};
use crate::hash::{FileEntry, InputsHasher, tree_hash, walk};
use crate::lock::{LockInput, LockSpec};
use crate::slim::Interpreter;

/// Lambda's limits, in bytes.
pub const MAX_ZIPPED_DIRECT: u64 = 50 * 1024 * 1024;
pub const MAX_UNZIPPED: u64 = 250 * 1024 * 1024;
pub const MAX_LAYERS: usize = 5;
/// Warn at this share of a limit.
pub const WARN_AT_PERCENT: u64 = 80;

/// The handler every domain exposes.
pub const HANDLER: &str = "handler.handler";

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub stage: String,
    /// Fail when a lock is missing or stale instead of re-locking (CI).
    pub locked: bool,
    pub slim: SlimOptions,
    /// Install dependency layers with pip in the public Lambda build image.
    pub docker: bool,
    /// Zips over 50 MB are allowed and marked `upload: "s3"` in the manifest.
    pub s3_upload: bool,
    /// Worker processes for `.pyc` compilation.
    pub jobs: usize,
    /// The interpreter for `.pyc` (and `--profile`); found on `PATH` when `None`.
    pub python: Option<PathBuf>,
    /// The uv executable; found or obtained as [`Uv::obtain`] says when `None`.
    pub uv: Option<PathBuf>,
    /// Told one line when Lamina downloads uv for the user.
    pub notice: Option<Notice>,
    /// Import each function's handler as Lambda would after building (cached by artifact hash).
    pub import_check: bool,
    /// The per-user cache that every project and checkout shares ([`shared`]): packages
    /// installed, slimmed and compiled once, compiled modules, import checks. `None` builds
    /// without it (everything for this build only, as before it existed).
    pub shared_cache: Option<PathBuf>,
    /// Its size cap: a build that grows it past the cap prunes the least recently used entries.
    pub shared_cache_max: u64,
}

/// Receives a line for the user outside the progress display (uv being downloaded).
#[derive(Clone)]
pub struct Notice(pub std::sync::Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notice")
    }
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            stage: "dev".into(),
            locked: false,
            slim: SlimOptions::default(),
            docker: false,
            s3_upload: false,
            jobs: std::thread::available_parallelism().map_or(2, usize::from),
            python: None,
            uv: None,
            notice: None,
            import_check: true,
            shared_cache: shared::default_dir(),
            shared_cache_max: shared::DEFAULT_MAX_SIZE,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Layer,
    Function,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Layer => "layer",
            Self::Function => "function",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Built,
    Cached,
}

/// One row of the summary table.
#[derive(Debug, Clone)]
pub struct ArtifactReport {
    pub kind: Kind,
    pub name: String,
    pub files: u64,
    pub unzipped: u64,
    pub zipped: u64,
    pub sha256: String,
    pub status: Status,
    pub elapsed: Duration,
    /// Project-relative path of the zip.
    pub path: String,
    pub inputs: String,
    pub sha256_b64: String,
}

impl ArtifactReport {
    /// `layer deps`, `function user`.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.as_str(), self.name)
    }
}

/// Progress of a build. Calls may come from several threads at once.
pub trait Reporter: Sync {
    /// An artifact starts; `label` is `layer deps` or `function user`.
    fn on_start(&self, _label: &str) {}
    /// It moves to a step: `installing`, `slimming`, `compiling`, `zipping`.
    fn on_step(&self, _label: &str, _step: &str) {}
    fn on_done(&self, _report: &ArtifactReport) {}
    /// A lock was written (`state` says why).
    fn on_lock(&self, _what: &str, _path: &Path, _state: &LockState) {}
    fn on_warning(&self, _message: &str) {}
}

/// A reporter that reports nothing.
pub struct Silent;
impl Reporter for Silent {}

/// What a build produced.
#[derive(Debug, Clone)]
pub struct BuildOutcome {
    pub artifacts: Vec<ArtifactReport>,
    pub manifest: Manifest,
    pub manifest_path: PathBuf,
    /// Nothing was built: every artifact came from the cache.
    pub noop: bool,
    /// Whether `.pyc` were precompiled, and if not, why.
    pub pyc: Result<(), String>,
    pub warnings: Vec<String>,
}

/// The project being built, with its target and tools.
struct Project<'a> {
    config: &'a LoadedConfig,
    root: PathBuf,
    target: Target,
    options: &'a BuildOptions,
    cache: Cache,
    uv: OnceLock<Result<Uv, String>>,
    python: OnceLock<Option<Interpreter>>,
    resolved_python: OnceLock<Option<Interpreter>>,
    shared: OnceLock<Result<shared::SharedCache, String>>,
}

impl<'a> Project<'a> {
    fn new(config: &'a LoadedConfig, options: &'a BuildOptions) -> Self {
        let root = if config.root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            config.root.clone()
        };
        Self {
            target: Target {
                python: config.config.project.python,
                architecture: config.config.project.architecture,
                wheels: config.wheel_platform(),
            },
            cache: Cache::new(&root),
            root,
            config,
            options,
            uv: OnceLock::new(),
            python: OnceLock::new(),
            resolved_python: OnceLock::new(),
            shared: OnceLock::new(),
        }
    }

    /// The shared cache, opened (and held, see [`shared::SharedCache`]) on first use; `None`
    /// when turned off or unusable ([`Project::shared_warning`] says why).
    fn shared(&self) -> Option<&shared::SharedCache> {
        let dir = self.options.shared_cache.as_ref()?;
        self.shared
            .get_or_init(|| {
                shared::SharedCache::open(dir).map_err(|e| {
                    format!(
                        "the shared build cache `{}` is unusable ({e}); built without it",
                        dir.display()
                    )
                })
            })
            .as_ref()
            .ok()
    }

    /// The stand-in for Lambda's own boto3/botocore (the import check and `--profile` put it
    /// last on `sys.path`): in the shared cache, else in the project's; installed once.
    fn runtime_stand_in(&self, layer_locks: &[PathBuf]) -> Result<Option<PathBuf>, BuildError> {
        if !self.options.slim.has(Rule::AwsSdk) {
            return Ok(None);
        }
        let Some((key, text)) = profile::stand_in_pins(&self.target, layer_locks)? else {
            return Ok(None);
        };
        let shared = self.shared();
        let base = shared.map_or_else(
            || self.root.join(".lamina/cache/v1/runtime"),
            shared::SharedCache::runtime_dir,
        );
        let dir = base.join(&key);
        if dir.join(".complete").is_file() {
            return Ok(Some(dir));
        }
        let _guard = shared
            .map(|s| s.lock(&format!("runtime-{key}")))
            .transpose()?;
        if dir.join(".complete").is_file() {
            return Ok(Some(dir));
        }
        let building = match shared {
            Some(s) => s.temp_dir("runtime")?,
            None => self.cache.staging("runtime")?.keep(),
        };
        let site = building.join("site");
        profile::install_stand_in(
            &site,
            &self.root,
            self.uv()?,
            &self.target,
            &text,
            self.options.jobs,
        )?;
        if dir.exists() {
            fs_err::remove_dir_all(&dir)?;
        }
        let installed = match shared {
            Some(s) => s.install_dir(&site, &dir),
            None => fs_err::create_dir_all(&base).and_then(|()| fs_err::rename(&site, &dir)),
        };
        let _ = fs_err::remove_dir_all(&building);
        installed?;
        Ok(Some(dir))
    }

    fn shared_warning(&self) -> Option<String> {
        self.shared.get()?.as_ref().err().cloned()
    }

    /// What a package's files depend on besides the package: the artifact format, the target
    /// and the slimming options (see [`shared::package_key`]).
    fn package_target(&self) -> String {
        format!(
            "{};python={};platform={};glibc={};{}",
            cache::FORMAT,
            self.target.python.as_str(),
            self.target.wheels.install.join(","),
            self.target.wheels.glibc,
            self.options.slim.key(self.compiler().is_some())
        )
    }

    /// uv, found or obtained (downloaded once per user) the first time it is needed: a build
    /// with nothing to lock or install never looks.
    fn uv(&self) -> Result<&Uv, BuildError> {
        self.uv
            .get_or_init(|| match &self.options.uv {
                Some(path) => Ok(Uv { path: path.clone() }),
                None => Uv::obtain(&self.root, &|line| self.reporter_notice(line))
                    .map_err(|e| e.to_string()),
            })
            .as_ref()
            .map_err(|e| BuildError::UvUnavailable(e.clone()))
    }

    fn reporter_notice(&self, line: &str) {
        if let Some(notice) = &self.options.notice {
            (notice.0)(line);
        }
    }

    /// The interpreter for `.pyc`, when compiling is wanted and one exists. Looked up on `PATH`
    /// only, so a no-op build spawns no process.
    fn compiler(&self) -> Option<&Interpreter> {
        if !self.options.slim.compile {
            return None;
        }
        self.python
            .get_or_init(|| match &self.options.python {
                Some(path) => Some(Interpreter { path: path.clone() }),
                None => Interpreter::find(self.target.python.as_str()),
            })
            .as_ref()
    }

    /// The compiler, resolved to the real executable, the first time something is compiled.
    fn resolved_compiler(&self) -> Option<&Interpreter> {
        self.compiler()?;
        self.resolved_python
            .get_or_init(|| self.compiler().map(Interpreter::resolved))
            .as_ref()
    }

    fn rel(&self, path: &Path) -> String {
        let p = path.strip_prefix(&self.root).unwrap_or(path);
        p.to_string_lossy().replace('\\', "/")
    }

    /// Every lock to make or check: `lamina_config`'s lock paths (one rule, so no two locks
    /// share a file), less domains without requirements of their own.
    fn lock_specs(&self) -> Vec<LockSpec> {
        let wheels_only = !self.options.docker;
        let mut specs = Vec::new();
        let mut layer_locks: BTreeMap<String, PathBuf> = BTreeMap::new();
        for lock in self.config.lock_paths() {
            let input = match lock.kind {
                lamina_config::LockKind::LayerRequirements(req) => LockInput::Requirements(req),
                lamina_config::LockKind::LayerProject(dir) => LockInput::Project(dir),
                lamina_config::LockKind::Domain(req) => {
                    if !has_requirements(&self.root.join(&req)) {
                        continue;
                    }
                    let constraints = self
                        .config
                        .config
                        .domains
                        .get(lock.name.as_str())
                        .map(|d| {
                            d.layers
                                .iter()
                                .filter_map(|l| layer_locks.get(l.get_ref()).cloned())
                                .collect()
                        })
                        .unwrap_or_default();
                    specs.push(LockSpec {
                        what: lock.what,
                        path: lock.path,
                        input: LockInput::Requirements(req),
                        constraints,
                        wheels_only,
                    });
                    continue;
                }
            };
            layer_locks.insert(lock.name.clone(), lock.path.clone());
            specs.push(LockSpec {
                what: lock.what,
                path: lock.path,
                input,
                constraints: Vec::new(),
                wheels_only,
            });
        }
        specs
    }

    /// The layers' lock files.
    fn layer_locks(&self) -> Vec<PathBuf> {
        self.lock_specs()
            .iter()
            .filter(|s| s.what.starts_with("layer "))
            .map(|s| self.root.join(&s.path))
            .collect()
    }

    /// Checks every lock and re-locks the missing or stale ones (or fails with `--locked`).
    fn ensure_locks(
        &self,
        force: bool,
        reporter: &dyn Reporter,
    ) -> Result<Vec<LockSpec>, BuildError> {
        let specs = self.lock_specs();
        // Layer locks come first: domain locks are constrained by them.
        for spec in &specs {
            let state = if force {
                LockState::Stale("asked for".into())
            } else {
                spec.state(&self.root, &self.target)?
            };
            if state == LockState::Fresh {
                continue;
            }
            if self.options.locked {
                return Err(BuildError::LockNotCurrent {
                    what: spec.what.clone(),
                    path: spec.path.clone(),
                    state: match state {
                        LockState::Missing => "missing".into(),
                        LockState::Stale(why) => format!("out of date ({why})"),
                        LockState::Fresh => unreachable!(),
                    },
                });
            }
            spec.write(self.uv()?, &self.root, &self.target)?;
            reporter.on_lock(&spec.what, &spec.path, &state);
        }
        Ok(specs)
    }

    fn common_inputs(&self, kind: &str) -> InputsHasher {
        let mut h = InputsHasher::default();
        h.field("format", cache::FORMAT)
            .field("kind", kind)
            .field("python", self.target.python.as_str())
            .field("platform", self.target.wheels.install.join(","))
            .field("glibc", self.target.wheels.glibc.to_string())
            .field("slim", self.options.slim.key(self.compiler().is_some()));
        h
    }

    /// Builds or fetches a dependency set (a layer's or a domain's own) from its lock text.
    fn deps_artifact(
        &self,
        label: &str,
        pins_text: &str,
        zip_prefix: &str,
        pyc_prefix: &str,
        docker: bool,
        reporter: &dyn Reporter,
    ) -> Result<(Record, String, Status), BuildError> {
        let mut h = self.common_inputs("dependencies");
        h.field("pins", pins_text)
            .field("prefix", zip_prefix)
            .field("docker", docker.to_string());
        let inputs = h.finish();
        if let Some(record) = self.cache.lookup(&inputs) {
            return Ok((record, inputs, Status::Cached));
        }
        // Packages come from the shared cache (any project's build of the same wheel for the
        // same target), unless Docker installs them or installers' `.pyc` are kept.
        if !docker
            && self.options.slim.has(Rule::Pycache)
            && let Some(shared) = self.shared()
        {
            let pins = lock::pins(pins_text);
            if let Some(entries) =
                packages::entries(self, shared, label, &pins, zip_prefix, pyc_prefix, reporter)?
            {
                reporter.on_step(label, "zipping");
                let record = self.write_zip(&inputs, entries)?;
                return Ok((record, inputs, Status::Built));
            }
        }
        reporter.on_step(label, "installing");
        let staging = self.cache.staging("deps")?;
        let lock = staging.0.join("requirements.lock");
        fs_err::write(&lock, pins_text)?;
        let site = staging.0.join("site");
        if docker {
            uv::docker_install(&lock, &site, &self.target)?;
        } else {
            self.uv()?.install(&self.root, &lock, &site, &self.target)?;
        }
        reporter.on_step(label, "slimming");
        slim::slim_tree(&site, &self.options.slim)?;
        if let Some(python) = self.resolved_compiler() {
            reporter.on_step(label, "compiling");
            python.compile(&site, pyc_prefix, self.options.jobs)?;
        }
        reporter.on_step(label, "zipping");
        let files = walk(&site, &|_, _| false)?;
        let record = self.zip_files(&inputs, &files, zip_prefix, Vec::new())?;
        Ok((record, inputs, Status::Built))
    }

    /// Compresses files (named `prefix + rel`) plus ready entries into a stored zip.
    fn zip_files(
        &self,
        inputs: &str,
        files: &[FileEntry],
        prefix: &str,
        mut extra: Vec<Entry>,
    ) -> Result<Record, BuildError> {
        let mut entries = archive::compress_walked(files, prefix)?;
        entries.append(&mut extra);
        self.write_zip(inputs, entries)
    }

    /// Writes entries as a zip into the project's store, recorded under `inputs`.
    fn write_zip(&self, inputs: &str, entries: Vec<Entry>) -> Result<Record, BuildError> {
        let (bytes, stats) = archive::write(entries).map_err(|source| BuildError::Archive {
            path: self.cache.zip_path(inputs),
            source,
        })?;
        Ok(self.cache.store(inputs, &bytes, stats)?)
    }

    /// Shared code: each package directory of `path` (or `path/src`) as `python/<package>`.
    fn code_layer(
        &self,
        name: &str,
        path: &Path,
        reporter: &dyn Reporter,
    ) -> Result<(Record, String, Status), BuildError> {
        let label = format!("layer {name}");
        let dir = if path.join("src").is_dir() {
            path.join("src")
        } else {
            path.to_path_buf()
        };
        let keep_tests = !self.options.slim.has(Rule::Tests);
        let mut packages = BTreeSet::new();
        for entry in fs_err::read_dir(&dir)? {
            let entry = entry?;
            let n = entry.file_name().to_string_lossy().into_owned();
            let is_test = n == "tests" || n == "test";
            if entry.path().join("__init__.py").is_file()
                && (!is_test || keep_tests)
                && !n.starts_with('.')
            {
                packages.insert(n);
            }
        }
        if packages.is_empty() {
            return Err(BuildError::NoPackage {
                layer: name.into(),
                path: self.rel(path).into(),
            });
        }
        let files = walk(&dir, &|rel, is_dir| {
            let top = rel.split('/').next().unwrap_or(rel);
            if !packages.contains(top) || (!is_dir && !rel.contains('/')) {
                return true;
            }
            code_skip(rel, is_dir, keep_tests)
        })?;
        let mut h = self.common_inputs("code-layer");
        h.field("files", tree_hash(&files)?);
        let inputs = h.finish();
        if let Some(record) = self.cache.lookup(&inputs) {
            return Ok((record, inputs, Status::Cached));
        }
        let record = self.zip_code(
            &label,
            &inputs,
            &files,
            "python/",
            "/opt/python",
            Vec::new(),
            reporter,
        )?;
        Ok((record, inputs, Status::Built))
    }

    /// Zips code files, precompiling them in a staging copy when an interpreter exists.
    #[allow(clippy::too_many_arguments)]
    fn zip_code(
        &self,
        label: &str,
        inputs: &str,
        files: &[FileEntry],
        prefix: &str,
        pyc_prefix: &str,
        extra: Vec<Entry>,
        reporter: &dyn Reporter,
    ) -> Result<Record, BuildError> {
        if self.compiler().is_none() {
            reporter.on_step(label, "zipping");
            return self.zip_files(inputs, files, prefix, extra);
        }
        if let Some(shared) = self.shared() {
            let mut entries =
                modules::entries(self, shared, label, files, prefix, pyc_prefix, reporter)?;
            reporter.on_step(label, "zipping");
            entries.extend(extra);
            return self.write_zip(inputs, entries);
        }
        let Some(python) = self.resolved_compiler() else {
            return self.zip_files(inputs, files, prefix, extra);
        };
        reporter.on_step(label, "compiling");
        let staging = self.cache.staging("code")?;
        for f in files {
            let to = staging.0.join(&f.rel);
            if let Some(parent) = to.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::copy(&f.path, &to)?;
        }
        // Small trees compile faster in one process than through a worker pool.
        python.compile(
            &staging.0,
            pyc_prefix,
            if files.len() > 200 {
                self.options.jobs
            } else {
                1
            },
        )?;
        reporter.on_step(label, "zipping");
        let copied = walk(&staging.0, &|_, _| false)?;
        // Modes come from the originals: the staging copy went through this process's umask.
        let modes: BTreeMap<&str, bool> = files
            .iter()
            .map(|f| (f.rel.as_str(), f.executable))
            .collect();
        let copied: Vec<FileEntry> = copied
            .into_iter()
            .map(|mut f| {
                f.executable = modes.get(f.rel.as_str()).copied().unwrap_or(false);
                f
            })
            .collect();
        self.zip_files(inputs, &copied, prefix, extra)
    }

    fn function(
        &self,
        domain: &DomainSettings,
        own_pins: Option<String>,
        reporter: &dyn Reporter,
    ) -> Result<(Record, String, Status), BuildError> {
        let label = format!("function {}", domain.name);
        let keep_tests = !self.options.slim.has(Rule::Tests);
        let files = walk(&domain.path, &|rel, is_dir| {
            code_skip(rel, is_dir, keep_tests)
        })?;
        let mut h = self.common_inputs("function");
        h.field("files", tree_hash(&files)?);
        let deps = match own_pins {
            Some(pins) => {
                let (record, _, _) =
                    self.deps_artifact(&label, &pins, "", "/var/task", false, reporter)?;
                h.field("dependencies", &record.sha256);
                Some(record)
            }
            None => None,
        };
        let inputs = h.finish();
        if let Some(record) = self.cache.lookup(&inputs) {
            return Ok((record, inputs, Status::Cached));
        }
        let extra = match &deps {
            Some(record) => {
                let bytes = fs_err::read(self.cache.zip_path(&record.sha256))?;
                archive::read_entries(&bytes).map_err(|source| BuildError::Archive {
                    path: self.cache.zip_path(&record.sha256),
                    source,
                })?
            }
            None => Vec::new(),
        };
        let record = self.zip_code(&label, &inputs, &files, "", "/var/task", extra, reporter)?;
        Ok((record, inputs, Status::Built))
    }
}

/// What a domain's zip or a shared-code layer leaves out of the user's code.
fn code_skip(rel: &str, dir: bool, keep_tests: bool) -> bool {
    let trimmed = rel.trim_end_matches('/');
    let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
    let top_level = !trimmed.contains('/');
    if name.starts_with('.')
        || name == "__pycache__"
        || name == "node_modules"
        || name.ends_with(".egg-info")
    {
        return true;
    }
    if dir {
        return (!keep_tests && (name == "tests" || name == "test"))
            || (top_level && (name == "venv" || name == "build" || name == "dist"));
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if ext == "pyc" || ext == "pyo" || name == "conftest.py" && !keep_tests {
        return true;
    }
    top_level
        && (name.starts_with("requirements") && (ext == "txt" || ext == "in")
            // Every lock: `requirements.lock`, `uv.lock`, a project layer's `layer-NAME.lock`.
            || ext == "lock"
            || matches!(
                name,
                "pytest.ini"
                    | "pyproject.toml"
                    | "setup.cfg"
                    | "setup.py"
                    | "tox.ini"
                    | "uv.lock"
                    | "Dockerfile"
            )
            || name.starts_with("README"))
}

/// Whether a requirements file has a requirement (not only comments).
fn has_requirements(path: &Path) -> bool {
    fs_err::read_to_string(path).is_ok_and(|text| {
        text.lines().any(|l| {
            let l = l.trim();
            !l.is_empty() && !l.starts_with('#')
        })
    })
}

/// Makes (or, with `force`, remakes) every lock of the project.
pub fn lock(
    config: &LoadedConfig,
    options: &BuildOptions,
    force: bool,
    reporter: &dyn Reporter,
) -> Result<Vec<(String, PathBuf, LockState)>, BuildError> {
    let project = Project::new(config, options);
    let mut states = Vec::new();
    for spec in project.lock_specs() {
        states.push((
            spec.what.clone(),
            spec.path.clone(),
            spec.state(&project.root, &project.target)?,
        ));
    }
    project.ensure_locks(force, reporter)?;
    Ok(states)
}

/// Makes the missing or stale locks (or fails with `options.locked`) and returns, for each
/// domain, the locks its function ships (its layers', in order, then its own), absolute: what
/// `lamina dev`'s environments install.
pub fn ensure_locks(
    config: &LoadedConfig,
    options: &BuildOptions,
    reporter: &dyn Reporter,
) -> Result<BTreeMap<String, Vec<PathBuf>>, BuildError> {
    let project = Project::new(config, options);
    let specs = project.ensure_locks(false, reporter)?;
    let path_of = |what: String| {
        specs
            .iter()
            .find(|s| s.what == what)
            .map(|s| project.root.join(&s.path))
    };
    Ok(config
        .config
        .domains
        .iter()
        .map(|(name, d)| {
            let locks = d
                .layers
                .iter()
                .filter_map(|l| path_of(format!("layer {}", l.get_ref())))
                .chain(path_of(format!("domain {}", name.get_ref())))
                .collect();
            (name.get_ref().clone(), locks)
        })
        .collect())
}

/// Builds every layer and function of the project for a stage.
pub fn build(
    config: &LoadedConfig,
    options: &BuildOptions,
    reporter: &dyn Reporter,
) -> Result<BuildOutcome, BuildError> {
    let stage = config
        .stage(&options.stage)
        .map_err(|_| BuildError::UnknownStage(options.stage.clone()))?;
    let project = Project::new(config, options);
    let specs = project.ensure_locks(false, reporter)?;
    let lock_of = |what: &str| {
        specs
            .iter()
            .find(|s| s.what == what)
            .map(|s| project.root.join(&s.path))
    };
    let drop_sdk = options.slim.has(Rule::AwsSdk);

    // What each dependency layer installs, by normalised package name: its lock, less the
    // runtime's own packages and the layer's `exclude`.
    let mut layer_pins: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for (name, layer) in &config.config.layers {
        let name = name.get_ref();
        if let Some(path) = lock_of(&format!("layer {name}")) {
            let text = fs_err::read_to_string(&path)?;
            let (kept, _) = lock::without_runtime_provided(&lock::pins(&text), drop_sdk);
            let exclude = layer
                .exclude
                .iter()
                .map(|e| lock::normalize(e.get_ref()))
                .collect();
            let (kept, _) = lock::without(&kept, exclude);
            let names = kept.iter().map(|p| p.name.clone()).collect();
            layer_pins.insert(
                name.clone(),
                (kept.iter().map(|p| p.text.as_str()).collect(), names),
            );
        }
    }
    let domains = stage.domains();
    let mut own_pins: BTreeMap<String, String> = BTreeMap::new();
    for d in &domains {
        if let Some(path) = lock_of(&format!("domain {}", d.name)) {
            let text = fs_err::read_to_string(&path)?;
            let provided: BTreeSet<&String> = d
                .layers
                .iter()
                .filter_map(|l| layer_pins.get(l))
                .flat_map(|(_, names)| names)
                .collect();
            let (kept, _) = lock::without_runtime_provided(&lock::pins(&text), drop_sdk);
            let text: String = kept
                .iter()
                .filter(|p| !provided.contains(&p.name))
                .map(|p| p.text.as_str())
                .collect();
            if !text.is_empty() {
                own_pins.insert(d.name.clone(), text);
            }
        }
    }

    // A function whose locks lack a package it asks for cannot import its handler on Lambda:
    // fail now, whatever the cache says (finding 1 of issue 8: such a build exited 0).
    coverage(&project, &domains, &specs, &layer_pins, drop_sdk)?;

    // Build everything in parallel: one thread per artifact, files compressed on rayon's pool.
    let layer_jobs: Vec<(String, &lamina_config::Layer)> = config
        .config
        .layers
        .iter()
        .map(|(k, v)| (k.get_ref().clone(), v))
        .collect();
    let layer_locks = project.layer_locks();
    let (results, stand_in) = std::thread::scope(|scope| {
        let project = &project;
        let layer_pins = &layer_pins;
        // The import check's stand-in for the runtime's boto3 installs meanwhile (the first build
        // on a machine); later builds find it in the shared cache.
        let stand_in = options
            .import_check
            .then(|| scope.spawn(|| project.runtime_stand_in(&layer_locks)));
        let mut handles = Vec::new();
        for (name, layer) in &layer_jobs {
            handles.push(scope.spawn(move || {
                let label = format!("layer {name}");
                reporter.on_start(&label);
                let start = Instant::now();
                let result = if let Some(path) = &layer.path {
                    project.code_layer(name, &project.root.join(path.get_ref()), reporter)
                } else {
                    let pins = layer_pins.get(name).map(|(t, _)| t.as_str()).unwrap_or("");
                    project.deps_artifact(
                        &label,
                        pins,
                        "python/",
                        "/opt/python",
                        options.docker,
                        reporter,
                    )
                };
                finish(project, Kind::Layer, name, result, start, reporter)
            }));
        }
        for d in &domains {
            let own = own_pins.get(&d.name).cloned();
            handles.push(scope.spawn(move || {
                let label = format!("function {}", d.name);
                reporter.on_start(&label);
                let start = Instant::now();
                let result = project.function(d, own, reporter);
                finish(project, Kind::Function, &d.name, result, start, reporter)
            }));
        }
        let results: Vec<Result<ArtifactReport, BuildError>> = handles
            .into_iter()
            .map(|h| h.join().expect("a build thread panicked"))
            .collect();
        let stand_in = stand_in.map(|h| h.join().expect("a build thread panicked"));
        (results, stand_in)
    });
    let mut artifacts = Vec::new();
    for r in results {
        artifacts.push(r?);
    }

    let (manifest, warnings) =
        manifest_and_limits(&project, stage.name, &domains, &artifacts, reporter)?;
    let out_dir = project.root.join(".lamina/build").join(stage.name);
    let manifest_path = out_dir.join("manifest.json");
    for a in &artifacts {
        cache::link(
            &project.cache.zip_path(&a.sha256),
            &project.root.join(&a.path),
        )?;
    }
    let json = manifest.to_json();
    if fs_err::read_to_string(&manifest_path).ok().as_deref() != Some(json.as_str()) {
        cache::write_atomic(&manifest_path, json.as_bytes())?;
    }
    let mut warnings = warnings;
    if let Some(warning) = project.shared_warning() {
        reporter.on_warning(&warning);
        warnings.push(warning);
    }
    if let Some(stand_in) = stand_in {
        for warning in smoke::check_imports(&project, &manifest, stand_in, reporter)? {
            reporter.on_warning(&warning);
            warnings.push(warning);
        }
    }
    // The build is done with the shared cache: release it, and keep it under its cap.
    let grew = project.shared().is_some_and(shared::SharedCache::grew);
    let pyc_found = project.compiler().is_some();
    let python_version = project.target.python.as_str();
    drop(project);
    if grew && let Some(dir) = &options.shared_cache {
        shared::enforce_cap(dir, options.shared_cache_max)?;
    }
    let pyc = if !options.slim.compile {
        Err("turned off with `--no-compile`".into())
    } else if pyc_found {
        Ok(())
    } else {
        Err(format!(
            "no Python {python_version} interpreter here (`python{python_version}` on PATH or `LAMINA_PYTHON`), so modules will be compiled on every cold start"
        ))
    };
    Ok(BuildOutcome {
        noop: artifacts.iter().all(|a| a.status == Status::Cached),
        artifacts,
        manifest,
        manifest_path,
        pyc,
        warnings,
    })
}

/// Every package a function's layers and own requirements ask for is in the pins it ships.
fn coverage(
    project: &Project<'_>,
    domains: &[DomainSettings],
    specs: &[LockSpec],
    layer_pins: &BTreeMap<String, (String, BTreeSet<String>)>,
    drop_sdk: bool,
) -> Result<(), BuildError> {
    let mut missing = Vec::new();
    for d in domains {
        let mut shipped: BTreeSet<String> = BTreeSet::new();
        let mut asked: Vec<(String, String)> = Vec::new();
        for layer_name in &d.layers {
            let Some(layer) = project.config.config.layers.get(layer_name.as_str()) else {
                continue;
            };
            if let Some((_, names)) = layer_pins.get(layer_name) {
                shipped.extend(names.iter().cloned());
            }
            let excluded: BTreeSet<String> = layer
                .exclude
                .iter()
                .map(|e| lock::normalize(e.get_ref()))
                .collect();
            let names = if let Some(req) = &layer.requirements {
                lock::requested_names(
                    &fs_err::read_to_string(project.root.join(req.get_ref())).unwrap_or_default(),
                )
            } else if let Some(dir) = &layer.project {
                lock::pyproject_names(
                    &fs_err::read_to_string(
                        project.root.join(dir.get_ref()).join("pyproject.toml"),
                    )
                    .unwrap_or_default(),
                )
            } else {
                Vec::new()
            };
            asked.extend(
                names
                    .into_iter()
                    .filter(|n| !excluded.contains(n))
                    .map(|n| (n, format!("layer `{layer_name}`"))),
            );
        }
        if let Some(spec) = specs
            .iter()
            .find(|s| s.what == format!("domain {}", d.name))
        {
            let text = fs_err::read_to_string(project.root.join(&spec.path))?;
            shipped.extend(lock::pins(&text).into_iter().map(|p| p.name));
            if let LockInput::Requirements(req) = &spec.input {
                let own = fs_err::read_to_string(project.root.join(req)).unwrap_or_default();
                asked.extend(
                    lock::requested_names(&own)
                        .into_iter()
                        .map(|n| (n, format!("`{}`", req.display()))),
                );
            }
        }
        for (name, from) in asked {
            let provided = drop_sdk && RUNTIME_PROVIDED.contains(&name.as_str());
            if !provided && !shipped.contains(&name) {
                missing.push(format!(
                    "function {} needs `{name}` ({from} asks for it), but none of its locks pins it",
                    d.name
                ));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(BuildError::Coverage(missing.join("\n")))
    }
}

fn finish(
    project: &Project<'_>,
    kind: Kind,
    name: &str,
    result: Result<(Record, String, Status), BuildError>,
    start: Instant,
    reporter: &dyn Reporter,
) -> Result<ArtifactReport, BuildError> {
    let (record, inputs, status) = result?;
    let dir = match kind {
        Kind::Layer => "layers",
        Kind::Function => "functions",
    };
    let report = ArtifactReport {
        kind,
        name: name.to_owned(),
        files: record.files,
        unzipped: record.unzipped,
        zipped: record.zipped,
        sha256: record.sha256,
        sha256_b64: record.sha256_b64,
        status,
        elapsed: start.elapsed(),
        path: format!(".lamina/build/{}/{dir}/{name}.zip", project.options.stage),
        inputs,
    };
    reporter.on_done(&report);
    Ok(report)
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks Lambda's limits (errors, and warnings at 80 %) and writes the manifest.
fn manifest_and_limits(
    project: &Project<'_>,
    stage: &str,
    domains: &[DomainSettings],
    artifacts: &[ArtifactReport],
    reporter: &dyn Reporter,
) -> Result<(Manifest, Vec<String>), BuildError> {
    let s3 = project.options.s3_upload;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let runtime = project.target.python.runtime().to_owned();
    let architecture = project.target.architecture.as_str().to_owned();
    let mut layers = BTreeMap::new();
    let mut functions = BTreeMap::new();
    for a in artifacts {
        let what = a.label();
        let upload = if a.zipped > MAX_ZIPPED_DIRECT {
            if !s3 {
                errors.push(format!(
                    "{what} is {} zipped, over Lambda's {} limit for direct upload; above it the deploy must go through S3 \
                     (pass `--s3-upload` to allow it), or slim the {}",
                    mb(a.zipped),
                    mb(MAX_ZIPPED_DIRECT),
                    if a.kind == Kind::Layer { "layer" } else { "function: move dependencies to a layer" }
                ));
            }
            "s3"
        } else {
            if a.zipped * 100 > MAX_ZIPPED_DIRECT * WARN_AT_PERCENT {
                warnings.push(format!(
                    "{what} is {} zipped, {} % of Lambda's {} limit for direct upload",
                    mb(a.zipped),
                    a.zipped * 100 / MAX_ZIPPED_DIRECT,
                    mb(MAX_ZIPPED_DIRECT)
                ));
            }
            "direct"
        };
        let artifact = Artifact {
            kind: a.kind.as_str().into(),
            name: a.name.clone(),
            stage: stage.into(),
            path: a.path.clone(),
            sha256: a.sha256.clone(),
            sha256_b64: a.sha256_b64.clone(),
            files: a.files,
            size_zipped: a.zipped,
            size_unzipped: a.unzipped,
            inputs_sha256: a.inputs.clone(),
            upload: upload.into(),
            runtime: runtime.clone(),
            architecture: architecture.clone(),
            handler: None,
            layers: None,
            size_unzipped_with_layers: None,
        };
        match a.kind {
            Kind::Layer => layers.insert(a.name.clone(), artifact),
            Kind::Function => functions.insert(a.name.clone(), artifact),
        };
    }
    for d in domains {
        let Some(f) = functions.get_mut(&d.name) else {
            continue;
        };
        let refs: Vec<LayerRef> = d
            .layers
            .iter()
            .filter_map(|l| layers.get(l))
            .map(|l: &Artifact| LayerRef {
                name: l.name.clone(),
                sha256: l.sha256.clone(),
            })
            .collect();
        let total = f.size_unzipped
            + d.layers
                .iter()
                .filter_map(|l| layers.get(l))
                .map(|l| l.size_unzipped)
                .sum::<u64>();
        if d.layers.len() > MAX_LAYERS {
            errors.push(format!(
                "function {} uses {} layers; Lambda allows at most {MAX_LAYERS}",
                d.name,
                d.layers.len()
            ));
        }
        if total > MAX_UNZIPPED {
            errors.push(format!(
                "function {} is {} unzipped with its layers ({}), over Lambda's {} limit",
                d.name,
                mb(total),
                std::iter::once(format!("code {}", mb(f.size_unzipped)))
                    .chain(
                        d.layers
                            .iter()
                            .filter_map(|l| layers.get(l))
                            .map(|l| format!("{} {}", l.name, mb(l.size_unzipped)))
                    )
                    .collect::<Vec<_>>()
                    .join(", "),
                mb(MAX_UNZIPPED)
            ));
        } else if total * 100 > MAX_UNZIPPED * WARN_AT_PERCENT {
            warnings.push(format!(
                "function {} is {} unzipped with its layers, {} % of Lambda's {} limit",
                d.name,
                mb(total),
                total * 100 / MAX_UNZIPPED,
                mb(MAX_UNZIPPED)
            ));
        }
        f.handler = Some(HANDLER.into());
        f.layers = Some(refs);
        f.size_unzipped_with_layers = Some(total);
    }
    for w in &warnings {
        reporter.on_warning(w);
    }
    if !errors.is_empty() {
        return Err(BuildError::Limits(errors.join("\n")));
    }
    Ok((
        Manifest {
            version: MANIFEST_VERSION,
            project: project.config.project_name().into(),
            stage: stage.into(),
            runtime,
            architecture,
            python_platform: project.target.platform().into(),
            glibc: format!("2.{}", project.target.wheels.glibc),
            layers,
            functions,
        },
        warnings,
    ))
}

/// Reads the manifest a build wrote for a stage.
pub fn read_manifest(root: &Path, stage: &str) -> Result<Manifest, BuildError> {
    let path = root.join(".lamina/build").join(stage).join("manifest.json");
    let text = fs_err::read_to_string(&path)?;
    let manifest: Manifest = serde_json::from_str(&text).map_err(|e| BuildError::Manifest {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if manifest.version != MANIFEST_VERSION {
        return Err(BuildError::Manifest {
            path,
            message: format!("version {} is not {MANIFEST_VERSION}", manifest.version),
        });
    }
    Ok(manifest)
}

/// The stand-in for Lambda's own boto3/botocore at the versions the layers' locks dropped (what
/// the import check and `--profile` put last on `sys.path`), installed once; `None` when the
/// locks drop nothing or the `aws-sdk` rule is off.
pub fn runtime_stand_in(
    config: &LoadedConfig,
    options: &BuildOptions,
) -> Result<Option<PathBuf>, BuildError> {
    let project = Project::new(config, options);
    project.runtime_stand_in(&project.layer_locks())
}

/// Profiles the cold start of every function of the stage's last build (see [`profile`]).
pub fn profile_functions(
    config: &LoadedConfig,
    options: &BuildOptions,
    python: Option<PathBuf>,
    runs: usize,
    reporter: &dyn Reporter,
) -> Result<Vec<profile::FunctionProfile>, BuildError> {
    let project = Project::new(config, options);
    let manifest = read_manifest(&project.root, &options.stage)?;
    let version = project.target.python.as_str();
    let python = match python {
        Some(path) => Interpreter { path },
        None => Interpreter::find(version).ok_or_else(|| {
            BuildError::NoInterpreter("lamina build --profile".into(), version.into())
        })?,
    };
    let stand_in = project.runtime_stand_in(&project.layer_locks())?;
    let mut out = Vec::new();
    for domain in manifest.functions.keys() {
        let label = format!("function {domain}");
        reporter.on_step(&label, "profiling");
        let layout = profile::layout(&project.root, &manifest, domain, stand_in.as_deref())?;
        out.push(profile::profile_function(
            config,
            &options.stage,
            domain,
            &layout,
            &python,
            runs,
        )?);
    }
    Ok(out)
}

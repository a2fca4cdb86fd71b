//! Project templates embedded at build time, and the scaffolder that renders them into a new
//! project (`lamina new`) or a new domain of an existing one (`lamina add domain`).
//!
//! The templates are real files under `templates/`, checked by their own ecosystems' tools in
//! the tests (ruff, pytest, terraform, tsc). Output is always written to a temporary path first
//! and renamed into place, so a failure leaves nothing half-written.

mod adopt;
mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};
use lamina_config::{
    Architecture, ConfigError, LoadedConfig, PythonVersion, check_domain_name, check_project_name,
};

pub use adopt::{AdoptOptions, Adopted, adopt_domain};
pub use render::{UnknownKey, Vars, render};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The domains of the built-in example, each with its own routes and tests.
pub const EXAMPLE_DOMAINS: [&str; 3] = ["user", "ride", "payment"];

/// The stages `lamina new` writes to lamina.toml, each with its Terraform root.
pub const STAGES: [&str; 3] = ["dev", "staging", "prod"];

/// Names that never belong in a generated project, even if a developer left them in `templates/`.
const JUNK: [&str; 8] = [
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".terraform",
    "dist",
    ".venv",
    ".terraform.lock.hcl",
];

/// A file of an overlay listing files of the generic domain it makes unused.
const REMOVE_LIST: &str = "_remove.txt";

/// The rides example's frontend pages and generated client, rendered over `templates/frontend`
/// when the project has every domain of [`EXAMPLE_DOMAINS`]; see its `OVERLAY.md`.
const EXAMPLE_FRONTEND: &str = "frontend-rides";
const OVERLAY_NOTE: &str = "OVERLAY.md";

#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error("`{}` already exists and is not empty", .0.display())]
    TargetExists(PathBuf),
    #[error("invalid project name `{name}`: {why}")]
    ProjectName { name: String, why: String },
    #[error("invalid domain name `{name}`: {why}")]
    DomainName { name: String, why: String },
    #[error("domain `{0}` already exists in lamina.toml")]
    DomainExists(String),
    #[error("`{}` already exists", .0.display())]
    DomainDirExists(PathBuf),
    #[error("domain `{0}` is listed twice")]
    DuplicateDomain(String),
    #[error(transparent)]
    Template(#[from] UnknownKey),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Adopt(String),
    #[error("cannot edit `{}`: {message}", path.display())]
    Edit { path: PathBuf, message: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl ScaffoldError {
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::TargetExists(_) => {
                Some("choose another name, or pass `--path` to an empty directory".into())
            }
            Self::DomainName { .. } => Some("for example `orders` or `billing2`".into()),
            Self::DomainExists(name) => {
                Some(format!("edit `backend/{name}`, or choose another name"))
            }
            Self::ProjectName { .. } => Some("for example `rides` or `ride-share`".into()),
            Self::Config(e) => e.hint().map(str::to_owned),
            _ => None,
        }
    }

    /// True when the user can fix it (exit code 1), false for Lamina's own faults.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Template(_) | Self::Io(_))
    }
}

/// What `lamina new` needs to know.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub name: String,
    /// The directory to create.
    pub dir: PathBuf,
    pub domains: Vec<String>,
    pub owner: String,
    pub region: String,
    pub python: PythonVersion,
    pub architecture: Architecture,
}

/// What a scaffold step wrote, relative to the project root, sorted.
#[derive(Debug, Clone, Default)]
pub struct Written {
    pub root: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Renders a whole project into `opts.dir`.
pub fn new_project(opts: &NewProject) -> Result<Written, ScaffoldError> {
    check_project_name(&opts.name).map_err(|why| ScaffoldError::ProjectName {
        name: opts.name.clone(),
        why,
    })?;
    let mut seen = Vec::new();
    for d in &opts.domains {
        check_domain_name(d).map_err(|why| ScaffoldError::DomainName {
            name: d.clone(),
            why,
        })?;
        if seen.contains(d) {
            return Err(ScaffoldError::DuplicateDomain(d.clone()));
        }
        seen.push(d.clone());
    }
    if opts.dir.exists() && fs_err::read_dir(&opts.dir)?.next().is_some() {
        return Err(ScaffoldError::TargetExists(opts.dir.clone()));
    }

    let mut vars = project_vars(opts);
    let mut blocks = String::new();
    for domain in &opts.domains {
        blocks.push_str(&domain_block(
            domain,
            &domain_vars(&vars, domain, &format!("/{domain}")),
        )?);
    }
    vars.insert("domains", blocks);

    let mut files = FileSet::default();
    files.add_dir(dir("project"), Path::new(""), &vars)?;
    files.add_dir(dir("shared"), Path::new("backend/shared"), &vars)?;
    files.add_dir(dir("infra"), Path::new("infra/terraform"), &vars)?;
    // One stage root per stage, from one template: they differ only in their state key.
    for stage in STAGES {
        let mut stage_vars = vars.clone();
        stage_vars.insert("stage", stage.to_owned());
        let to = Path::new("infra/terraform").join(stage);
        files.add_dir(dir("infra/__stage__"), &to, &stage_vars)?;
    }
    // The frontend's `{{domain}}` and `{{prefix}}` are the first domain's: its health check.
    let first = &opts.domains[0];
    let frontend_vars = domain_vars(&vars, first, &format!("/{first}"));
    files.add_dir(dir("frontend"), Path::new("frontend"), &frontend_vars)?;
    if EXAMPLE_DOMAINS
        .iter()
        .all(|d| opts.domains.iter().any(|x| x == d))
    {
        files.add_dir(dir(EXAMPLE_FRONTEND), Path::new("frontend"), &frontend_vars)?;
        files
            .files
            .remove(&Path::new("frontend").join(OVERLAY_NOTE));
    }
    for domain in &opts.domains {
        let dvars = domain_vars(&vars, domain, &format!("/{domain}"));
        files.add_domain(domain, &dvars, &Path::new("backend").join(domain))?;
    }

    let parent = opts
        .dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent)?;
    let tmp = temp_sibling(&opts.dir);
    let result = files.write(&tmp).and_then(|()| {
        if opts.dir.exists() {
            fs_err::remove_dir(&opts.dir)?;
        }
        fs_err::rename(&tmp, &opts.dir)
    });
    if let Err(e) = result {
        let _ = fs_err::remove_dir_all(&tmp);
        return Err(e.into());
    }
    Ok(Written {
        root: opts.dir.clone(),
        files: files.paths(),
    })
}

/// The Terraform of CI access, `infra/terraform/ci` and `modules/ci_oidc`, as `lamina new` writes
/// them: `lamina ci github` adds the files a project made before them lacks.
pub fn ci_infra_files(
    project: &str,
    region: &str,
) -> Result<Vec<(PathBuf, Vec<u8>)>, ScaffoldError> {
    let vars = Vars::from([
        ("project", project.to_owned()),
        ("region", region.to_owned()),
    ]);
    let mut files = FileSet::default();
    files.add_dir(dir("infra/ci"), Path::new("infra/terraform/ci"), &vars)?;
    files.add_dir(
        dir("infra/modules/ci_oidc"),
        Path::new("infra/terraform/modules/ci_oidc"),
        &vars,
    )?;
    Ok(files.files.into_iter().collect())
}

/// Adds a domain to the project of `config_path`: its files under `backend/<name>` and its table
/// in `lamina.toml`, keeping that file's comments and formatting.
pub fn add_domain(
    config_path: &Path,
    name: &str,
    prefix: Option<&str>,
) -> Result<Written, ScaffoldError> {
    let loaded = config_for_new_domain(config_path, name)?;
    let domain_dir = loaded.root.join("backend").join(name);
    if domain_dir.exists() {
        return Err(ScaffoldError::DomainDirExists(domain_dir));
    }

    let project = &loaded.config.project;
    let vars = Vars::from([
        ("project", project.name.get_ref().clone()),
        ("owner", project.owner.clone()),
        ("region", project.region.get_ref().clone()),
        ("python", project.python.as_str().to_owned()),
        ("python_runtime", project.python.runtime().to_owned()),
        ("architecture", project.architecture.as_str().to_owned()),
    ]);
    let prefix = prefix.map_or_else(|| format!("/{name}"), str::to_owned);
    let dvars = domain_vars(&vars, name, &prefix);
    let block = domain_block(name, &dvars)?;
    // Layers the project does not have are left out, so the new entry is valid as written.
    let layer_names: Vec<&str> = loaded
        .config
        .layers
        .keys()
        .map(|k| k.get_ref().as_str())
        .collect();
    let new_text =
        insert_domain_table(&loaded.source.text, &block, &layer_names).map_err(|message| {
            ScaffoldError::Edit {
                path: config_path.to_path_buf(),
                message,
            }
        })?;

    let mut files = FileSet::default();
    files.add_domain(name, &dvars, Path::new(""))?;
    let tmp = temp_sibling(&domain_dir);
    fs_err::create_dir_all(loaded.root.join("backend"))?;
    if let Err(e) = files
        .write(&tmp)
        .and_then(|()| fs_err::rename(&tmp, &domain_dir))
    {
        let _ = fs_err::remove_dir_all(&tmp);
        return Err(e.into());
    }
    // The new file must be valid before it replaces the old one; otherwise undo the domain's files.
    let checked = LoadedConfig::parse(&new_text, &loaded.source.path, &loaded.root)
        .map_err(ScaffoldError::from)
        .and_then(|_| write_atomic(config_path, new_text.as_bytes()).map_err(ScaffoldError::from));
    if let Err(e) = checked {
        let _ = fs_err::remove_dir_all(&domain_dir);
        return Err(e);
    }
    let mut written: Vec<PathBuf> = files
        .paths()
        .into_iter()
        .map(|p| Path::new("backend").join(name).join(p))
        .collect();
    written.push(PathBuf::from(lamina_config::FILE_NAME));
    written.sort();
    Ok(Written {
        root: loaded.root.clone(),
        files: written,
    })
}

/// Writes the Terraform root of a stage that lamina.toml names but `infra/terraform` lacks (a
/// stage added after `lamina new`), from the same template every stage root comes from.
pub fn add_stage_root(loaded: &LoadedConfig, stage: &str) -> Result<Written, ScaffoldError> {
    let to = loaded.root.join("infra/terraform").join(stage);
    if to.exists() {
        return Err(ScaffoldError::TargetExists(to));
    }
    let project = &loaded.config.project;
    let vars = Vars::from([
        ("project", project.name.get_ref().clone()),
        ("owner", project.owner.clone()),
        ("region", project.region.get_ref().clone()),
        ("python", project.python.as_str().to_owned()),
        ("python_runtime", project.python.runtime().to_owned()),
        ("architecture", project.architecture.as_str().to_owned()),
        ("stage", stage.to_owned()),
    ]);
    let mut files = FileSet::default();
    files.add_dir(dir("infra/__stage__"), Path::new(""), &vars)?;
    fs_err::create_dir_all(loaded.root.join("infra/terraform"))?;
    let tmp = temp_sibling(&to);
    if let Err(e) = files.write(&tmp).and_then(|()| fs_err::rename(&tmp, &to)) {
        let _ = fs_err::remove_dir_all(&tmp);
        return Err(e.into());
    }
    let prefix = Path::new("infra/terraform").join(stage);
    Ok(Written {
        root: loaded.root.clone(),
        files: files.paths().into_iter().map(|p| prefix.join(p)).collect(),
    })
}

/// The project's config, once `name` is known to be a valid domain name it does not have yet.
pub(crate) fn config_for_new_domain(
    config_path: &Path,
    name: &str,
) -> Result<LoadedConfig, ScaffoldError> {
    check_domain_name(name).map_err(|why| ScaffoldError::DomainName {
        name: name.to_owned(),
        why,
    })?;
    let loaded = LoadedConfig::load(config_path)?;
    if loaded.config.domains.contains_key(name) {
        return Err(ScaffoldError::DomainExists(name.to_owned()));
    }
    Ok(loaded)
}

fn dir(name: &str) -> &'static Dir<'static> {
    TEMPLATES
        .get_dir(name)
        .unwrap_or_else(|| panic!("templates/{name} is embedded at build time"))
}

fn project_vars(opts: &NewProject) -> Vars {
    Vars::from([
        ("project", opts.name.clone()),
        ("owner", opts.owner.clone()),
        ("region", opts.region.clone()),
        ("python", opts.python.as_str().to_owned()),
        ("python_runtime", opts.python.runtime().to_owned()),
        ("architecture", opts.architecture.as_str().to_owned()),
    ])
}

fn domain_vars(base: &Vars, domain: &str, prefix: &str) -> Vars {
    let mut vars = base.clone();
    vars.insert("domain", domain.to_owned());
    vars.insert("prefix", prefix.to_owned());
    vars
}

/// The domain's `[domains.<name>]` table: the example's own when it has one, else the generic one.
fn domain_block(domain: &str, vars: &Vars) -> Result<String, UnknownKey> {
    let own = format!("domains/{domain}.toml.tmpl");
    let file = TEMPLATES
        .get_file(&own)
        .or_else(|| TEMPLATES.get_file("domain.toml.tmpl"))
        .expect("templates/domain.toml.tmpl is embedded at build time");
    let text = file.contents_utf8().expect("templates are UTF-8");
    render(&file.path().to_string_lossy(), text, vars)
}

/// Inserts `block` (one or more `[domains.<name>...]` tables) after the last domain table,
/// renumbering the tables that follow so the file's order and formatting are kept.
pub(crate) fn insert_domain_table(
    text: &str,
    block: &str,
    layers: &[&str],
) -> Result<String, String> {
    insert_table(text, "domains", block, layers)
}

/// Inserts `block` (one `[<kind>.<name>...]` table) after the last table of `kind`.
pub(crate) fn insert_table(
    text: &str,
    kind: &str,
    block: &str,
    layers: &[&str],
) -> Result<String, String> {
    use toml_edit::{DocumentMut, Item, Table};

    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let new: DocumentMut = block
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let Some(Item::Table(new_domains)) = new.get(kind) else {
        return Err(format!("the template has no `[{kind}.NAME]` table"));
    };
    let (name, new_table) = new_domains
        .iter()
        .next()
        .ok_or("the domain template is empty")?;
    let Item::Table(new_table) = new_table else {
        return Err("the domain template is not a table".into());
    };
    let mut new_table = new_table.clone();
    if let Some(list) = new_table.get_mut("layers").and_then(Item::as_array_mut) {
        list.retain(|v| v.as_str().is_some_and(|l| layers.contains(&l)));
    }

    // Position of the last table under `domains`, or the end of the document.
    fn max_position(table: &Table) -> Option<isize> {
        let own = table.position();
        let children = table
            .iter()
            .filter_map(|(_, item)| item.as_table())
            .filter_map(max_position);
        own.into_iter().chain(children).max()
    }
    fn shift(table: &mut Table, after: isize, by: isize) {
        if let Some(p) = table.position().filter(|p| *p > after) {
            table.set_position(Some(p + by));
        }
        for (_, item) in table.iter_mut() {
            if let Some(t) = item.as_table_mut() {
                shift(t, after, by);
            }
        }
    }
    fn renumber(table: &mut Table, next: &mut isize) {
        table.set_position(Some(*next));
        *next += 1;
        for (_, item) in table.iter_mut() {
            if let Some(t) = item.as_table_mut() {
                renumber(t, next);
            }
        }
    }
    fn count(table: &Table) -> isize {
        1 + table
            .iter()
            .filter_map(|(_, i)| i.as_table())
            .map(count)
            .sum::<isize>()
    }

    let root = doc.as_table();
    let after = root
        .get(kind)
        .and_then(Item::as_table)
        .and_then(max_position)
        .or_else(|| {
            root.iter()
                .filter_map(|(_, i)| i.as_table())
                .filter_map(max_position)
                .max()
        })
        .unwrap_or(0);
    let n = count(&new_table);
    shift(doc.as_table_mut(), after, n);
    let mut next = after + 1;
    renumber(&mut new_table, &mut next);
    new_table.decor_mut().set_prefix("\n");

    let domains = doc
        .entry(kind)
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| format!("`{kind}` in lamina.toml is not a table"))?;
    domains.insert(name, Item::Table(new_table));
    Ok(doc.to_string())
}

/// Rendered files, by path relative to the output root.
#[derive(Default)]
struct FileSet {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl FileSet {
    fn add_dir(&mut self, dir: &Dir<'_>, to: &Path, vars: &Vars) -> Result<(), UnknownKey> {
        for entry in dir.entries() {
            let name = entry
                .path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            // `__stage__` is rendered once per stage, by its caller.
            if JUNK.contains(&name) || name.ends_with(".pyc") || name == "__stage__" {
                continue;
            }
            let target = to.join(out_name(name, vars));
            match entry {
                DirEntry::Dir(d) => self.add_dir(d, &target, vars)?,
                DirEntry::File(f) => {
                    let contents = match name.strip_suffix(".tmpl") {
                        Some(_) => {
                            let text = f.contents_utf8().expect("`.tmpl` files are UTF-8");
                            render(&f.path().to_string_lossy(), text, vars)?.into_bytes()
                        }
                        None => f.contents().to_vec(),
                    };
                    self.files.insert(target, contents);
                }
            }
        }
        Ok(())
    }

    /// The generic domain, then the example's overlay when there is one.
    fn add_domain(&mut self, domain: &str, vars: &Vars, to: &Path) -> Result<(), UnknownKey> {
        let mut generic = FileSet::default();
        generic.add_dir(dir("domain"), Path::new(""), vars)?;
        if let Some(overlay) = TEMPLATES.get_dir(format!("domains/{domain}")) {
            if let Some(list) = overlay.get_file(overlay.path().join(REMOVE_LIST)) {
                for line in list.contents_utf8().unwrap_or_default().lines() {
                    let line = line.trim();
                    if !line.is_empty() && !line.starts_with('#') {
                        generic.files.remove(Path::new(line));
                    }
                }
            }
            generic.add_dir(overlay, Path::new(""), vars)?;
            generic.files.remove(Path::new(REMOVE_LIST));
        }
        for (path, contents) in generic.files {
            self.files.insert(to.join(path), contents);
        }
        Ok(())
    }

    fn paths(&self) -> Vec<PathBuf> {
        self.files.keys().cloned().collect()
    }

    fn write(&self, root: &Path) -> std::io::Result<()> {
        for (path, contents) in &self.files {
            let full = root.join(path);
            if let Some(parent) = full.parent() {
                fs_err::create_dir_all(parent)?;
            }
            fs_err::write(&full, contents)?;
        }
        Ok(())
    }
}

/// `_gitignore` → `.gitignore` (a real `.gitignore` would apply to this repository),
/// `x.tmpl` → `x`, and `__domain__` → the domain.
fn out_name(name: &str, vars: &Vars) -> String {
    let name = name.strip_suffix(".tmpl").unwrap_or(name);
    let name = if name == "_gitignore" {
        ".gitignore"
    } else {
        name
    };
    match vars.get("domain") {
        Some(domain) => name.replace("__domain__", domain),
        None => name.to_owned(),
    }
}

pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lamina");
    path.with_file_name(format!(".{name}.lamina-tmp-{}", std::process::id()))
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = temp_sibling(path);
    fs_err::write(&tmp, contents)?;
    fs_err::rename(&tmp, path).inspect_err(|_| {
        let _ = fs_err::remove_file(&tmp);
    })
}

/// Every embedded template path, for tests and `lamina new --list`.
pub fn template_paths() -> Vec<String> {
    fn walk(dir: &Dir<'_>, out: &mut Vec<String>) {
        for entry in dir.entries() {
            match entry {
                DirEntry::Dir(d) => walk(d, out),
                DirEntry::File(f) => out.push(f.path().to_string_lossy().into_owned()),
            }
        }
    }
    let mut out = Vec::new();
    walk(&TEMPLATES, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_holds_the_key_templates() {
        let paths = template_paths();
        for key in ["project/lamina.toml.tmpl", "domain.toml.tmpl"] {
            assert!(paths.iter().any(|p| p == key), "missing {key}");
        }
    }

    #[test]
    fn every_tmpl_renders_with_the_documented_keys() {
        let vars = Vars::from([
            ("project", "p".to_owned()),
            ("owner", "o".to_owned()),
            ("region", "eu-west-1".to_owned()),
            ("python", "3.12".to_owned()),
            ("python_runtime", "python3.12".to_owned()),
            ("architecture", "x86_64".to_owned()),
            ("domain", "d".to_owned()),
            ("prefix", "/d".to_owned()),
            ("domains", String::new()),
            ("stage", "dev".to_owned()),
            ("app_module", "app.main".to_owned()),
            ("app_attr", "app".to_owned()),
        ]);
        for path in template_paths().iter().filter(|p| p.ends_with(".tmpl")) {
            let text = TEMPLATES.get_file(path).unwrap().contents_utf8().unwrap();
            render(path, text, &vars).unwrap();
        }
    }

    const CONFIG: &str = r#"# top comment
[project]
name = "rides"   # keep me
owner = "me"
region = "eu-west-1"

[stages.dev]

[domains.user]
path = "backend/user"
layers = ["deps"]

[domains.user.env]
A = "1"

[layers.deps]
requirements = "r.txt"

[auth]
groups = ["admin"]
"#;

    #[test]
    fn domain_table_goes_after_the_last_domain_and_keeps_comments() {
        let block =
            "\n[domains.orders]\npath = \"backend/orders\"\nlayers = [\"deps\", \"shared\"]\n";
        let out = insert_domain_table(CONFIG, block, &["deps"]).unwrap();
        insta::assert_snapshot!(out);
    }
}

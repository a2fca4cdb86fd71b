//! `lamina add domain NAME --from PATH`: an existing FastAPI app becomes a domain.
//!
//! The app is copied into `backend/NAME` (or used where it is, with `--in-place`), unchanged but
//! for a `handler.py` (Mangum, with the prefix as ASGI's `root_path`) and, when the app does not
//! already depend on it, `mangum` in the domain's own `requirements.txt`. Its dependencies become
//! a `project` layer when it is a uv project (`pyproject.toml` + `uv.lock`), or the domain's own
//! locked requirements when it has a `requirements.txt`. What Lamina cannot decide for the user
//! (auth, environment, database) comes back as notes to print.

use std::path::{Path, PathBuf};

use lamina_config::LoadedConfig;

use crate::{ScaffoldError, Vars, render, write_atomic};

/// The Mangum version written into a domain's requirements when the app lacks it.
const MANGUM: &str = "mangum==0.19.0";

/// Directories never copied from an app (and never searched for its FastAPI object).
const SKIP_DIRS: [&str; 12] = [
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    "__pycache__",
    "node_modules",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".lamina",
    ".tox",
];

/// How to adopt.
#[derive(Debug, Clone, Default)]
pub struct AdoptOptions {
    /// The app's directory.
    pub from: PathBuf,
    /// Route prefix; `/NAME` by default.
    pub prefix: Option<String>,
    /// Use the app where it is (it must be inside the project) instead of copying it.
    pub in_place: bool,
    /// `module:attribute` of the FastAPI object, when the search finds none or several.
    pub app: Option<String>,
    /// `Some(true)`: `auth = "none"`; `Some(false)`: Cognito's JWT authorizer; `None`: public
    /// when the app checks tokens itself.
    pub public: Option<bool>,
}

/// What adopting wrote, and what the user must still decide.
#[derive(Debug, Clone)]
pub struct Adopted {
    pub written: crate::Written,
    /// The domain's directory, relative to the project root.
    pub dir: PathBuf,
    /// `app.main:app`.
    pub app: String,
    pub notes: Vec<String>,
}

enum Deps {
    /// A uv project: a `project` layer.
    UvProject,
    /// A `requirements.txt`: the domain's own lock.
    Requirements,
}

/// Adopts the FastAPI app in `opts.from` as domain `name` of the project of `config_path`.
pub fn adopt_domain(
    config_path: &Path,
    name: &str,
    opts: &AdoptOptions,
) -> Result<Adopted, ScaffoldError> {
    let fail = |m: String| ScaffoldError::Adopt(m);
    let loaded = crate::config_for_new_domain(config_path, name)?;
    let root = std::path::absolute(&loaded.root)?;
    let src = std::path::absolute(&opts.from)?;
    if !src.is_dir() {
        return Err(fail(format!(
            "`{}` is not a directory",
            opts.from.display()
        )));
    }
    let deps = if src.join("pyproject.toml").is_file() && src.join("uv.lock").is_file() {
        Deps::UvProject
    } else if src.join("requirements.txt").is_file() {
        Deps::Requirements
    } else if src.join("pyproject.toml").is_file() {
        return Err(fail(format!(
            "`{}` has a pyproject.toml but no uv.lock: run `uv lock` there first (Lamina builds from locked versions)",
            opts.from.display()
        )));
    } else {
        return Err(fail(format!(
            "`{}` has neither pyproject.toml + uv.lock nor requirements.txt: Lamina cannot tell its dependencies",
            opts.from.display()
        )));
    };
    let app = match &opts.app {
        Some(app) => app.clone(),
        None => find_app(&src)?,
    };
    let (module, attr) = app
        .split_once(':')
        .ok_or_else(|| fail(format!("`{app}` is not `module:attribute`")))?;

    // Where the domain lives.
    let (dir, copy) = if opts.in_place {
        let rel = src.strip_prefix(&root).map_err(|_| {
            fail(format!(
                "`--in-place` needs the app inside the project (`{}`); copy it instead (leave out `--in-place`)",
                root.display()
            ))
        })?;
        (rel.to_path_buf(), false)
    } else {
        let rel = Path::new("backend").join(name);
        if root.join(&rel).exists() {
            return Err(ScaffoldError::DomainDirExists(root.join(&rel)));
        }
        (rel, true)
    };
    let rel_str = dir.to_string_lossy().replace('\\', "/");
    let target = root.join(&dir);
    if !copy && target.join("handler.py").exists() {
        return Err(fail(format!(
            "`{rel_str}/handler.py` already exists: Lamina's handler would replace it"
        )));
    }

    // The files to write, relative to the domain dir.
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let vars = Vars::from([
        ("domain", name.to_owned()),
        ("app_module", module.to_owned()),
        ("app_attr", attr.to_owned()),
    ]);
    let handler = crate::TEMPLATES
        .get_file("adopt/handler.py.tmpl")
        .expect("templates/adopt/handler.py.tmpl is embedded");
    let text = render(
        "adopt/handler.py.tmpl",
        handler.contents_utf8().expect("UTF-8"),
        &vars,
    )?;
    files.push((PathBuf::from("handler.py"), text.into_bytes()));
    let has_mangum = match deps {
        Deps::UvProject => {
            fs_err::read_to_string(src.join("uv.lock"))?.contains("name = \"mangum\"")
        }
        Deps::Requirements => false,
    } || fs_err::read_to_string(src.join("requirements.txt")).is_ok_and(|t| {
        t.lines()
            .any(|l| l.trim().to_ascii_lowercase().starts_with("mangum"))
    });
    if !has_mangum {
        let mut req = fs_err::read_to_string(src.join("requirements.txt")).unwrap_or_default();
        if !req.is_empty() && !req.ends_with('\n') {
            req.push('\n');
        }
        req.push_str(
            "# Added by `lamina add domain --from`: the Lambda adapter handler.py uses.\n",
        );
        req.push_str(MANGUM);
        req.push('\n');
        files.push((PathBuf::from("requirements.txt"), req.into_bytes()));
    }

    // lamina.toml: the layer (for a uv project) and the domain.
    let sources = read_sources(&src);
    let own_auth = own_auth(&sources);
    let public = opts.public.unwrap_or(own_auth.is_some());
    let prefix = opts.prefix.clone().unwrap_or_else(|| format!("/{name}"));
    let layer = format!("{name}-deps");
    let mut text = loaded.source.text.to_string();
    let mut layers_of_domain = Vec::new();
    if matches!(deps, Deps::UvProject) {
        if loaded.config.layers.contains_key(layer.as_str()) {
            return Err(fail(format!(
                "a layer `{layer}` already exists in lamina.toml"
            )));
        }
        let block = format!(
            "\n# The dependencies of {name}'s uv project (its pyproject.toml and uv.lock).\n[layers.{layer}]\nproject = \"{rel_str}\"\n"
        );
        text = crate::insert_table(&text, "layers", &block, &[]).map_err(|message| {
            ScaffoldError::Edit {
                path: config_path.to_path_buf(),
                message,
            }
        })?;
        layers_of_domain.push(layer.clone());
    }
    let has_health = sources.iter().any(|(_, t)| t.contains("\"/health\""));
    let probe = if has_health { "/health" } else { "/docs" };
    let env_file = target.join(".env").is_file() || src.join(".env").is_file();
    let mut block = format!("\n[domains.{name}]\npath = \"{rel_str}\"\nprefix = \"{prefix}\"\n");
    block.push_str(&format!(
        "layers = [{}]\n",
        layers_of_domain
            .iter()
            .map(|l| format!("\"{l}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if public {
        block.push_str("auth = \"none\"\n");
    }
    block.push_str(&format!("probe_path = \"{prefix}{probe}\"\n"));
    if env_file {
        block.push_str(&format!("env_file = \"{rel_str}/.env\"\n"));
    }
    let known: Vec<&str> = layers_of_domain.iter().map(String::as_str).collect();
    let new_text = crate::insert_domain_table(&text, &block, &known).map_err(|message| {
        ScaffoldError::Edit {
            path: config_path.to_path_buf(),
            message,
        }
    })?;

    // Write: the copy (or the new files in place), then lamina.toml, checked first.
    let mut written: Vec<PathBuf> = Vec::new();
    if copy {
        let tmp = crate::temp_sibling(&target);
        let result = copy_app(&src, &tmp, &mut written).and_then(|()| {
            for (rel, bytes) in &files {
                fs_err::write(tmp.join(rel), bytes)?;
            }
            fs_err::create_dir_all(target.parent().unwrap_or(&root))?;
            fs_err::rename(&tmp, &target)
        });
        if let Err(e) = result {
            let _ = fs_err::remove_dir_all(&tmp);
            return Err(e.into());
        }
    }
    let checked = LoadedConfig::parse(&new_text, &loaded.source.path, &loaded.root)
        .map_err(ScaffoldError::from);
    if let Err(e) = checked {
        if copy {
            let _ = fs_err::remove_dir_all(&target);
        }
        return Err(e);
    }
    if !copy {
        for (rel, bytes) in &files {
            write_atomic(&target.join(rel), bytes)?;
        }
    }
    write_atomic(config_path, new_text.as_bytes())?;
    ignore_local_files(&root, &rel_str)?;
    let mut all: Vec<PathBuf> = written.into_iter().map(|p| dir.join(p)).collect();
    all.extend(files.iter().map(|(p, _)| dir.join(p)));
    all.push(PathBuf::from(lamina_config::FILE_NAME));
    all.sort();
    all.dedup();

    let notes = notes(
        name, &prefix, &rel_str, &sources, own_auth, public, env_file, &app,
    );
    Ok(Adopted {
        written: crate::Written {
            root: loaded.root.clone(),
            files: all,
        },
        dir,
        app,
        notes,
    })
}

/// `app.main:app`: the module that assigns `NAME = FastAPI(`, preferring `main.py`/`app.py`.
fn find_app(src: &Path) -> Result<String, ScaffoldError> {
    let mut found = Vec::new();
    for (rel, text) in read_sources(src) {
        if rel
            .split('/')
            .any(|p| p == "tests" || p == "test" || p == "alembic" || p == "migrations")
        {
            continue;
        }
        for line in text.lines() {
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            let lhs = lhs.trim().split(':').next().unwrap_or("").trim();
            if !lhs.is_empty()
                && lhs.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && rhs.trim_start().starts_with("FastAPI(")
                && !line.starts_with([' ', '\t'])
            {
                let module = rel.trim_end_matches(".py").replace('/', ".");
                let module = module
                    .strip_suffix(".__init__")
                    .unwrap_or(&module)
                    .to_owned();
                found.push(format!("{module}:{lhs}"));
            }
        }
    }
    found.sort_by_key(|a| {
        let m = a.split(':').next().unwrap_or("");
        let last = m.rsplit('.').next().unwrap_or(m);
        (
            !(last == "main" || last == "app"),
            m.matches('.').count(),
            a.clone(),
        )
    });
    found.into_iter().next().ok_or_else(|| {
        ScaffoldError::Adopt(format!(
            "no `app = FastAPI(...)` found in `{}`: pass `--app MODULE:ATTRIBUTE`",
            src.display()
        ))
    })
}

/// Every `.py` file of the app (outside virtualenvs and caches), relative path and text.
fn read_sources(src: &Path) -> Vec<(String, String)> {
    fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, String)>) {
        let Ok(entries) = fs_err::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if path.is_dir() {
                if !SKIP_DIRS.contains(&name.as_str()) && !name.ends_with(".egg-info") {
                    walk(&path, &child, out);
                }
            } else if name.ends_with(".py") {
                if let Ok(text) = fs_err::read_to_string(&path) {
                    out.push((child, text));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(src, "", &mut out);
    out
}

/// Where the app checks tokens itself, if it does: the first file using FastAPI's security
/// classes or a JWT library.
fn own_auth(sources: &[(String, String)]) -> Option<String> {
    const SIGNS: [&str; 6] = [
        "OAuth2PasswordBearer",
        "HTTPBearer",
        "import jwt",
        "from jose",
        "from jwt",
        "APIKeyHeader",
    ];
    sources
        .iter()
        .find(|(_, text)| SIGNS.iter().any(|s| text.contains(s)))
        .map(|(rel, _)| rel.clone())
}

/// The environment variables the app reads (`os.environ[...]`, `os.environ.get(...)`,
/// `os.getenv(...)`), in order of first use.
fn env_names(sources: &[(String, String)]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, text) in sources {
        for pat in ["os.environ.get(", "os.environ[", "os.getenv("] {
            for part in text.split(pat).skip(1) {
                let part = part.trim_start();
                let Some(quote) = part.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                    continue;
                };
                let name: String = part[1..].chars().take_while(|c| *c != quote).collect();
                if !name.is_empty() && !out.contains(&name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn notes(
    name: &str,
    prefix: &str,
    dir: &str,
    sources: &[(String, String)],
    own_auth: Option<String>,
    public: bool,
    env_file: bool,
    app: &str,
) -> Vec<String> {
    let mut notes = vec![format!(
        "handler.py serves `{app}` under `{prefix}`: its routes keep their paths (`/docs` is `{prefix}/docs` through the gateway)"
    )];
    notes.push(match (public, own_auth) {
        (true, Some(file)) => format!(
            "auth: the app checks its own tokens ({file}), so the domain is public (`auth = \"none\"`); to put Cognito's JWT authorizer in front as well, remove that line (docs/adopt.md, \"Auth\")"
        ),
        (true, None) => "auth: the domain is public (`auth = \"none\"`): every route is open to anyone".to_owned(),
        (false, _) => format!(
            "auth: every route of `{prefix}` needs a Cognito token; list open routes in `public`, or set `auth = \"none\"` if the app does its own auth"
        ),
    });
    let vars = env_names(sources);
    if !vars.is_empty() {
        notes.push(format!(
            "env: the app reads {}. Local values go in {}, per-stage values in `[domains.{name}.stages.<stage>.env]`, passwords and keys in `secrets` (their local values in lamina.local.toml)",
            vars.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
            if env_file {
                format!("`{dir}/.env` (its `env_file`, never deployed)")
            } else {
                format!("an `env_file` (`env_file = \"{dir}/.env\"`, git-ignored, never deployed)")
            }
        ));
    }
    let all: String = sources.iter().map(|(_, t)| t.as_str()).collect();
    if all.contains("sqlalchemy") || all.contains("sqlmodel") {
        let migrations = sources
            .iter()
            .any(|(rel, _)| rel.starts_with("alembic/") || rel.starts_with("migrations/"));
        notes.push(format!(
            "database: run {} with `lamina run -d {name} -- alembic upgrade head`; on Lambda the database must be reachable from the function (a VPC, RDS Proxy, or a serverless database), and SQLite lives only in /tmp",
            if migrations { "the migrations" } else { "schema changes" }
        ));
    }
    notes.push(format!(
        "next: `lamina build` (locks, zips, an import check of the handler), `lamina dev`, `lamina run -d {name} -- pytest`"
    ));
    notes
}

/// Copies the app, leaving out virtualenvs, VCS data and caches.
fn copy_app(from: &Path, to: &Path, written: &mut Vec<PathBuf>) -> std::io::Result<()> {
    fn walk(from: &Path, to: &Path, rel: &Path, written: &mut Vec<PathBuf>) -> std::io::Result<()> {
        fs_err::create_dir_all(to)?;
        for entry in fs_err::read_dir(from)? {
            let entry = entry?;
            let name = entry.file_name();
            let n = name.to_string_lossy();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if SKIP_DIRS.contains(&n.as_ref()) || n.ends_with(".egg-info") {
                    continue;
                }
                walk(&entry.path(), &to.join(&name), &rel.join(&name), written)?;
            } else if !n.ends_with(".pyc") {
                fs_err::copy(entry.path(), to.join(&name))?;
                written.push(rel.join(&name));
            }
        }
        Ok(())
    }
    walk(from, to, Path::new(""), written)
}

/// `.env` files and `lamina.local.toml` hold local values: keep them out of git.
fn ignore_local_files(root: &Path, dir: &str) -> std::io::Result<()> {
    let path = root.join(".gitignore");
    let mut text = fs_err::read_to_string(&path).unwrap_or_default();
    let mut added = false;
    for line in [
        format!("/{dir}/.env"),
        format!("/{}", lamina_config::LOCAL_FILE),
    ] {
        if !text
            .lines()
            .any(|l| l.trim() == line || l.trim() == line.trim_start_matches('/'))
        {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            if !added {
                text.push_str("# Local-only values (lamina: env_file, lamina.local.toml)\n");
                added = true;
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    if added {
        write_atomic(&path, text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dir: &Path) -> PathBuf {
        let root = dir.join("shop");
        crate::new_project(&crate::NewProject {
            name: "shop".into(),
            dir: root.clone(),
            domains: vec!["user".into()],
            owner: "me".into(),
            region: "eu-west-1".into(),
            python: lamina_config::PythonVersion::Py311,
            architecture: lamina_config::Architecture::X86_64,
        })
        .unwrap();
        root
    }

    fn write(path: &Path, text: &str) {
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, text).unwrap();
    }

    /// A requirements.txt app: no layer, its own locked requirements with mangum added.
    #[test]
    fn a_requirements_app_is_adopted() {
        let tmp = tempfile::tempdir().unwrap();
        let root = project(tmp.path());
        let app = tmp.path().join("legacy");
        write(&app.join("requirements.txt"), "fastapi==0.115.0\n");
        write(
            &app.join("service/server.py"),
            "from fastapi import FastAPI\n\napi: FastAPI = FastAPI()\n\n@api.get(\"/ping\")\ndef ping():\n    return 1\n",
        );
        write(&app.join(".venv/lib/junk.py"), "app = FastAPI()\n");
        let opts = AdoptOptions {
            from: app,
            ..AdoptOptions::default()
        };
        let adopted = adopt_domain(&root.join("lamina.toml"), "legacy", &opts).unwrap();
        assert_eq!(adopted.app, "service.server:api");
        let dir = root.join("backend/legacy");
        assert!(!dir.join(".venv").exists());
        let req = fs_err::read_to_string(dir.join("requirements.txt")).unwrap();
        assert!(
            req.starts_with("fastapi==0.115.0\n") && req.contains(MANGUM),
            "{req}"
        );
        let handler = fs_err::read_to_string(dir.join("handler.py")).unwrap();
        assert!(
            handler.contains("from service.server import api as app"),
            "{handler}"
        );
        let config = LoadedConfig::load(&root.join("lamina.toml")).unwrap();
        let domain = &config.config.domains["legacy"];
        assert!(domain.layers.is_empty());
        assert!(
            domain.auth.is_none(),
            "no auth of its own: behind the JWT authorizer"
        );
        assert_eq!(config.probe_path("legacy"), "/legacy/docs");
        assert!(
            adopted
                .notes
                .iter()
                .any(|n| n.contains("needs a Cognito token"))
        );
    }

    #[test]
    fn what_cannot_be_adopted_says_why() {
        let tmp = tempfile::tempdir().unwrap();
        let root = project(tmp.path());
        let app = tmp.path().join("app");
        write(&app.join("main.py"), "app = FastAPI()\n");
        let config = root.join("lamina.toml");
        let opts = AdoptOptions {
            from: app.clone(),
            ..AdoptOptions::default()
        };
        let err = adopt_domain(&config, "api", &opts).unwrap_err().to_string();
        assert!(
            err.contains("neither pyproject.toml + uv.lock nor requirements.txt"),
            "{err}"
        );
        write(&app.join("pyproject.toml"), "[project]\nname = \"a\"\n");
        let err = adopt_domain(&config, "api", &opts).unwrap_err().to_string();
        assert!(err.contains("run `uv lock`"), "{err}");
        write(&app.join("requirements.txt"), "fastapi\n");
        let err = adopt_domain(&config, "user", &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        let before = fs_err::read_to_string(&config).unwrap();
        let in_place = AdoptOptions {
            from: app,
            in_place: true,
            ..AdoptOptions::default()
        };
        let err = adopt_domain(&config, "api", &in_place)
            .unwrap_err()
            .to_string();
        assert!(err.contains("inside the project"), "{err}");
        assert_eq!(
            fs_err::read_to_string(&config).unwrap(),
            before,
            "nothing written"
        );
    }

    #[test]
    fn env_names_in_order() {
        let src = vec![(
            "app/config.py".to_owned(),
            "import os\nA = os.environ.get(\"DATABASE_URL\", \"x\")\nB = os.environ['JWT_SECRET']\nC = os.getenv(\"DATABASE_URL\")\n".to_owned(),
        )];
        assert_eq!(env_names(&src), ["DATABASE_URL", "JWT_SECRET"]);
    }
}

//! What the workflows need to know about a project, read from lamina.toml once.

use lamina_config::LoadedConfig;

/// A directory tested on its own: a domain, or a layer of shared code with tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub name: String,
    /// Relative to the repository root, without a trailing `/`.
    pub dir: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiStage {
    pub name: String,
    pub protected: bool,
    pub account_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CiProject {
    pub name: String,
    pub region: String,
    /// `3.12`.
    pub python: String,
    pub units: Vec<Unit>,
    /// Paths whose change means every unit is tested: layers, lamina.toml, dev requirements.
    pub shared: Vec<String>,
    /// Directory of the frontend.
    pub frontend: Option<String>,
    /// Deploy order: lamina.toml's order, protected stages last.
    pub stages: Vec<CiStage>,
    /// The Lamina the workflows install.
    pub lamina_version: String,
}

fn clean(path: &str) -> String {
    path.trim_start_matches("./")
        .trim_end_matches('/')
        .to_owned()
}

impl CiProject {
    pub fn from_config(config: &LoadedConfig) -> Self {
        let c = &config.config;
        let mut units: Vec<Unit> = c
            .domains
            .iter()
            .map(|(name, d)| Unit {
                name: name.get_ref().clone(),
                dir: clean(d.path.get_ref()),
            })
            .collect();
        let mut shared = vec!["lamina.toml".to_owned()];
        for (name, layer) in &c.layers {
            if let Some(req) = &layer.requirements {
                shared.push(clean(req.get_ref()));
            }
            for dir in [&layer.project, &layer.path].into_iter().flatten() {
                shared.push(format!("{}/**", clean(dir.get_ref())));
            }
            if let Some(path) = &layer.path {
                if config.root.join(path.get_ref()).join("tests").is_dir() {
                    units.push(Unit {
                        name: name.get_ref().clone(),
                        dir: clean(path.get_ref()),
                    });
                }
            }
        }
        for file in ["backend/requirements-dev.txt", "pyproject.toml"] {
            if config.root.join(file).is_file() {
                shared.push(file.to_owned());
            }
        }
        let mut stages: Vec<(usize, CiStage)> = c
            .stages
            .iter()
            .map(|(name, s)| {
                (
                    name.span().start,
                    CiStage {
                        name: name.get_ref().clone(),
                        protected: s.protected,
                        account_id: s.account_id.as_ref().map(|a| a.get_ref().clone()),
                    },
                )
            })
            .collect();
        stages.sort_by_key(|(at, s)| (s.protected, *at));
        Self {
            name: config.project_name().to_owned(),
            region: c.project.region.get_ref().clone(),
            python: c.project.python.as_str().to_owned(),
            units,
            shared,
            frontend: c.frontend.as_ref().map(|f| clean(f.path.get_ref())),
            stages: stages.into_iter().map(|(_, s)| s).collect(),
            lamina_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// The role a stage's jobs assume through GitHub's OIDC provider (`modules/ci_oidc`):
    /// `deploy` on main, `plan` (read-only) on pull requests.
    pub fn role_arn(&self, stage: &CiStage, kind: &str) -> String {
        let account = stage
            .account_id
            .clone()
            .unwrap_or_else(|| "${{ vars.AWS_ACCOUNT_ID }}".to_owned());
        format!(
            "arn:aws:iam::{account}:role/{}-{}-github-{kind}",
            self.name, stage.name
        )
    }
}

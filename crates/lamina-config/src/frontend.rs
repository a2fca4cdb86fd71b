//! The environment the frontend is built and served with. `lamina dev` (Vite) and `lamina deploy`
//! (the stage's build) both call [`frontend_env`], so the app sees the same variables, in the same
//! shape, locally and in every stage.

use std::collections::BTreeMap;

use crate::LoadedConfig;

/// Where the frontend's backends are: the local stack's URLs, or a stage's Terraform outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontendEndpoints {
    /// Base URL of the HTTP API, without a trailing `/`.
    pub api_url: String,
    /// OIDC issuer (authority): Cognito's `https://cognito-idp.<region>.amazonaws.com/<pool>`, or
    /// the local Cognito's.
    pub authority: String,
    /// The public SPA app client's id.
    pub client_id: String,
    /// Base URL of the hosted UI (`https://<domain>.auth.<region>.amazoncognito.com`), where
    /// `/logout` is: Cognito's discovery document names no end-session endpoint. The local
    /// Cognito serves both from one origin.
    pub cognito_domain: String,
    /// AWS region of the stage.
    pub region: String,
}

/// The frontend's `VITE_*` variables for a stage: the user's `[frontend.env.<stage>]` first, then
/// Lamina's, which win (they come from the stack itself and must not be stale).
pub fn frontend_env(
    config: &LoadedConfig,
    stage: &str,
    endpoints: &FrontendEndpoints,
) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = config
        .config
        .frontend
        .as_ref()
        .and_then(|fe| fe.env.get(stage))
        .map(|vars| {
            vars.iter()
                .map(|(k, v)| (k.get_ref().clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let api_url = endpoints.api_url.trim_end_matches('/').to_owned();
    env.insert("VITE_API_URL".into(), api_url);
    env.insert("VITE_COGNITO_AUTHORITY".into(), endpoints.authority.clone());
    env.insert("VITE_COGNITO_CLIENT_ID".into(), endpoints.client_id.clone());
    env.insert(
        "VITE_COGNITO_DOMAIN".into(),
        endpoints.cognito_domain.trim_end_matches('/').to_owned(),
    );
    env.insert("VITE_COGNITO_SCOPES".into(), frontend_scopes(config));
    env.insert("VITE_AWS_REGION".into(), endpoints.region.clone());
    env.insert("VITE_STAGE".into(), stage.to_owned());
    env
}

/// What the frontend asks Cognito for: the OIDC scopes the app client allows, and every scope of
/// the project's resource server, so a route that requires one (`[domains.x.scopes]`) accepts the
/// user's token. Cognito needs them listed: an OIDC client always sends `scope`.
pub fn frontend_scopes(config: &LoadedConfig) -> String {
    let project = config.project_name();
    ["openid", "email", "profile"]
        .into_iter()
        .map(str::to_owned)
        .chain(
            config
                .config
                .auth
                .scopes
                .keys()
                .map(|s| crate::full_scope(project, s)),
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// The file a stage's frontend env is written to, relative to the frontend directory. Vite reads
/// `.env.<mode>.local` when built with `--mode <stage>`; `*.local` is git-ignored.
pub fn frontend_env_file(stage: &str) -> String {
    format!(".env.{stage}.local")
}

/// `KEY=value` lines, sorted, as Vite's dotenv reads them.
pub fn render_dotenv(env: &BTreeMap<String, String>) -> String {
    let mut out = String::from(
        "# Written by lamina from the stage's outputs and [frontend.env.<stage>]; do not edit.\n",
    );
    for (k, v) in env {
        if v.chars().any(|c| c.is_whitespace() || c == '#' || c == '"') {
            out.push_str(&format!(
                "{k}={}\n",
                serde_json::to_string(v).expect("a string")
            ));
        } else {
            out.push_str(&format!("{k}={v}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_the_oidc_ones_and_the_projects() {
        let text = "[project]\nname = \"rides\"\nowner = \"o\"\nregion = \"eu-west-1\"\n[stages.dev]\n[auth.scopes]\nread = \"r\"\nwrite = \"w\"\n";
        let config = LoadedConfig::parse(
            text,
            std::path::Path::new("lamina.toml"),
            std::path::Path::new("."),
        )
        .unwrap();
        assert_eq!(
            frontend_scopes(&config),
            "openid email profile rides/read rides/write"
        );
    }

    #[test]
    fn values_with_spaces_are_quoted() {
        let mut env = BTreeMap::new();
        env.insert("VITE_APP_TITLE".into(), "rides (dev)".into());
        env.insert("VITE_API_URL".into(), "https://x.example".into());
        let text = render_dotenv(&env);
        assert!(text.contains("VITE_APP_TITLE=\"rides (dev)\"\n"), "{text}");
        assert!(text.contains("VITE_API_URL=https://x.example\n"), "{text}");
    }
}

//! `lamina token`: a token of a test user for the local Cognito, signed with the keys that
//! `lamina dev` uses, to paste into `curl -H "Authorization: Bearer …"`.

use lamina_auth::{CognitoSettings, LocalPool, TokenKind};
use lamina_config::{LoadedConfig, did_you_mean};

use crate::cli::TokenArgs;
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn run(
    config: &LoadedConfig,
    args: &TokenArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let token = token(config, args)?;
    printer.data(&token);
    Ok(())
}

/// The token, with the same claims a sign-in through the local pool gives.
fn token(config: &LoadedConfig, args: &TokenArgs) -> Result<String, CliError> {
    config.stage(&args.stage)?;
    if let Some(issuer) = &config.config.auth.dev_issuer {
        return Err(CliError::user(format!(
            "`lamina dev` of this project uses the user pool `{issuer}`, not a local one"
        ))
        .hint("sign in to that pool for a token, or remove `auth.dev_issuer` from lamina.toml"));
    }
    let settings = CognitoSettings::from_config(config, &args.stage, args.port);
    let pool = LocalPool::open(settings).map_err(|e| {
        let hint = e.hint();
        CliError::internal(e.to_string()).maybe_hint(hint)
    })?;
    if pool.user(&args.user).is_none() {
        let names: Vec<&str> = pool
            .settings()
            .users
            .iter()
            .map(|u| u.username.as_str())
            .collect();
        let hint = if names.is_empty() {
            "add a user under `[[auth.test_users]]` in lamina.toml".to_owned()
        } else if let Some(close) = did_you_mean(&args.user, names.iter().copied()) {
            format!("did you mean `{close}`? Test users: {}", names.join(", "))
        } else {
            format!("test users: {}", names.join(", "))
        };
        return Err(CliError::user(format!("unknown test user `{}`", args.user)).hint(hint));
    }
    let scopes = match &args.scopes {
        None => pool.default_scopes(),
        Some(scopes) => pool.resolve_scopes(scopes).map_err(|e| {
            CliError::user(e.to_string()).hint(format!(
                "scopes of this project: {}",
                pool.allowed_scopes().join(", ")
            ))
        })?,
    };
    let kind = if args.id {
        TokenKind::Id
    } else {
        TokenKind::Access
    };
    pool.token(&args.user, &scopes, kind)
        .map_err(|e| CliError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;

    const CONFIG: &str = r#"
[project]
name = "rides"
owner = "team"
region = "eu-west-1"

[stages.dev]

[auth]
groups = ["admin"]
scopes = { write = "Change rides" }

[[auth.test_users]]
username = "alice"
email = "alice@example.com"
groups = ["admin"]
password = "pw"
"#;

    fn args(user: &str, scopes: Option<&[&str]>, id: bool) -> TokenArgs {
        TokenArgs {
            user: user.into(),
            scopes: scopes.map(|s| s.iter().map(|x| (*x).to_owned()).collect()),
            id,
            stage: "dev".into(),
            port: lamina_auth::DEFAULT_PORT,
        }
    }

    #[tokio::test]
    async fn prints_a_token_the_local_pool_accepts() {
        let dir = tempfile::tempdir().unwrap();
        let config = LoadedConfig::parse(CONFIG, Path::new("lamina.toml"), dir.path()).unwrap();
        let access = token(&config, &args("alice", Some(&["write"]), false)).unwrap();
        let id = token(&config, &args("alice", None, true)).unwrap();
        // The keys were made once, under the project's `.lamina/auth/`, and are reused.
        assert!(dir.path().join(".lamina/auth/access.pem").is_file());

        let settings = CognitoSettings::from_config(&config, "dev", lamina_auth::DEFAULT_PORT);
        assert_eq!(settings.issuer, lamina_auth::local_issuer(3001, "rides"));
        let verifier = LocalPool::open(settings).unwrap().verifier(Duration::ZERO);
        let authorized = verifier
            .authorize(Some(&access), &["rides/write".into()])
            .await
            .unwrap();
        assert_eq!(authorized.claims["scope"], "rides/write");
        assert_eq!(authorized.claims["cognito:groups"], "[admin]");
        let authorized = verifier.authorize(Some(&id), &[]).await.unwrap();
        assert_eq!(authorized.claims["token_use"], "id");
        assert_eq!(
            authorized.claims["aud"],
            lamina_auth::local_client_id("rides")
        );

        let unknown = token(&config, &args("alise", None, false)).unwrap_err();
        assert_eq!(
            unknown.hint.as_deref(),
            Some("did you mean `alice`? Test users: alice")
        );
        assert!(token(&config, &args("alice", Some(&["delete"]), false)).is_err());
    }
}

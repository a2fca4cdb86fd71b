//! The local user pool: its settings, the tokens it issues ([`LocalPool`]) and its server
//! ([`serve`]). Spec §6.

mod page;
mod server;
mod store;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lamina_config::LoadedConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

pub use server::{serve, serve_pool};

use crate::error::AuthError;
use crate::ids::{self, local_client_id, local_issuer, local_m2m_client_id};
use crate::jwt;
use crate::keys::{Jwks, PoolKeys};
use crate::verifier::JwtVerifier;

/// The OIDC scopes a Cognito app client can allow, besides its resource servers' scopes.
pub(crate) const STANDARD_SCOPES: [&str; 5] = [
    "openid",
    "email",
    "phone",
    "profile",
    "aws.cognito.signin.user.admin",
];

/// What the local pool is made of: `[auth]` of `lamina.toml` for one stage, plus where it lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoSettings {
    /// The project name: it derives the client ids and names the resource server.
    pub project: String,
    /// `http://127.0.0.1:<port>/<pool id>`; see [`local_issuer`].
    pub issuer: String,
    /// Where the signing keys and refresh tokens are kept (`.lamina/auth/`).
    pub keys_dir: PathBuf,
    /// Cognito groups of the pool.
    pub groups: Vec<String>,
    /// Short names of the resource server's scopes (`write`); tokens carry `<project>/write`.
    pub scopes: Vec<String>,
    pub access_token_minutes: u32,
    pub id_token_minutes: u32,
    pub refresh_token_days: u32,
    /// A refresh returns a new refresh token and the old one stops working at once.
    pub refresh_token_rotation: bool,
    pub users: Vec<LocalUser>,
    /// The stage's callback URLs: `redirect_uri` must be one of them, exactly.
    pub callback_urls: Vec<String>,
    /// The stage's sign-out URLs: `logout_uri` must be one of them, exactly.
    pub logout_urls: Vec<String>,
}

/// A test user of `lamina.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalUser {
    pub username: String,
    pub email: String,
    pub groups: Vec<String>,
    pub password: String,
}

impl CognitoSettings {
    /// The settings of the local pool for `stage`, served on `127.0.0.1:<port>`.
    pub fn from_config(config: &LoadedConfig, stage: &str, port: u16) -> Self {
        let auth = &config.config.auth;
        let project = config.project_name().to_owned();
        let urls = auth.urls.get(stage);
        let strings = |list: Option<&Vec<lamina_config::Spanned<String>>>| -> Vec<String> {
            list.into_iter()
                .flatten()
                .map(|u| u.get_ref().clone())
                .collect()
        };
        Self {
            issuer: local_issuer(port, &project),
            keys_dir: config.root.join(".lamina").join("auth"),
            groups: auth.groups.clone(),
            scopes: auth.scopes.keys().cloned().collect(),
            access_token_minutes: auth.access_token_minutes,
            id_token_minutes: auth.id_token_minutes,
            refresh_token_days: auth.refresh_token_days,
            refresh_token_rotation: auth.refresh_token_rotation,
            users: auth
                .test_users
                .iter()
                .map(|u| LocalUser {
                    username: u.username.get_ref().clone(),
                    email: u.email.clone(),
                    groups: u.groups.iter().map(|g| g.get_ref().clone()).collect(),
                    password: u.password.clone(),
                })
                .collect(),
            callback_urls: strings(urls.map(|u| &u.callback)),
            logout_urls: strings(urls.map(|u| &u.logout)),
            project,
        }
    }
}

/// Which token `lamina token` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Id,
}

/// Tokens of one sign-in.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    /// Only when the scopes include `openid`, as on Cognito.
    pub id_token: Option<String>,
}

/// One authentication of a user and what was granted, kept across refreshes: `auth_time`,
/// `origin_jti` and `event_id` stay the same for every token refreshed from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Grant {
    pub(crate) client_id: String,
    pub(crate) username: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) auth_time: u64,
    pub(crate) origin_jti: String,
    pub(crate) event_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nonce: Option<String>,
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The local pool's keys and clients: issues tokens with Cognito's claims. The server uses it, and
/// so does `lamina token`, so a printed token is exactly what a sign-in would have given.
#[derive(Debug, Clone)]
pub struct LocalPool {
    settings: CognitoSettings,
    keys: PoolKeys,
    client_id: String,
    m2m_client_id: String,
    m2m_client_secret: String,
}

impl LocalPool {
    /// Loads the pool's keys from `settings.keys_dir`, making them the first time (2048-bit RSA;
    /// a second or two).
    pub fn open(settings: CognitoSettings) -> Result<Self, AuthError> {
        let keys = PoolKeys::load_or_create(&settings.keys_dir)?;
        // The secret is derived from a private key: stable across restarts, unknowable without
        // the keys dir, and no extra file to keep.
        let mut material = Vec::new();
        for counter in 0u8..2 {
            material.extend(
                Sha256::new()
                    .chain_update(b"lamina local m2m client secret")
                    .chain_update(keys.access.fingerprint)
                    .chain_update([counter])
                    .finalize(),
            );
        }
        const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
        let m2m_client_secret = material
            .iter()
            .take(51)
            .map(|b| char::from(BASE36[usize::from(*b) % 36]))
            .collect();
        Ok(Self {
            client_id: local_client_id(&settings.project),
            m2m_client_id: local_m2m_client_id(&settings.project),
            m2m_client_secret,
            keys,
            settings,
        })
    }

    pub fn settings(&self) -> &CognitoSettings {
        &self.settings
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// The public app client (the frontend's): code grant with PKCE, refresh, no secret.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The confidential client for `client_credentials`.
    pub fn m2m_client_id(&self) -> &str {
        &self.m2m_client_id
    }

    pub fn m2m_client_secret(&self) -> &str {
        &self.m2m_client_secret
    }

    /// The public keys, as served at `<issuer>/.well-known/jwks.json`: ID key first, then access.
    pub fn jwks(&self) -> Jwks {
        self.keys.jwks()
    }

    /// A verifier for this pool's tokens without HTTP: audiences are both clients.
    pub fn verifier(&self, leeway: Duration) -> JwtVerifier {
        JwtVerifier::with_jwks(
            self.settings.issuer.clone(),
            vec![self.client_id.clone(), self.m2m_client_id.clone()],
            leeway,
            &self.jwks(),
        )
    }

    /// The resource server's scopes in full: `<project>/<name>`.
    pub fn custom_scopes(&self) -> Vec<String> {
        let server = ids::resource_server(&self.settings.project);
        self.settings
            .scopes
            .iter()
            .map(|s| format!("{server}/{s}"))
            .collect()
    }

    /// Every scope the public client may ask for.
    pub fn allowed_scopes(&self) -> Vec<String> {
        STANDARD_SCOPES
            .iter()
            .map(|s| (*s).to_owned())
            .chain(self.custom_scopes())
            .collect()
    }

    /// What a sign-in grants when no scope is asked for: `openid email profile` and every custom
    /// scope.
    pub fn default_scopes(&self) -> Vec<String> {
        ["openid", "email", "profile"]
            .into_iter()
            .map(str::to_owned)
            .chain(self.custom_scopes())
            .collect()
    }

    /// Resolves scopes as a person types them: standard ones as they are, a short name as
    /// `<project>/<name>`, a full name as it is. Unknown scopes are an error.
    pub fn resolve_scopes(&self, requested: &[String]) -> Result<Vec<String>, AuthError> {
        let allowed = self.allowed_scopes();
        let mut resolved: Vec<String> = Vec::new();
        for scope in requested {
            let scope = scope.trim();
            let full = if STANDARD_SCOPES.contains(&scope) || scope.contains('/') {
                scope.to_owned()
            } else {
                lamina_config::full_scope(ids::resource_server(&self.settings.project), scope)
            };
            if !allowed.contains(&full) {
                return Err(AuthError::UnknownScope(scope.to_owned()));
            }
            if !resolved.contains(&full) {
                resolved.push(full);
            }
        }
        Ok(resolved)
    }

    pub fn user(&self, username: &str) -> Option<&LocalUser> {
        self.settings.users.iter().find(|u| u.username == username)
    }

    /// A user's `sub`: a UUID that stays the same for the same project and user name.
    pub fn sub(&self, username: &str) -> String {
        ids::stable_uuid(&format!(
            "lamina sub\0{}\0{username}",
            self.settings.project
        ))
    }

    /// The tokens a fresh sign-in of `username` with `scopes` (already resolved) gives.
    pub fn sign_in(&self, username: &str, scopes: &[String]) -> Result<IssuedTokens, AuthError> {
        let grant = self.new_grant(username, scopes.to_vec(), None)?;
        self.issue(&grant)
    }

    /// One token for `lamina token`.
    pub fn token(
        &self,
        username: &str,
        scopes: &[String],
        kind: TokenKind,
    ) -> Result<String, AuthError> {
        let grant = self.new_grant(username, scopes.to_vec(), None)?;
        let user = self
            .user(username)
            .ok_or_else(|| AuthError::UnknownUser(username.to_owned()))?;
        let now = now();
        Ok(match kind {
            TokenKind::Access => self.access_token(&grant, user, now),
            TokenKind::Id => self.id_token(&grant, user, now),
        })
    }

    pub(crate) fn new_grant(
        &self,
        username: &str,
        scopes: Vec<String>,
        nonce: Option<String>,
    ) -> Result<Grant, AuthError> {
        if self.user(username).is_none() {
            return Err(AuthError::UnknownUser(username.to_owned()));
        }
        Ok(Grant {
            client_id: self.client_id.clone(),
            username: username.to_owned(),
            scopes,
            auth_time: now(),
            origin_jti: ids::random_uuid(),
            event_id: ids::random_uuid(),
            nonce,
        })
    }

    /// Access token, and an ID token when `openid` was granted.
    pub(crate) fn issue(&self, grant: &Grant) -> Result<IssuedTokens, AuthError> {
        let user = self
            .user(&grant.username)
            .ok_or_else(|| AuthError::UnknownUser(grant.username.clone()))?;
        let now = now();
        Ok(IssuedTokens {
            access_token: self.access_token(grant, user, now),
            id_token: grant
                .scopes
                .iter()
                .any(|s| s == "openid")
                .then(|| self.id_token(grant, user, now)),
        })
    }

    fn groups(claims: &mut Map<String, Value>, user: &LocalUser) {
        // Cognito leaves the claim out for a user in no group.
        if !user.groups.is_empty() {
            claims.insert("cognito:groups".into(), json!(user.groups));
        }
    }

    fn access_token(&self, grant: &Grant, user: &LocalUser, now: u64) -> String {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(self.sub(&user.username)));
        Self::groups(&mut claims, user);
        claims.insert("iss".into(), json!(self.settings.issuer));
        claims.insert("client_id".into(), json!(grant.client_id));
        claims.insert("origin_jti".into(), json!(grant.origin_jti));
        claims.insert("event_id".into(), json!(grant.event_id));
        claims.insert("token_use".into(), json!("access"));
        claims.insert("scope".into(), json!(grant.scopes.join(" ")));
        claims.insert("auth_time".into(), json!(grant.auth_time));
        claims.insert(
            "exp".into(),
            json!(now + u64::from(self.settings.access_token_minutes) * 60),
        );
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(ids::random_uuid()));
        claims.insert("username".into(), json!(user.username));
        jwt::sign(&self.keys.access.kid, &self.keys.access.signing, &claims)
    }

    fn id_token(&self, grant: &Grant, user: &LocalUser, now: u64) -> String {
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(self.sub(&user.username)));
        Self::groups(&mut claims, user);
        claims.insert("email_verified".into(), json!(true));
        claims.insert("iss".into(), json!(self.settings.issuer));
        claims.insert("cognito:username".into(), json!(user.username));
        if let Some(nonce) = &grant.nonce {
            claims.insert("nonce".into(), json!(nonce));
        }
        claims.insert("origin_jti".into(), json!(grant.origin_jti));
        claims.insert("aud".into(), json!(grant.client_id));
        claims.insert("event_id".into(), json!(grant.event_id));
        claims.insert("token_use".into(), json!("id"));
        claims.insert("auth_time".into(), json!(grant.auth_time));
        claims.insert(
            "exp".into(),
            json!(now + u64::from(self.settings.id_token_minutes) * 60),
        );
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(ids::random_uuid()));
        claims.insert("email".into(), json!(user.email));
        jwt::sign(&self.keys.id.kid, &self.keys.id.signing, &claims)
    }

    /// A `client_credentials` access token: the client is its own subject; no user claims.
    pub(crate) fn m2m_token(&self, scopes: &[String]) -> String {
        let now = now();
        let mut claims = Map::new();
        claims.insert("sub".into(), json!(self.m2m_client_id));
        claims.insert("token_use".into(), json!("access"));
        claims.insert("scope".into(), json!(scopes.join(" ")));
        claims.insert("auth_time".into(), json!(now));
        claims.insert("iss".into(), json!(self.settings.issuer));
        claims.insert(
            "exp".into(),
            json!(now + u64::from(self.settings.access_token_minutes) * 60),
        );
        claims.insert("iat".into(), json!(now));
        claims.insert("jti".into(), json!(ids::random_uuid()));
        claims.insert("client_id".into(), json!(self.m2m_client_id));
        jwt::sign(&self.keys.access.kid, &self.keys.access.signing, &claims)
    }

    pub(crate) fn access_seconds(&self) -> u64 {
        u64::from(self.settings.access_token_minutes) * 60
    }
}

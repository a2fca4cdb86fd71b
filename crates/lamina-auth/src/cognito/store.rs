//! What the server remembers: authorization codes and sign-in sessions (in memory), refresh tokens
//! and revocations (in `refresh-tokens.json` beside the keys, so a restart of `lamina dev` does not
//! sign everyone out).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Grant, now};
use crate::ids;
use crate::keys::write_replace;

/// Authorization codes are single use and live 5 minutes, as on Cognito.
pub(crate) const CODE_SECONDS: u64 = 5 * 60;
/// The hosted UI's session cookie lives 1 hour, as on Cognito.
pub(crate) const SESSION_SECONDS: u64 = 60 * 60;

#[derive(Debug, Clone)]
pub(crate) struct PendingCode {
    pub(crate) grant: Grant,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Option<String>,
    pub(crate) expires_at: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct LoginSession {
    pub(crate) username: String,
    pub(crate) auth_time: u64,
    pub(crate) expires_at: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct RefreshRecord {
    grant: Grant,
    expires_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Persisted {
    refresh_tokens: HashMap<String, RefreshRecord>,
    /// `origin_jti`s of revoked refresh tokens: their access tokens are refused by `userInfo`.
    revoked_origins: HashSet<String>,
}

#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    codes: HashMap<String, PendingCode>,
    sessions: HashMap<String, LoginSession>,
    persisted: Persisted,
}

impl Store {
    pub(crate) fn open(path: PathBuf) -> Self {
        let persisted = match fs_err::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), "ignoring unreadable refresh tokens: {e}");
                Persisted::default()
            }),
            Err(_) => Persisted::default(),
        };
        Self {
            path,
            codes: HashMap::new(),
            sessions: HashMap::new(),
            persisted,
        }
    }

    fn save(&mut self) {
        let now = now();
        self.persisted
            .refresh_tokens
            .retain(|_, record| record.expires_at > now);
        match serde_json::to_vec_pretty(&self.persisted) {
            Ok(bytes) => {
                if let Err(e) = write_replace(&self.path, &bytes) {
                    tracing::warn!("cannot save the local Cognito's refresh tokens: {e}");
                }
            }
            Err(e) => tracing::warn!("cannot save the local Cognito's refresh tokens: {e}"),
        }
    }

    pub(crate) fn add_code(&mut self, code: PendingCode) -> String {
        let now = now();
        self.codes.retain(|_, c| c.expires_at > now);
        let id = ids::random_uuid();
        self.codes.insert(id.clone(), code);
        id
    }

    /// Takes a code out: it is gone whatever the exchange then decides.
    pub(crate) fn take_code(&mut self, code: &str) -> Option<PendingCode> {
        self.codes.remove(code).filter(|c| c.expires_at > now())
    }

    pub(crate) fn add_session(&mut self, username: &str, auth_time: u64) -> String {
        let now = now();
        self.sessions.retain(|_, s| s.expires_at > now);
        let id = ids::random_token(32);
        self.sessions.insert(
            id.clone(),
            LoginSession {
                username: username.to_owned(),
                auth_time,
                expires_at: now + SESSION_SECONDS,
            },
        );
        id
    }

    pub(crate) fn session(&self, id: &str) -> Option<LoginSession> {
        self.sessions
            .get(id)
            .filter(|s| s.expires_at > now())
            .cloned()
    }

    pub(crate) fn end_session(&mut self, id: &str) {
        self.sessions.remove(id);
    }

    /// Stores a new refresh token for `grant` and returns it. Cognito's are opaque JWE strings;
    /// these look alike (five base64url parts) and mean nothing without this store.
    pub(crate) fn add_refresh(&mut self, grant: Grant, days: u32) -> String {
        let header = crate::jwt::b64(br#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
        let token = format!(
            "{header}.{}.{}.{}.{}",
            ids::random_token(192),
            ids::random_token(12),
            ids::random_token(384),
            ids::random_token(16)
        );
        self.persisted.refresh_tokens.insert(
            token.clone(),
            RefreshRecord {
                grant,
                expires_at: now() + u64::from(days) * 24 * 60 * 60,
            },
        );
        self.save();
        token
    }

    /// The grant of a live refresh token.
    pub(crate) fn refresh(&self, token: &str) -> Option<Grant> {
        self.persisted
            .refresh_tokens
            .get(token)
            .filter(|r| r.expires_at > now())
            .map(|r| r.grant.clone())
    }

    /// Replaces a refresh token by a new one for the same grant (rotation with no grace period).
    pub(crate) fn rotate(&mut self, old: &str, grant: Grant, days: u32) -> String {
        self.persisted.refresh_tokens.remove(old);
        self.add_refresh(grant, days)
    }

    /// Revokes a refresh token and the access tokens issued from it.
    pub(crate) fn revoke(&mut self, token: &str) -> Option<Grant> {
        let record = self.persisted.refresh_tokens.remove(token)?;
        // Every refresh token of the same sign-in goes too (rotation makes a chain of them).
        let origin = record.grant.origin_jti.clone();
        self.persisted
            .refresh_tokens
            .retain(|_, r| r.grant.origin_jti != origin);
        self.persisted.revoked_origins.insert(origin);
        self.save();
        Some(record.grant)
    }

    pub(crate) fn is_revoked(&self, origin_jti: &str) -> bool {
        self.persisted.revoked_origins.contains(origin_jti)
    }
}

//! A local Cognito user pool (OIDC provider) and API Gateway's JWT authorizer, for `lamina dev`.
//!
//! Two halves that meet at a JWKS:
//!
//! * [`JwtVerifier`] is what the local gateway runs in front of every route that needs a token. It
//!   follows the HTTP API JWT authorizer (spec §3): RSA keys from the issuer's `jwks_uri`, exact
//!   `iss`, `aud` or else `client_id` among the audiences, `exp`/`nbf`/`iat`, route scopes (403),
//!   and the claims flattened to strings the way AWS hands them to Lambda. It does not look at
//!   `token_use`, so an ID token passes a route without scopes, as on AWS.
//! * [`serve`] runs a stand-in for a Cognito user pool and its hosted UI (spec §6): discovery,
//!   JWKS, a login page for the test users of `lamina.toml`, the code grant with PKCE, refresh
//!   with rotation, client credentials, `userInfo`, `logout` and `revoke`. [`LocalPool`] issues the
//!   same tokens without a server, for `lamina token`.
//!
//! Ids are derived from the project name ([`local_client_id`], [`local_issuer`]), so the gateway and
//! the frontend know them before the server runs. The signing keys live in `.lamina/auth/` and
//! survive restarts, so a token printed yesterday still verifies while it has not expired.

mod claims;
mod cognito;
mod error;
mod ids;
mod jwt;
mod keys;
mod verifier;

pub use claims::flatten_claims;
pub use cognito::{
    CognitoSettings, IssuedTokens, LocalPool, LocalUser, TokenKind, serve, serve_pool,
};
pub use error::AuthError;
pub use ids::{
    DEFAULT_PORT, local_client_id, local_issuer, local_m2m_client_id, local_pool_id,
    resource_server,
};
pub use keys::{Jwk, Jwks};
pub use verifier::{AuthFailure, Authorized, JwtVerifier};

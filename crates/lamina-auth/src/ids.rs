//! Names of the local pool that other parts of Lamina must know without asking the server: the
//! pool id, the issuer and the app client ids are all derived from the project name.

use sha2::{Digest, Sha256};

/// Port of the local Cognito of `lamina dev` unless told otherwise. It is part of the issuer, so
/// a token only verifies against a pool on the port it was made for.
pub const DEFAULT_PORT: u16 = 3001;

const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn derive(salt: &str, project: &str, alphabet: &[u8], len: usize) -> String {
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update([0])
        .chain_update(project)
        .finalize();
    digest
        .iter()
        .take(len)
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect()
}

/// The id of the local user pool, shaped like Cognito's `us-east-1_HblcSIjTD`: `local_` and nine
/// letters and digits derived from the project name.
pub fn local_pool_id(project: &str) -> String {
    format!(
        "local_{}",
        derive("lamina local user pool", project, BASE62, 9)
    )
}

/// The issuer of the local pool: `http://127.0.0.1:<port>/<pool id>`. Like Cognito's
/// `https://cognito-idp.<region>.amazonaws.com/<pool id>` it has the pool id as its path, so code
/// that splits the issuer works the same locally and on AWS.
pub fn local_issuer(port: u16, project: &str) -> String {
    format!("http://127.0.0.1:{port}/{}", local_pool_id(project))
}

/// The id of the local pool's public app client (the frontend's, no secret): 26 lowercase letters
/// and digits, like Cognito's. It is the audience the gateway checks.
pub fn local_client_id(project: &str) -> String {
    derive("lamina local app client", project, BASE36, 26)
}

/// The id of the local pool's confidential machine-to-machine client (`client_credentials`). Its
/// secret depends on the pool's keys; see [`crate::LocalPool::m2m_client_secret`].
pub fn local_m2m_client_id(project: &str) -> String {
    derive("lamina local m2m client", project, BASE36, 26)
}

/// The identifier of the resource server whose scopes the pool issues: the project name, so that
/// scope `write` travels as `<project>/write`.
pub fn resource_server(project: &str) -> &str {
    project
}

/// A random UUID (version 4), as Cognito uses for `jti`, `origin_jti` and `event_id`.
pub(crate) fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

/// A UUID that is always the same for the same input, for a user's `sub`.
pub(crate) fn stable_uuid(seed: &str) -> String {
    let digest = Sha256::digest(seed.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

fn format_uuid(b: &[u8; 16]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random opaque string: `bytes` random bytes in base64url.
pub(crate) fn random_token(bytes: usize) -> String {
    use base64::Engine as _;
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_shaped_like_cognito() {
        let id = local_client_id("rides");
        assert_eq!(id, local_client_id("rides"));
        assert_ne!(id, local_client_id("shop"));
        assert_ne!(id, local_m2m_client_id("rides"));
        assert_eq!(id.len(), 26);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let pool = local_pool_id("rides");
        assert!(pool.starts_with("local_") && pool.len() == 15, "{pool}");
        assert_eq!(
            local_issuer(3001, "rides"),
            format!("http://127.0.0.1:3001/{pool}")
        );
        let sub = stable_uuid("x");
        assert_eq!(sub, stable_uuid("x"));
        assert_eq!(sub.len(), 36);
        assert_eq!(&sub[14..15], "4");
    }
}

//! Compact JWS: just enough to sign RS256 tokens and to take tokens apart for verification.
//!
//! Hand-written rather than a JWT library so that every check the authorizer makes is one we chose
//! (spec §3), and so that nothing here can be talked into `none` or HMAC.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Sha256, Sha384, Sha512};

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// The RSA algorithms API Gateway accepts; everything else is refused before a key is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Rs256,
    Rs384,
    Rs512,
}

impl Alg {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            "RS256" => Some(Self::Rs256),
            "RS384" => Some(Self::Rs384),
            "RS512" => Some(Self::Rs512),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    /// PKCS#1 v1.5 verification with this algorithm's hash.
    pub(crate) fn verify(self, key: &RsaPublicKey, input: &[u8], signature: &[u8]) -> bool {
        let Ok(signature) = Signature::try_from(signature) else {
            return false;
        };
        let key = key.clone();
        match self {
            Self::Rs256 => VerifyingKey::<Sha256>::new(key).verify(input, &signature),
            Self::Rs384 => VerifyingKey::<Sha384>::new(key).verify(input, &signature),
            Self::Rs512 => VerifyingKey::<Sha512>::new(key).verify(input, &signature),
        }
        .is_ok()
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Header {
    pub(crate) alg: String,
    pub(crate) kid: Option<String>,
}

/// A token taken apart, not yet trusted.
#[derive(Debug)]
pub(crate) struct Parsed<'a> {
    pub(crate) header: Header,
    pub(crate) claims: Map<String, Value>,
    /// `header.payload`, the bytes the signature covers.
    pub(crate) signing_input: &'a str,
    pub(crate) signature: Vec<u8>,
}

/// Splits a compact JWS into its parts; `Err` says what is wrong with it, for logs.
pub(crate) fn parse(token: &str) -> Result<Parsed<'_>, &'static str> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the token is not three base64url parts separated by dots");
    };
    let signing_input = &token[..header.len() + 1 + payload.len()];
    let header: Header = unb64(header)
        .and_then(|h| serde_json::from_slice(&h).ok())
        .ok_or("the token's header is not base64url JSON with an `alg`")?;
    let claims: Map<String, Value> = unb64(payload)
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or("the token's payload is not a base64url JSON object")?;
    let signature = unb64(signature).ok_or("the token's signature is not base64url")?;
    Ok(Parsed {
        header,
        claims,
        signing_input,
        signature,
    })
}

/// Signs `claims` with RS256 under `kid`. The header is written by hand to keep Cognito's order
/// (`{"kid":…,"alg":"RS256"}`); a kid is base64, which needs no JSON escaping.
pub(crate) fn sign(kid: &str, key: &SigningKey<Sha256>, claims: &Map<String, Value>) -> String {
    let header = format!(r#"{{"kid":"{kid}","alg":"RS256"}}"#);
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let input = format!("{}.{}", b64(header.as_bytes()), b64(&payload));
    let signature = key.sign(input.as_bytes()).to_bytes();
    format!("{input}.{}", b64(&signature))
}

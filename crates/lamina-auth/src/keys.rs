//! The pool's two RSA key pairs (one for ID tokens, one for access tokens, as Cognito has), kept
//! under `.lamina/auth/` so tokens survive a restart, and the JWKS that publishes them.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::AuthError;
use crate::jwt::{b64, unb64};

/// A JSON Web Key Set, as served at `<issuer>/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One key of a [`Jwks`]; fields in Cognito's order. Only RSA keys are used; others are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    pub kty: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

impl Jwks {
    /// Parses a JWKS document.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl Jwk {
    /// The JWK of an RSA public key, as Cognito publishes it (`alg` RS256, `use` sig).
    pub fn from_rsa(kid: &str, key: &RsaPublicKey) -> Self {
        Self {
            kid: Some(kid.to_owned()),
            alg: Some("RS256".to_owned()),
            kty: "RSA".to_owned(),
            e: Some(b64(&key.e().to_bytes_be())),
            n: Some(b64(&key.n().to_bytes_be())),
            use_: Some("sig".to_owned()),
        }
    }

    /// The RSA public key, when this is a usable RSA signing key.
    pub(crate) fn rsa(&self) -> Option<RsaPublicKey> {
        if self.kty != "RSA" || self.use_.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        let n = BigUint::from_bytes_be(&unb64(self.n.as_deref()?)?);
        let e = BigUint::from_bytes_be(&unb64(self.e.as_deref()?)?);
        RsaPublicKey::new(n, e).ok()
    }
}

/// One key pair of the pool.
#[derive(Debug, Clone)]
pub(crate) struct KeyPair {
    pub(crate) kid: String,
    pub(crate) signing: SigningKey<Sha256>,
    pub(crate) public: RsaPublicKey,
    /// SHA-256 of the private key, from which the pool derives its client secret.
    pub(crate) fingerprint: [u8; 32],
}

impl KeyPair {
    fn new(private: RsaPrivateKey) -> Result<Self, String> {
        let public = private.to_public_key();
        let der = public.to_public_key_der().map_err(|e| e.to_string())?;
        // Cognito's kids are base64 of 32 bytes (`1234example=`-shaped); a hash of the key is one.
        let kid = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            Sha256::digest(der.as_bytes()),
        );
        let secret = private.to_pkcs8_der().map_err(|e| e.to_string())?;
        let fingerprint = Sha256::digest(secret.as_bytes()).into();
        Ok(Self {
            kid,
            signing: SigningKey::<Sha256>::new(private),
            public,
            fingerprint,
        })
    }

    pub(crate) fn jwk(&self) -> Jwk {
        Jwk::from_rsa(&self.kid, &self.public)
    }
}

/// The ID-token key and the access-token key.
#[derive(Debug, Clone)]
pub(crate) struct PoolKeys {
    pub(crate) id: KeyPair,
    pub(crate) access: KeyPair,
}

impl PoolKeys {
    /// Loads `id.pem` and `access.pem` from `dir`, making the missing ones.
    pub(crate) fn load_or_create(dir: &Path) -> Result<Self, AuthError> {
        Ok(Self {
            id: load_or_create(&dir.join("id.pem"))?,
            access: load_or_create(&dir.join("access.pem"))?,
        })
    }

    pub(crate) fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![self.id.jwk(), self.access.jwk()],
        }
    }
}

const BITS: usize = 2048;

fn load_or_create(path: &Path) -> Result<KeyPair, AuthError> {
    let io = |source| AuthError::Keys {
        path: path.to_path_buf(),
        source,
    };
    let bad = |message: String| AuthError::BadKey {
        path: path.to_path_buf(),
        message,
    };
    if !path.exists() {
        let dir = path.parent().unwrap_or(Path::new("."));
        fs_err::create_dir_all(dir).map_err(io)?;
        tracing::info!(path = %path.display(), "generating an RSA key for the local Cognito");
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, BITS)
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| AuthError::KeyGeneration(e.to_string()))?;
        write_new(path, pem.as_bytes()).map_err(io)?;
    }
    // Read back even after writing: if another process (`lamina token` beside `lamina dev`) made
    // the key first, its key is the one to use.
    let pem = fs_err::read_to_string(path).map_err(io)?;
    let private = RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| bad(e.to_string()))?;
    KeyPair::new(private).map_err(bad)
}

/// Writes a private file (0600) next to `path`, then links it into place only if `path` does not
/// exist yet: two processes that race to make a key agree on one of them, and a reader never sees
/// half a file.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = temp_path(path);
    let mut options = fs_err::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use fs_err::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    let linked = fs_err::hard_link(&temp, path);
    let _ = fs_err::remove_file(&temp);
    match linked {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Replaces `path` with `bytes` atomically (temp file + rename), readable by the owner only.
pub(crate) fn write_replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs_err::create_dir_all(dir)?;
    }
    let temp = temp_path(path);
    let mut options = fs_err::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use fs_err::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temp)?;
    file.write_all(bytes)?;
    drop(file);
    fs_err::rename(&temp, path)
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        rand::random::<u32>()
    ))
}

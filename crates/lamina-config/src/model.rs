//! The shape of `lamina.toml`, as the user writes it.
//!
//! Values that later checks must point at are kept as [`Spanned`]. Every table denies unknown
//! keys, so a typo is an error with a "did you mean" hint rather than a silently ignored setting.
//! Doc comments here become the JSON Schema's descriptions, which editors show on hover.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A `lamina.toml` file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "lamina.toml",
    description = "Configuration of a Lamina project: FastAPI domains on AWS Lambda, a React frontend, Cognito and API Gateway, per stage."
)]
pub struct Config {
    /// The project: name, owner, region, Python version and architecture.
    pub project: Project,
    /// Deployment stages by name (`dev`, `staging`, `prod`, or any other).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Stage>")]
    pub stages: BTreeMap<Spanned<String>, Stage>,
    /// Backend domains by name: one FastAPI app and one Lambda function each.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Domain>")]
    pub domains: BTreeMap<Spanned<String>, Domain>,
    /// Lambda layers by name: pinned dependencies, or a path of shared code.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Layer>")]
    pub layers: BTreeMap<Spanned<String>, Layer>,
    /// Cognito: groups, scopes, token lifetimes, URLs per stage and local test users.
    #[serde(default)]
    pub auth: Auth,
    /// The React frontend, built and uploaded to S3 + CloudFront.
    pub frontend: Option<Frontend>,
    /// The VPC of domains that set `vpc = true` (to reach RDS or other private resources): a new
    /// one with private subnets and VPC endpoints (no NAT gateway), or an existing one.
    pub network: Option<Network>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Project name: lowercase letters, digits and dashes, 2 to 32 characters. It prefixes every AWS resource name.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"))]
    pub name: Spanned<String>,
    /// Team or person that owns the project; every AWS resource is tagged with it.
    pub owner: String,
    /// AWS region of every stage, for example `eu-west-1`.
    #[schemars(with = "String")]
    pub region: Spanned<String>,
    /// Python version of the Lambda runtime.
    #[serde(default)]
    pub python: PythonVersion,
    /// CPU architecture of every function and layer.
    #[serde(default)]
    pub architecture: Architecture,
    /// Wheels' platform, overriding the one Lamina derives from the runtime (`manylinux_2_17` and
    /// `manylinux_2_28` for python3.11 on Amazon Linux 2, glibc 2.26; `manylinux_2_34` for
    /// python3.12+ on Amazon Linux 2023). Only for wheels Lamina's choice refuses wrongly: a
    /// wheel built for a newer glibc than the runtime's fails to load on Lambda.
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^manylinux(2014|_2_(17|28|3[1-9]|40))$")
    )]
    pub platform: Option<Spanned<String>>,
}

/// A Python version that AWS Lambda runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum PythonVersion {
    #[serde(rename = "3.11")]
    Py311,
    #[default]
    #[serde(rename = "3.12")]
    Py312,
    #[serde(rename = "3.13")]
    Py313,
}

impl PythonVersion {
    pub const ALL: [Self; 3] = [Self::Py311, Self::Py312, Self::Py313];

    /// `3.12`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Py311 => "3.11",
            Self::Py312 => "3.12",
            Self::Py313 => "3.13",
        }
    }

    /// Lambda's runtime identifier, `python3.12`.
    pub fn runtime(self) -> &'static str {
        match self {
            Self::Py311 => "python3.11",
            Self::Py312 => "python3.12",
            Self::Py313 => "python3.13",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// The CPU architecture of Lambda functions and layers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum Architecture {
    #[default]
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::X86_64 => "x86_64",
            Self::Arm64 => "arm64",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "x86_64" => Some(Self::X86_64),
            "arm64" => Some(Self::Arm64),
            _ => None,
        }
    }
}

/// Log level of Powertools' logger in every function of a stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Debug,
    #[default]
    Info,
    Warning,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// The only AWS account this stage may be deployed to (12 digits). Deploy refuses any other.
    #[schemars(with = "Option<String>", regex(pattern = r"^\d{12}$"))]
    pub account_id: Option<Spanned<String>>,
    /// Powertools log level. Verbose levels in busy stages cost CloudWatch money.
    #[serde(default)]
    pub log_level: LogLevel,
    /// CloudWatch Logs retention; one of the values CloudWatch accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, ...).
    #[serde(default = "default_retention")]
    #[schemars(with = "u32")]
    pub log_retention_days: Spanned<u32>,
    /// Default memory of the stage's functions, in MB (128 to 10240).
    #[schemars(with = "Option<u32>")]
    pub memory: Option<Spanned<u32>>,
    /// Default timeout of the stage's functions, in seconds (1 to 900; API Gateway stops waiting at 30).
    #[schemars(with = "Option<u32>")]
    pub timeout: Option<Spanned<u32>>,
    /// Origins allowed by CORS on the HTTP API, for example `https://app.example.com`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub cors_origins: Vec<Spanned<String>>,
    /// Custom domain names for the API and the website.
    pub domain_names: Option<DomainNames>,
    /// Email address subscribed to the stage's alarms.
    pub alarm_email: Option<String>,
    /// A protected stage refuses `lamina destroy`, and plans that destroy data need confirmation.
    #[serde(default)]
    pub protected: bool,
}

fn default_retention() -> Spanned<u32> {
    Spanned::new(0..0, 30)
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainNames {
    /// Host name of the HTTP API, for example `api.example.com`.
    pub api: Option<String>,
    /// Host name of the website, for example `app.example.com`.
    pub web: Option<String>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Directory of the domain's code, relative to lamina.toml (it holds `handler.py`).
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Path prefix routed to this domain, `/<name>` by default.
    #[schemars(with = "Option<String>")]
    pub prefix: Option<Spanned<String>>,
    /// Memory in MB; the stage's default when absent.
    #[schemars(with = "Option<u32>")]
    pub memory: Option<Spanned<u32>>,
    /// Timeout in seconds; the stage's default when absent.
    #[schemars(with = "Option<u32>")]
    pub timeout: Option<Spanned<u32>>,
    /// Routes open to anyone, as `METHOD /path` (`GET /user/health`). Every other route needs a valid token.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub public: Vec<Spanned<String>>,
    /// Scopes a token must carry for a route, by route (`"POST /ride/rides" = ["write"]`). A scope
    /// without `/` is one of `[auth.scopes]`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Vec<String>>")]
    pub scopes: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// Environment variables of the function.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<Spanned<String>, String>,
    /// Names of SSM parameters the function may read, under `/<project>/<stage>/`. Values are set with `lamina secret`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub secrets: Vec<Spanned<String>>,
    /// Extra IAM statements for the function's role, beyond its logs, traces and secrets.
    #[serde(default)]
    pub iam: Vec<IamStatement>,
    /// Reserved concurrency: the most instances that may run at once (also the local worker pool's size).
    #[schemars(with = "Option<u32>")]
    pub reserved_concurrency: Option<Spanned<u32>>,
    /// Layers the function uses, in order (at most 5).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub layers: Vec<Spanned<String>>,
    /// Cold-start budget in ms, checked by `lamina build --profile`.
    pub init_budget_ms: Option<u32>,
    // Deployment of the domain's function (lamina deploy).
    /// Run the function in the private subnets of `[network]`, e.g. to reach a database.
    #[serde(default)]
    pub vpc: bool,
    /// Lambda SnapStart on published versions (Python 3.12 and later): a snapshot of the
    /// initialised function replaces most of the cold start.
    #[serde(default)]
    pub snap_start: bool,
    /// Instances kept initialised on the `live` alias (billed while idle); 0 or absent: none.
    #[schemars(with = "Option<u32>")]
    pub provisioned_concurrency: Option<Spanned<u32>>,

    // ---- Adoption of existing apps (issue 8): auth, per-stage env, local env, probe ----
    /// `jwt` (default): every route but `public` ones needs a valid token. `none`: the whole
    /// domain is public (the app does its own auth, or has none); `ANY <prefix>` and
    /// `ANY <prefix>/{proxy+}` are then open.
    #[schemars(with = "Option<DomainAuth>")]
    pub auth: Option<Spanned<DomainAuth>>,
    /// Values per stage (`[domains.<d>.stages.prod.env]`), over `env`. They are deployed with the
    /// stage; put passwords in `secrets`, not here.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, DomainStage>")]
    pub stages: BTreeMap<Spanned<String>, DomainStage>,
    /// A dotenv file (`KEY=value` lines), relative to lamina.toml, read by `lamina dev` and
    /// `lamina run` only, over `env`: local values such as a local database URL. Never deployed;
    /// keep it out of git.
    #[schemars(with = "Option<String>")]
    pub env_file: Option<Spanned<String>>,
    /// The path `lamina build --profile` sends its `GET` to, within the prefix;
    /// `<prefix>/health` by default.
    #[schemars(with = "Option<String>")]
    pub probe_path: Option<Spanned<String>>,
}

/// The VPC of the domains with `vpc = true`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// An existing VPC (`vpc-...`) to use instead of creating one; then `subnet_ids` is required.
    #[schemars(with = "Option<String>")]
    pub vpc_id: Option<Spanned<String>>,
    /// Private subnets of the existing VPC the functions run in.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// CIDR block of the VPC Lamina creates.
    pub cidr: Option<String>,
    /// Availability zones of the VPC Lamina creates (one private subnet each).
    pub az_count: Option<u32>,
    /// Interface VPC endpoints, by service (`ssm`, `secretsmanager`, `sqs`...). Each costs about
    /// $7 a month per availability zone. Default: `["ssm"]`, so functions can read their secrets.
    pub interface_endpoints: Option<Vec<String>>,
    /// Gateway VPC endpoints (free): `s3`, `dynamodb`. Default: both.
    pub gateway_endpoints: Option<Vec<String>>,
}

/// Who may call a domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DomainAuth {
    /// API Gateway's JWT authorizer guards every route but the `public` ones.
    #[default]
    Jwt,
    /// Every route of the domain is public.
    None,
}

/// A domain's settings for one stage.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainStage {
    /// Environment variables for this stage, over the domain's `env`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<Spanned<String>, String>,
    /// A dotenv file for this stage, read by `lamina dev` and `lamina run` only, over the
    /// domain's `env_file`. Never deployed.
    #[schemars(with = "Option<String>")]
    pub env_file: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IamStatement {
    /// `Allow` (default) or `Deny`.
    #[serde(default)]
    pub effect: Effect,
    /// Actions such as `dynamodb:GetItem`.
    pub actions: Vec<String>,
    /// Resource ARNs.
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Effect {
    #[default]
    Allow,
    Deny,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// A requirements file of pinned dependencies, relative to lamina.toml.
    #[schemars(with = "Option<String>")]
    pub requirements: Option<Spanned<String>>,
    /// A directory with a `pyproject.toml` and `uv.lock` whose dependencies form the layer.
    #[schemars(with = "Option<String>")]
    pub project: Option<Spanned<String>>,
    /// A directory of shared code; its Python package is shipped as `python/<package>`.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// Packages left out of the layer (and what only they need), for what the app never
    /// imports on Lambda: `uvloop`, `rich`, CLI extras. Its lock still pins them.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub exclude: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Cognito groups; they reach the app as the `cognito:groups` claim.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Resource-server scopes by short name, with a description. Tokens carry them as `<project>/<name>`.
    #[serde(default)]
    pub scopes: BTreeMap<String, String>,
    /// Lifetime of access tokens, in minutes (5 to 1440).
    #[serde(default = "default_token_minutes")]
    pub access_token_minutes: u32,
    /// Lifetime of ID tokens, in minutes (5 to 1440).
    #[serde(default = "default_token_minutes")]
    pub id_token_minutes: u32,
    /// Lifetime of refresh tokens, in days (1 to 3650).
    #[serde(default = "default_refresh_days")]
    pub refresh_token_days: u32,
    /// Issue a new refresh token on every refresh and invalidate the old one.
    #[serde(default = "default_true")]
    pub refresh_token_rotation: bool,
    /// Callback and logout URLs of the app client, per stage.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, AuthUrls>")]
    pub urls: BTreeMap<Spanned<String>, AuthUrls>,
    /// Users of the local Cognito of `lamina dev`. They are never deployed.
    #[serde(default)]
    pub test_users: Vec<TestUser>,
    /// Issuer of a real Cognito user pool to use in `lamina dev` instead of the local one,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub dev_issuer: Option<String>,
    /// App client ids whose tokens the local gateway accepts when `dev_issuer` is set.
    #[serde(default)]
    pub dev_audiences: Vec<String>,
}

/// A file without `[auth]` gets the same values as an empty `[auth]` table.
impl Default for Auth {
    fn default() -> Self {
        Self {
            groups: Vec::new(),
            scopes: BTreeMap::new(),
            access_token_minutes: default_token_minutes(),
            id_token_minutes: default_token_minutes(),
            refresh_token_days: default_refresh_days(),
            refresh_token_rotation: default_true(),
            urls: BTreeMap::new(),
            test_users: Vec::new(),
            dev_issuer: None,
            dev_audiences: Vec::new(),
        }
    }
}

fn default_token_minutes() -> u32 {
    60
}
fn default_refresh_days() -> u32 {
    30
}
fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthUrls {
    /// Where Cognito may send the user back after sign-in.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub callback: Vec<Spanned<String>>,
    /// Where Cognito may send the user after sign-out.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub logout: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestUser {
    #[schemars(with = "String")]
    pub username: Spanned<String>,
    pub email: String,
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub groups: Vec<Spanned<String>>,
    /// Password for the local sign-in page only.
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Frontend {
    /// Directory of the frontend, relative to lamina.toml.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Command that builds it, run in `path`.
    #[serde(default = "default_build")]
    pub build: String,
    /// Directory the build writes, relative to `path`.
    #[serde(default = "default_out_dir")]
    pub out_dir: String,
    /// `VITE_*` variables per stage. The API URL and Cognito ids are added from the stage's outputs.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, BTreeMap<String, String>>")]
    pub env: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, String>>,
}

fn default_build() -> String {
    "npm run build".to_owned()
}
fn default_out_dir() -> String {
    "dist".to_owned()
}

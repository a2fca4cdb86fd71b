//! The command line, as clap types. Doc comments here are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Lamina: FastAPI domains and a React frontend on AWS Lambda, from one `lamina.toml`.
///
/// Scaffold a project with `lamina new`, run it locally with `lamina dev`, and deploy each stage
/// with Terraform through `lamina deploy --stage NAME`.
#[derive(Debug, Parser)]
#[command(
    name = "lamina",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail; repeat for even more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When to use colours. `NO_COLOR` in the environment means `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Path of `lamina.toml`. By default it is looked up from the current directory upwards.
    #[arg(long, global = true, env = "LAMINA_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new project: backend domains, shared code, Terraform, frontend, CI.
    New(NewArgs),
    /// Add something to the current project.
    #[command(subcommand)]
    Add(AddCommand),
    /// Print the API routes (method, path, domain, auth, scopes) that lamina.toml defines.
    Routes(RoutesArgs),
    /// Build Lambda zips and layers: reproducible, cached, without Docker.
    Build(BuildArgs),
    /// Write the hash-pinned lock of every dependency layer (and domain) for the Lambda platform.
    Lock(LockArgs),
    /// Manage the per-user build cache that every project shares (compiled packages, modules).
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Run the whole stack locally: API Gateway, Lambda workers, Cognito and the frontend.
    Dev(DevArgs),
    /// Run a command with a domain's environment and the dev venv (migrations, seeds, its tests):
    /// `lamina run -d api -- alembic upgrade head`, `lamina run -- pytest`.
    Run(RunArgs),
    /// Create the state and artifact buckets of an AWS account and region (once; deploy does it
    /// when they are missing).
    Bootstrap(BootstrapArgs),
    /// Build, upload and show what `deploy` would change in a stage.
    Plan(PlanArgs),
    /// Build, upload, apply Terraform and publish the frontend for a stage.
    Deploy(DeployArgs),
    /// Redeploy an earlier release of a stage (its code and settings) through Terraform.
    Rollback(RollbackArgs),
    /// List a stage's releases.
    Releases(ReleasesArgs),
    /// Destroy a stage's resources (protected stages need `--force --confirm STAGE`).
    Destroy(DestroyArgs),
    /// Release a stage's state lock left behind by a crashed run.
    Unlock(UnlockArgs),
    /// Show a stage's logs from CloudWatch: one domain, every domain, or one request.
    Logs(LogsArgs),
    /// Print a token of a test user for the local Cognito.
    Token(TokenArgs),
    /// Set, list or remove a stage's secrets (SSM SecureString parameters).
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Check the project before pushing: config, Terraform, limits, client, URLs, secrets.
    Check(CheckArgs),
    /// Merge the domains' OpenAPI documents; generate the frontend's typed client
    Openapi(OpenapiArgs),
    /// Write or update the project's CI workflows.
    #[command(subcommand)]
    Ci(CiCommand),
    /// Estimate a stage's monthly AWS cost from lamina.toml and the expected traffic.
    Cost(CostArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Name of the project: lowercase letters, digits and `-`. It prefixes every AWS resource.
    pub name: String,
    /// Comma-separated backend domains. `user`, `ride` and `payment` come with example routes.
    #[arg(long, value_delimiter = ',', default_value = "user,ride,payment")]
    pub domains: Vec<String>,
    /// Directory to create; `./NAME` by default. It must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// Owner tagged on every AWS resource; your git email or user name by default.
    #[arg(long)]
    pub owner: Option<String>,
    /// AWS region; `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`.
    #[arg(long)]
    pub region: Option<String>,
    /// Python version of the Lambda runtime (3.11, 3.12 or 3.13); by default the local `python3`'s
    /// when Lambda runs it, else 3.12.
    #[arg(long)]
    pub python: Option<String>,
    /// CPU architecture of functions and layers.
    #[arg(long, value_parser = ["x86_64", "arm64"], default_value = "x86_64")]
    pub arch: String,
}

#[derive(Debug, Subcommand)]
pub enum AddCommand {
    /// Add a backend domain: its FastAPI app under `backend/NAME` and its table in lamina.toml.
    Domain(AddDomainArgs),
}

#[derive(Debug, Args)]
pub struct AddDomainArgs {
    /// Name of the domain: a Python package name and a DNS label (lowercase letters and digits).
    pub name: String,
    /// Route prefix; `/NAME` by default.
    #[arg(long)]
    pub prefix: Option<String>,
    /// Adopt an existing FastAPI app from this directory (a uv project, or a requirements.txt)
    /// instead of writing a new one. See docs/adopt.md.
    #[arg(long, value_name = "PATH")]
    pub from: Option<PathBuf>,
    /// With `--from`: use the app where it is (inside the project) instead of copying it to
    /// `backend/NAME`.
    #[arg(long, requires = "from")]
    pub in_place: bool,
    /// With `--from`: the FastAPI object as `module:attribute`, when Lamina finds none or the
    /// wrong one.
    #[arg(long, requires = "from", value_name = "MODULE:ATTR")]
    pub app: Option<String>,
    /// With `--from`: `none` makes the whole domain public (the app checks its own tokens);
    /// `jwt` puts Cognito's JWT authorizer in front. By default, public when the app has auth
    /// of its own.
    #[arg(long, requires = "from", value_parser = ["none", "jwt"])]
    pub auth: Option<String>,
}

#[derive(Debug, Args)]
pub struct RoutesArgs {
    /// Stage whose routes to print.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Stage whose manifest to write (`.lamina/build/STAGE/manifest.json`).
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Fail when a lock is missing or out of date instead of re-locking (for CI).
    #[arg(long, env = "LAMINA_LOCKED")]
    pub locked: bool,
    /// Turn a slimming rule off: pycache, tests, docs, stubs, c-sources, scripts, aws-sdk.
    /// Repeat, or separate with commas.
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = SLIM_RULES)]
    pub keep: Vec<String>,
    /// Do not precompile `.pyc` (by default they are, when a Python of the project's version is
    /// on PATH).
    #[arg(long)]
    pub no_compile: bool,
    /// Install dependency layers with pip inside the public Lambda build image
    /// (`public.ecr.aws/sam/build-pythonX.Y`), for packages without wheels. Needs Docker.
    #[arg(long)]
    pub docker: bool,
    /// Refuse zips over Lambda's 50 MB limit for uploading a zip straight to Lambda (for other
    /// deploy tools that do so). `lamina deploy` goes through S3, where that limit does not
    /// apply; the manifest marks larger zips `upload: "s3"`.
    #[arg(long)]
    pub direct_upload: bool,
    /// Zips over 50 MB are allowed by default now (deploys go through S3); kept so that scripts
    /// that pass it keep working.
    #[arg(long, hide = true)]
    pub s3_upload: bool,
    /// After building, import each function as Lambda would and report its cold start; fails
    /// when a domain's `init_budget_ms` is exceeded.
    #[arg(long)]
    pub profile: bool,
    /// Fresh processes per function for `--profile`; the median is reported.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub profile_runs: usize,
    /// Python interpreter for `--profile` (and `.pyc`); `python3.X` on PATH by default.
    #[arg(long, env = "LAMINA_PYTHON", value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Print the manifest as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Build without the per-user cache: every package is installed, slimmed and compiled for
    /// this build only (the artifacts are the same).
    #[arg(long, env = "LAMINA_NO_CACHE")]
    pub no_cache: bool,
}

/// `lamina cache ...`.
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Print the cache's directory (`LAMINA_CACHE_DIR`, else `$XDG_CACHE_HOME/lamina`, else
    /// `~/.cache/lamina`, then `build/`): what CI keeps between runs.
    Dir,
    /// Remove the least recently used entries until the cache is under its size cap.
    Prune(CachePruneArgs),
    /// Remove every entry.
    Clean,
}

/// Arguments of `lamina cache prune`.
#[derive(Debug, Args)]
pub struct CachePruneArgs {
    /// The size to prune to (`500M`, `2G`); `LAMINA_CACHE_MAX_SIZE` or 5G by default.
    #[arg(long, value_name = "SIZE")]
    pub max_size: Option<String>,
}

/// The slimming rules `--keep` accepts.
pub const SLIM_RULES: [&str; 7] = [
    "pycache",
    "tests",
    "docs",
    "stubs",
    "c-sources",
    "scripts",
    "aws-sdk",
];

/// Arguments of `lamina lock`.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// Re-lock even the locks that are current (pins are kept where they still fit).
    #[arg(long)]
    pub force: bool,
    /// Only check: fail when a lock is missing or out of date, write nothing (for CI).
    #[arg(long)]
    pub check: bool,
    /// Lock for the Lambda build image (`--docker` builds): allow packages without wheels.
    #[arg(long)]
    pub docker: bool,
}

/// Arguments of `lamina dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// Stage whose settings (CORS, log level, memory, timeouts, env) the local stack uses.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Port of the API (the HTTP API emulator), on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Port of the local Cognito, on 127.0.0.1. Tokens name it in their issuer.
    #[arg(long, default_value_t = 3001)]
    pub auth_port: u16,
    /// Port of the frontend's Vite dev server, on 127.0.0.1.
    #[arg(long, default_value_t = 5173)]
    pub frontend_port: u16,
    /// Do not start the frontend.
    #[arg(long)]
    pub no_frontend: bool,
    /// Workers per domain when a domain sets no `reserved_concurrency`.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: u32,
}

/// Arguments of `lamina bootstrap`.
#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// Stage whose account and region to bootstrap.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Stage to plan.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Plan even when nothing changed since the stage's current release (finds drift).
    #[arg(long)]
    pub force: bool,
    /// Print the summary as JSON on stdout (for CI).
    #[arg(long)]
    pub json: bool,
    /// Fail when a lock is missing or out of date instead of re-locking (for CI).
    #[arg(long, env = "LAMINA_LOCKED")]
    pub locked: bool,
}

/// Arguments of `lamina deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Stage to deploy.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Apply without asking (CI). Without a terminal to ask on, deploy refuses to apply otherwise.
    #[arg(long, short)]
    pub yes: bool,
    /// Let a protected stage's plan replace or destroy data-bearing resources (user pool,
    /// buckets, tables, log groups).
    #[arg(long)]
    pub allow_destroy: bool,
    /// Run Terraform even when nothing changed since the current release (repairs drift).
    #[arg(long)]
    pub force: bool,
    /// Wait until CloudFront's invalidation has completed.
    #[arg(long)]
    pub wait: bool,
    /// Invalidate every path (`/*`) instead of only the changed ones.
    #[arg(long)]
    pub invalidate_all: bool,
    /// Leave the frontend as it is.
    #[arg(long)]
    pub no_frontend: bool,
    /// Fail when a lock is missing or out of date instead of re-locking (for CI).
    #[arg(long, env = "LAMINA_LOCKED")]
    pub locked: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Stage to roll back.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Release to go back to (its number, see `lamina releases`); the one before the current
    /// release by default.
    #[arg(long, value_name = "RELEASE")]
    pub to: Option<String>,
    /// Apply without asking.
    #[arg(long, short)]
    pub yes: bool,
    /// Let a protected stage's plan replace or destroy data-bearing resources.
    #[arg(long)]
    pub allow_destroy: bool,
    /// Wait until CloudFront's invalidation has completed.
    #[arg(long)]
    pub wait: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina releases`.
#[derive(Debug, Args)]
pub struct ReleasesArgs {
    /// Stage whose releases to list.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Stage to destroy.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Destroy without asking (not enough for a protected stage: see `--force`).
    #[arg(long, short)]
    pub yes: bool,
    /// Destroy a protected stage (with `--confirm STAGE`, or the name typed at the prompt).
    #[arg(long)]
    pub force: bool,
    /// The stage's name, confirming the destruction of a protected stage without a prompt.
    #[arg(long, value_name = "STAGE")]
    pub confirm: Option<String>,
    /// Also delete the stage's state, release history, secrets (SSM parameters) and the artifacts
    /// no other stage uses.
    #[arg(long)]
    pub purge: bool,
    /// Print the outcome as JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `lamina unlock`.
#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Stage whose state lock to release.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Release it without asking.
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Set a secret's value, read from stdin (never from the command line, which shells keep).
    Set(SecretSetArgs),
    /// List a stage's secrets: names, versions and last change, never values.
    List(SecretListArgs),
    /// Delete a secret.
    Rm(SecretRmArgs),
}

#[derive(Debug, Args)]
pub struct SecretSetArgs {
    /// Name of the secret, as a domain's `secrets` lists it (`stripe-api-key`).
    pub name: String,
    /// Stage whose secret to set.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// KMS key to encrypt with; SSM's AWS managed key (`alias/aws/ssm`) by default.
    #[arg(long, value_name = "KEY")]
    pub kms_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct SecretListArgs {
    /// Stage whose secrets to list.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct SecretRmArgs {
    /// Name of the secret.
    pub name: String,
    /// Stage whose secret to delete.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
}

/// Arguments of `lamina openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {
    /// Stage whose domain environment the apps are imported with.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Directory for `openapi.json` and `schema.d.ts`; the frontend's `src/api` by default.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write only `openapi.json`, not the TypeScript client.
    #[arg(long)]
    pub no_client: bool,
    /// Change nothing; fail when the files differ from what would be written (for CI).
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `lamina run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Domain whose environment the command gets; by default the domain whose directory holds
    /// the current one, or the only domain.
    #[arg(long, short)]
    pub domain: Option<String>,
    /// Stage whose settings (env, secrets' local values) the command gets.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// The command and its arguments, after `--`. It runs in the domain's directory (or the
    /// current one, when inside it), with the dev venv first on `PATH`.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Test user the token is for, one of `[[auth.test_users]]` in lamina.toml.
    #[arg(long, short)]
    pub user: String,
    /// Comma-separated scopes: a name of `[auth.scopes]` (`write` is `<project>/write`), or
    /// `openid`, `email`, `phone`, `profile`. By default `openid email profile` and every
    /// `[auth.scopes]` scope, as a sign-in without `scope` gets.
    #[arg(long, value_delimiter = ',', value_name = "SCOPES")]
    pub scopes: Option<Vec<String>>,
    /// Print the ID token instead of the access token.
    #[arg(long)]
    pub id: bool,
    /// Stage whose `[auth]` settings to use.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Port of the local Cognito of `lamina dev`: it is part of the token's issuer, so the token
    /// only verifies against a pool on that port.
    #[arg(long, default_value_t = lamina_auth::DEFAULT_PORT)]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to print the script for.
    pub shell: clap_complete::Shell,
}

/// Arguments of `lamina logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Domain whose logs to show; every domain when omitted.
    pub domain: Option<String>,
    /// Stage whose logs to show.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// Keep showing new events as they arrive (Ctrl-C stops).
    #[arg(long, short)]
    pub follow: bool,
    /// How far back to start: a duration (`30s`, `10m`, `2h`, `1d`) or a time
    /// (`2026-12-01T10:00:00Z`). 10 minutes by default, 24 hours with `--request`.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// A CloudWatch filter pattern: `ERROR`, `"exact phrase"`, `{ $.level = "ERROR" }`.
    #[arg(long, value_name = "PATTERN", conflicts_with = "request")]
    pub filter: Option<String>,
    /// One request across every domain: API Gateway's request id (the `apigw-requestid`
    /// header, the correlation id) or Lambda's.
    #[arg(long, value_name = "ID")]
    pub request: Option<String>,
    /// One JSON object per event on stdout.
    #[arg(long)]
    pub json: bool,
    /// Milliseconds between reads in follow mode.
    #[arg(long, default_value_t = 2000, value_name = "MS", hide = true)]
    pub poll_ms: u64,
}

/// Arguments of `lamina check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print the results as JSON on stdout (for CI).
    #[arg(long)]
    pub json: bool,
    /// Skip a check by name (`terraform`, `checkov`, `build`, `openapi`, ...). Repeat, or
    /// separate with commas.
    #[arg(long, value_name = "CHECK", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Run only these checks.
    #[arg(long, value_name = "CHECK", value_delimiter = ',')]
    pub only: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum CiCommand {
    /// Write `.github/workflows/ci.yml` (pull requests) and `deploy.yml` (main), or update
    /// their Lamina blocks; edits outside the blocks are kept.
    Github(CiGithubArgs),
}

/// Arguments of `lamina ci github`.
#[derive(Debug, Args)]
pub struct CiGithubArgs {
    /// Change nothing; fail when a workflow differs from what would be written (for CI).
    #[arg(long)]
    pub check: bool,
    /// Print what would change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `lamina cost`.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Stage to estimate.
    #[arg(long, short, default_value = "dev")]
    pub stage: String,
    /// API requests a month, over all domains: `250000`, `250k`, `1M`, `1M/month`.
    #[arg(long, default_value = "1M", value_name = "N")]
    pub requests: String,
    /// Monthly active users who sign in (Cognito MAUs); 1 per 100 requests by default.
    #[arg(long, value_name = "N")]
    pub users: Option<String>,
    /// Average duration of a warm request in ms, when `lamina build --profile` has no measure.
    #[arg(long, value_name = "MS")]
    pub duration_ms: Option<f64>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

//! Checks that need the whole file: names, paths, references between tables, route claims.
//!
//! Every check reports at the span of the value at fault and goes on, so one run shows every
//! problem in the file.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use toml::Spanned;

use crate::diagnostic::{Diagnostic, Source, did_you_mean};
use crate::names::{check_domain_name, check_project_name};
use crate::routes::{METHODS, check_route_path, parse_route_key};
use crate::{FILE_NAME, LoadedConfig};

/// Values CloudWatch Logs accepts for retention.
const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Lambda's limit of layers per function.
pub(crate) const MAX_LAYERS: usize = 5;

/// Turns a parse error into a diagnostic, adding "did you mean" to unknown keys and values.
pub(crate) fn from_toml_error(source: &Source, error: &toml::de::Error) -> Diagnostic {
    let message = error
        .message()
        .trim()
        .replace("expected u32", "expected a whole number")
        .replace("unknown variant", "unknown value");
    let mut diagnostic = Diagnostic::error(first_clause(&message));
    diagnostic = match error.span() {
        Some(span) => diagnostic.at(source, span),
        None => diagnostic.in_file(source),
    };
    if let Some((unknown, expected)) = unknown_and_expected(&message) {
        let listed = expected
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // Values such as versions are too alike for a suggestion: list them all.
        let hint = match did_you_mean(&unknown, expected.iter().map(String::as_str)) {
            Some(close) if message.starts_with("unknown field") => {
                format!("did you mean `{close}`?")
            }
            _ => format!("expected one of {listed}"),
        };
        diagnostic = diagnostic.hint(hint);
    } else if message.starts_with("missing field") {
        diagnostic = diagnostic.hint("this table needs it; see lamina.schema.json for every key");
    } else if message.starts_with("invalid type") {
        diagnostic =
            diagnostic.hint("see the schema, lamina.schema.json, for the type of each key");
    }
    diagnostic
}

fn first_clause(message: &str) -> String {
    message
        .split(", expected one of")
        .next()
        .unwrap_or(message)
        .to_owned()
}

/// Reads serde's "unknown field `x`, expected one of `a`, `b`" (and the same for variants).
fn unknown_and_expected(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown value `"))?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((unknown.to_owned(), expected))
}

struct Checker<'a> {
    loaded: &'a LoadedConfig,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.out
            .push(Diagnostic::error(message).at(&self.loaded.source, span));
        self.out.last_mut().expect("just pushed")
    }

    fn warning(&mut self, span: Range<usize>, message: impl Into<String>) -> &mut Diagnostic {
        self.out
            .push(Diagnostic::warning(message).at(&self.loaded.source, span));
        self.out.last_mut().expect("just pushed")
    }

    fn set_hint(&mut self, hint: impl Into<String>) -> &mut Self {
        if let Some(d) = self.out.last_mut() {
            d.hint = Some(hint.into());
        }
        self
    }
}

pub(crate) fn validate(loaded: &LoadedConfig) -> Vec<Diagnostic> {
    let mut c = Checker {
        loaded,
        out: Vec::new(),
    };
    check_project(&mut c);
    check_stages(&mut c);
    check_layers_and_domains(&mut c);
    check_auth(&mut c);
    check_frontend(&mut c);
    check_network(&mut c);
    check_adoption(&mut c);
    c.out
}

fn check_project(c: &mut Checker<'_>) {
    let project = &c.loaded.config.project;
    if let Err(why) = check_project_name(project.name.get_ref()) {
        c.error(
            project.name.span(),
            format!("invalid project name `{}`", project.name.get_ref()),
        )
        .set_label(why);
        c.set_hint("for example `rides` or `ride-share`");
    }
    let region = project.region.get_ref();
    let parts: Vec<&str> = region.split('-').collect();
    let valid_region = parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|ch| ch.is_ascii_digit()));
    if !valid_region {
        c.error(
            project.region.span(),
            format!("invalid AWS region `{region}`"),
        )
        .set_label("not a region name");
        c.set_hint("for example `eu-west-1` or `us-east-1`");
    }
}

fn check_stages(c: &mut Checker<'_>) {
    let config = &c.loaded.config;
    if config.stages.is_empty() {
        c.out.push(
            Diagnostic::error("no stage is defined")
                .in_file(&c.loaded.source)
                .hint("add a table such as `[stages.dev]`"),
        );
    }
    for (name, stage) in &config.stages {
        let n = name.get_ref();
        let valid = n.starts_with(|ch: char| ch.is_ascii_lowercase())
            && n.len() <= 16
            && n.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit());
        if !valid {
            c.error(name.span(), format!("invalid stage name `{n}`"))
                .set_label("stage names go into resource names");
            c.set_hint("use lowercase letters and digits, at most 16, starting with a letter");
        }
        if let Some(account) = &stage.account_id {
            let a = account.get_ref();
            if a.len() != 12 || !a.chars().all(|ch| ch.is_ascii_digit()) {
                c.error(account.span(), format!("invalid AWS account id `{a}`"))
                    .set_label("an account id has 12 digits");
            }
        }
        let days = *stage.log_retention_days.get_ref();
        if !RETENTION_DAYS.contains(&days) {
            let close = RETENTION_DAYS
                .iter()
                .min_by_key(|d| d.abs_diff(days))
                .copied()
                .unwrap_or(30);
            c.error(
                stage.log_retention_days.span(),
                format!("CloudWatch Logs does not accept a retention of {days} days"),
            )
            .set_label("not an allowed value");
            c.set_hint(format!("the closest allowed value is {close}"));
        }
        check_memory_timeout(c, stage.memory.as_ref(), stage.timeout.as_ref());
        for origin in &stage.cors_origins {
            check_origin(c, origin);
        }
    }
}

fn check_memory_timeout(
    c: &mut Checker<'_>,
    memory: Option<&Spanned<u32>>,
    timeout: Option<&Spanned<u32>>,
) {
    if let Some(m) = memory {
        if !(128..=10240).contains(m.get_ref()) {
            c.error(
                m.span(),
                format!("memory of {} MB is out of Lambda's range", m.get_ref()),
            )
            .set_label("between 128 and 10240");
        }
    }
    if let Some(t) = timeout {
        let secs = *t.get_ref();
        if !(1..=900).contains(&secs) {
            c.error(
                t.span(),
                format!("timeout of {secs} s is out of Lambda's range"),
            )
            .set_label("between 1 and 900");
        } else if secs > 30 {
            c.warning(
                t.span(),
                format!("timeout of {secs} s is longer than API Gateway waits"),
            )
            .set_label("HTTP API answers 503 after 30 s");
        }
    }
}

fn check_origin(c: &mut Checker<'_>, origin: &Spanned<String>) {
    let o = origin.get_ref();
    if o == "*" {
        return;
    }
    let scheme_ok = o.starts_with("https://") || o.starts_with("http://");
    let rest = o.split_once("://").map_or("", |(_, r)| r);
    if !scheme_ok || rest.is_empty() || rest.contains('/') {
        c.error(origin.span(), format!("invalid CORS origin `{o}`"))
            .set_label("an origin is scheme://host[:port], with no path");
        c.set_hint("for example `https://app.example.com` or `http://localhost:5173`");
    }
}

fn check_layers_and_domains(c: &mut Checker<'_>) {
    let config = &c.loaded.config;
    let root = &c.loaded.root;
    let layer_names: Vec<&str> = config.layers.keys().map(|k| k.get_ref().as_str()).collect();
    let mut used_layers = BTreeSet::new();
    let mut prefixes: BTreeMap<String, (String, Range<usize>)> = BTreeMap::new();

    for (name, layer) in &config.layers {
        let n = name.get_ref();
        if n.is_empty()
            || !n
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            c.error(name.span(), format!("invalid layer name `{n}`"))
                .set_label("lowercase letters, digits and `-`");
        }
        let sources: Vec<&Spanned<String>> = [&layer.requirements, &layer.project, &layer.path]
            .into_iter()
            .flatten()
            .collect();
        match sources.as_slice() {
            [] => {
                c.error(name.span(), format!("layer `{n}` has no content"))
                    .set_label("needs `requirements`, `project` or `path`");
            }
            [one] => {
                let p = one.get_ref();
                let full = root.join(p);
                let (exists, what) = if layer.path.is_some() || layer.project.is_some() {
                    (full.is_dir(), "directory")
                } else {
                    (full.is_file(), "file")
                };
                if !exists {
                    c.error(
                        one.span(),
                        format!("layer `{n}`: {what} `{p}` does not exist"),
                    )
                    .set_label(format!("no such {what} next to {FILE_NAME}"));
                }
            }
            [_, second, ..] => {
                c.error(
                    second.span(),
                    format!("layer `{n}` has more than one source"),
                )
                .set_label("give only one of `requirements`, `project` or `path`");
            }
        }
    }

    // In file order, so a clash is reported at the second of the two domains.
    let mut domains: Vec<_> = config.domains.iter().collect();
    domains.sort_by_key(|(name, _)| name.span().start);
    for (name, domain) in domains {
        let n = name.get_ref();
        if let Err(why) = check_domain_name(n) {
            c.error(name.span(), format!("invalid domain name `{n}`"))
                .set_label(why);
        }
        let path = domain.path.get_ref();
        if !root.join(path).is_dir() {
            c.error(
                domain.path.span(),
                format!("domain `{n}`: directory `{path}` does not exist"),
            )
            .set_label(format!("no such directory next to {FILE_NAME}"));
            c.set_hint(format!(
                "create it with `lamina add domain {n}`, or fix the path"
            ));
        }
        let prefix = c.loaded.prefix(n);
        let prefix_span = domain.prefix.as_ref().map_or(name.span(), Spanned::span);
        if let Err(why) = check_route_path(&prefix) {
            c.error(
                prefix_span.clone(),
                format!("invalid route prefix `{prefix}`"),
            )
            .set_label(why);
        } else if prefix == "/" || prefix.contains('{') {
            c.error(
                prefix_span.clone(),
                format!("invalid route prefix `{prefix}`"),
            )
            .set_label("a prefix is a fixed path such as `/user`");
        } else {
            for (other_prefix, (other, _)) in &prefixes {
                let overlaps = prefix == *other_prefix
                    || prefix.starts_with(&format!("{other_prefix}/"))
                    || other_prefix.starts_with(&format!("{prefix}/"));
                if overlaps {
                    let message = if prefix == *other_prefix {
                        format!("domains `{other}` and `{n}` both claim `{prefix}`")
                    } else {
                        format!(
                            "the prefix `{prefix}` of domain `{n}` overlaps `{other_prefix}` of domain `{other}`"
                        )
                    };
                    c.error(prefix_span.clone(), message)
                        .set_label(format!("overlaps `{other_prefix}` of domain `{other}`"));
                    c.set_hint("give each domain its own prefix with `prefix = \"/...\"`");
                }
            }
            prefixes.insert(prefix.clone(), (n.clone(), prefix_span));
        }

        check_memory_timeout(c, domain.memory.as_ref(), domain.timeout.as_ref());

        if domain.layers.len() > MAX_LAYERS {
            c.error(
                domain.layers[MAX_LAYERS].span(),
                format!("domain `{n}` uses {} layers", domain.layers.len()),
            )
            .set_label(format!(
                "Lambda allows at most {MAX_LAYERS} layers per function"
            ));
        }
        let mut seen = BTreeSet::new();
        for layer in &domain.layers {
            let l = layer.get_ref();
            if !seen.insert(l) {
                c.error(
                    layer.span(),
                    format!("domain `{n}` lists layer `{l}` twice"),
                );
            } else if layer_names.contains(&l.as_str()) {
                used_layers.insert(l.clone());
            } else {
                c.error(layer.span(), format!("unknown layer `{l}`"))
                    .set_label(format!("no `[layers.{l}]` table"));
                let hint = match did_you_mean(l, layer_names.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None if layer_names.is_empty() => {
                        "define it in a `[layers.NAME]` table".to_owned()
                    }
                    None => format!("layers in this file: {}", layer_names.join(", ")),
                };
                c.set_hint(hint);
            }
        }

        check_domain_routes(c, n, &prefix, domain);

        let stage_keys = domain.stages.values().flat_map(|s| s.env.keys());
        for key in domain.env.keys().chain(stage_keys) {
            check_env_key(c, key);
        }
        for secret in &domain.secrets {
            let s = secret.get_ref();
            if s.is_empty()
                || !s
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
            {
                c.error(secret.span(), format!("invalid secret name `{s}`"))
                    .set_label("letters, digits, `-`, `_` and `.`");
                c.set_hint(format!(
                    "the SSM parameter is `/{}/<stage>/{s}`",
                    c.loaded.project_name()
                ));
            }
        }
        for statement in &domain.iam {
            if statement.actions.is_empty() || statement.resources.is_empty() {
                c.out.push(
                    Diagnostic::error(format!(
                        "domain `{n}`: an IAM statement needs `actions` and `resources`"
                    ))
                    .at(&c.loaded.source, name.span()),
                );
            }
            if statement.actions.iter().any(|a| a == "*") {
                c.warning(name.span(), format!("domain `{n}` grants every IAM action"))
                    .set_label("`actions = [\"*\"]` defeats least privilege");
            }
        }
        check_deployment(c, n, name.span(), domain);
        if let Some(rc) = &domain.reserved_concurrency {
            if *rc.get_ref() == 0 {
                c.warning(
                    rc.span(),
                    format!("domain `{n}` has a reserved concurrency of 0"),
                )
                .set_label("every request to it is throttled");
            }
        }
    }

    for name in config.layers.keys() {
        if !used_layers.contains(name.get_ref()) {
            c.error(
                name.span(),
                format!("layer `{}` is not used by any domain", name.get_ref()),
            )
            .set_label("unused layer");
            c.set_hint("add it to a domain's `layers`, or remove the table");
        }
    }
}

fn check_env_key(c: &mut Checker<'_>, key: &Spanned<String>) {
    let k = key.get_ref();
    let valid = k.starts_with(|ch: char| ch.is_ascii_uppercase() || ch == '_')
        && k.chars()
            .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_');
    if !valid {
        c.error(
            key.span(),
            format!("invalid environment variable name `{k}`"),
        )
        .set_label("use uppercase letters, digits and `_`");
    } else if k.starts_with("AWS_")
        || k.starts_with("LAMBDA_")
        || k.starts_with("LAMINA_")
        || k.starts_with('_')
    {
        c.error(key.span(), format!("`{k}` is reserved"))
            .set_label("Lambda and Lamina set variables with this prefix");
    }
}

// ---- Adoption of existing apps (issue 8) ------------------------------------------------------

/// `[project] platform`, domains' `auth`, `stages`, `probe_path`, layers' `exclude`, and locks
/// that would share a path.
fn check_adoption(c: &mut Checker<'_>) {
    let config = &c.loaded.config;
    if let Some(platform) = &config.project.platform {
        if let Err(why) = crate::check_platform_override(platform.get_ref()) {
            c.error(
                platform.span(),
                format!("uv cannot target the platform `{}`", platform.get_ref()),
            )
            .set_label(why);
            c.set_hint("leave it out: Lamina picks the platform of the runtime's Amazon Linux");
        }
    }
    let stages: Vec<&str> = c.loaded.stage_names().collect();
    for (name, domain) in &config.domains {
        let n = name.get_ref();
        let prefix = c.loaded.prefix(n);
        if domain.auth.as_ref().map(|a| *a.get_ref()) == Some(crate::DomainAuth::None) {
            for key in domain.scopes.keys() {
                c.error(
                    key.span(),
                    format!(
                        "route `{}` is scoped, but domain `{n}` is public",
                        key.get_ref()
                    ),
                )
                .set_label("`auth = \"none\"`: no route of this domain has a token to hold scopes");
            }
            if let Some(first) = domain.public.first() {
                c.warning(
                    first.span(),
                    format!("`public` has no effect: domain `{n}` is public (`auth = \"none\"`)"),
                )
                .set_label("every route of the domain is already public");
            }
        }
        for stage in domain.stages.keys() {
            if !stages.contains(&stage.get_ref().as_str()) {
                c.error(
                    stage.span(),
                    format!(
                        "`[domains.{n}.stages.{}]` names an unknown stage",
                        stage.get_ref()
                    ),
                )
                .set_label("no such stage");
                let hint = match did_you_mean(stage.get_ref(), stages.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("stages in this file: {}", stages.join(", ")),
                };
                c.set_hint(hint);
            }
        }
        if let Some(probe) = &domain.probe_path {
            let p = probe.get_ref();
            let why = if let Err(why) = check_route_path(p) {
                Some(why)
            } else if p.contains('{') {
                Some("a probe path is a fixed path, without `{parameters}`".to_owned())
            } else if p != &prefix && !p.starts_with(&format!("{prefix}/")) {
                Some(format!(
                    "does not start with the domain's prefix `{prefix}`"
                ))
            } else {
                None
            };
            if let Some(why) = why {
                c.error(probe.span(), format!("invalid probe path `{p}`"))
                    .set_label(why);
                c.set_hint(format!("for example `{prefix}/docs` or `{prefix}/healthz`"));
            }
        }
    }
    for (name, layer) in &config.layers {
        if layer.path.is_some() {
            if let Some(first) = layer.exclude.first() {
                c.error(
                    first.span(),
                    format!(
                        "layer `{}` is shared code: `exclude` only applies to dependency layers",
                        name.get_ref()
                    ),
                )
                .set_label("no packages are installed into a `path` layer");
            }
        }
        for package in &layer.exclude {
            let p = package.get_ref();
            let valid = !p.is_empty()
                && p.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
            if !valid {
                c.error(package.span(), format!("invalid package name `{p}`"))
                    .set_label("a distribution name, such as `uvloop`");
            }
        }
    }
    // Two locks at one path would overwrite each other and every build would re-lock.
    let mut seen: BTreeMap<std::path::PathBuf, String> = BTreeMap::new();
    let mut locks = c.loaded.lock_paths();
    locks.sort_by_key(|l| l.span.start);
    for lock in locks {
        let key = crate::locks::normal(&lock.path);
        if let Some(other) = seen.get(&key) {
            c.error(
                lock.span.clone(),
                format!(
                    "{} and {other} would both lock to `{}`",
                    lock.what,
                    lock.path.display()
                ),
            )
            .set_label("two locks at one path overwrite each other");
            c.set_hint(
                "give the layer its own requirements file outside the domain's directory \
                 (e.g. `backend/layers/NAME/requirements.txt`), or make it a `project` layer",
            );
        } else {
            seen.insert(key, lock.what.clone());
        }
    }
}

fn check_domain_routes(c: &mut Checker<'_>, domain: &str, prefix: &str, d: &crate::Domain) {
    let scopes_defined: Vec<&str> = c
        .loaded
        .config
        .auth
        .scopes
        .keys()
        .map(String::as_str)
        .collect();
    let public: BTreeSet<&str> = d.public.iter().map(|p| p.get_ref().as_str()).collect();
    let keys = d.public.iter().chain(d.scopes.keys());
    for key in keys {
        let k = key.get_ref();
        let Some((method, path)) = parse_route_key(k) else {
            c.error(key.span(), format!("invalid route `{k}`"))
                .set_label("a route is `METHOD /path`");
            c.set_hint(format!("methods: {}", METHODS.join(", ")));
            continue;
        };
        let _ = method;
        if let Err(why) = check_route_path(path) {
            c.error(key.span(), format!("invalid route `{k}`"))
                .set_label(why);
        } else if path != prefix && !path.starts_with(&format!("{prefix}/")) {
            c.error(
                key.span(),
                format!("route `{k}` is outside the prefix of domain `{domain}`"),
            )
            .set_label(format!("does not start with `{prefix}`"));
        }
    }
    for (key, scopes) in &d.scopes {
        if public.contains(key.get_ref().as_str()) {
            c.error(
                key.span(),
                format!("route `{}` is both public and scoped", key.get_ref()),
            )
            .set_label("a public route has no token to hold scopes");
        }
        if scopes.is_empty() {
            c.error(
                key.span(),
                format!("route `{}` has an empty scope list", key.get_ref()),
            )
            .set_label("list at least one scope, or remove the entry");
        }
        for scope in scopes {
            let s = scope.get_ref();
            if !s.contains('/') && !scopes_defined.contains(&s.as_str()) {
                c.error(scope.span(), format!("unknown scope `{s}`"))
                    .set_label("not in `[auth.scopes]`");
                let hint = match did_you_mean(s, scopes_defined.iter().copied()) {
                    Some(close) => format!("did you mean `{close}`?"),
                    None => format!("add `{s} = \"description\"` to `[auth.scopes]`"),
                };
                c.set_hint(hint);
            }
        }
    }
}

fn check_auth(c: &mut Checker<'_>) {
    let auth = &c.loaded.config.auth;
    let stages: Vec<&str> = c.loaded.stage_names().collect();
    for (stage, urls) in &auth.urls {
        if !stages.contains(&stage.get_ref().as_str()) {
            c.error(
                stage.span(),
                format!("`[auth.urls.{}]` names an unknown stage", stage.get_ref()),
            )
            .set_label("no such stage");
            if let Some(close) = did_you_mean(stage.get_ref(), stages.iter().copied()) {
                c.set_hint(format!("did you mean `{close}`?"));
            }
        }
        for url in urls.callback.iter().chain(&urls.logout) {
            let u = url.get_ref();
            let local = ["http://localhost", "http://127.0.0.1"].iter().any(|p| {
                u.strip_prefix(p)
                    .is_some_and(|r| r.is_empty() || r.starts_with(':') || r.starts_with('/'))
            });
            if !(u.starts_with("https://") || local) {
                c.error(url.span(), format!("Cognito refuses the URL `{u}`"))
                    .set_label("must be https, or http on localhost");
            }
        }
    }
    if let Some(issuer) = &auth.dev_issuer {
        if !issuer.starts_with("https://") {
            c.out.push(
                Diagnostic::error(format!("`auth.dev_issuer` `{issuer}` is not an https URL"))
                    .in_file(&c.loaded.source)
                    .hint("a Cognito issuer is `https://cognito-idp.<region>.amazonaws.com/<pool id>`"),
            );
        }
        if auth.dev_audiences.is_empty() {
            c.out.push(
                Diagnostic::error("`auth.dev_issuer` is set but `auth.dev_audiences` is empty")
                    .in_file(&c.loaded.source)
                    .hint("list the app client ids whose tokens the local gateway accepts"),
            );
        }
    }
    let groups: BTreeSet<&str> = auth.groups.iter().map(String::as_str).collect();
    let mut users = BTreeSet::new();
    for user in &auth.test_users {
        let name = user.username.get_ref();
        if !users.insert(name.as_str()) {
            c.error(
                user.username.span(),
                format!("test user `{name}` is defined twice"),
            );
        }
        for group in &user.groups {
            if !groups.contains(group.get_ref().as_str()) {
                c.error(group.span(), format!("unknown group `{}`", group.get_ref()))
                    .set_label("not in `auth.groups`");
                let hint = did_you_mean(group.get_ref(), groups.iter().copied()).map_or_else(
                    || "add it to `auth.groups`".to_owned(),
                    |g| format!("did you mean `{g}`?"),
                );
                c.set_hint(hint);
            }
        }
    }
    for (what, minutes) in [
        ("access_token_minutes", auth.access_token_minutes),
        ("id_token_minutes", auth.id_token_minutes),
    ] {
        if !(5..=1440).contains(&minutes) {
            c.out.push(
                Diagnostic::error(format!(
                    "`auth.{what}` is {minutes}; Cognito allows 5 to 1440"
                ))
                .in_file(&c.loaded.source),
            );
        }
    }
    if !(1..=3650).contains(&auth.refresh_token_days) {
        c.out.push(
            Diagnostic::error(format!(
                "`auth.refresh_token_days` is {}; Cognito allows 1 to 3650",
                auth.refresh_token_days
            ))
            .in_file(&c.loaded.source),
        );
    }
}

fn check_frontend(c: &mut Checker<'_>) {
    let Some(frontend) = &c.loaded.config.frontend else {
        return;
    };
    let path = frontend.path.get_ref();
    if !c.loaded.root.join(path).is_dir() {
        c.error(
            frontend.path.span(),
            format!("frontend directory `{path}` does not exist"),
        )
        .set_label(format!("no such directory next to {FILE_NAME}"));
    }
    let stages: Vec<&str> = c.loaded.stage_names().collect();
    for (stage, vars) in &frontend.env {
        if !stages.contains(&stage.get_ref().as_str()) {
            c.error(
                stage.span(),
                format!(
                    "`[frontend.env.{}]` names an unknown stage",
                    stage.get_ref()
                ),
            )
            .set_label("no such stage");
            if let Some(close) = did_you_mean(stage.get_ref(), stages.iter().copied()) {
                c.set_hint(format!("did you mean `{close}`?"));
            }
        }
        for key in vars.keys() {
            if !key.get_ref().starts_with("VITE_") {
                c.error(
                    key.span(),
                    format!(
                        "frontend variable `{}` does not start with `VITE_`",
                        key.get_ref()
                    ),
                )
                .set_label("Vite only exposes `VITE_*` variables to the app");
            }
        }
    }
}

/// SnapStart, provisioned concurrency and VPC settings of a domain's function.
fn check_deployment(c: &mut Checker<'_>, n: &str, at: Range<usize>, domain: &crate::Domain) {
    let config = &c.loaded.config;
    if domain.snap_start && config.project.python == crate::PythonVersion::Py311 {
        c.error(
            at.clone(),
            format!("domain `{n}`: SnapStart needs Python 3.12 or later"),
        )
        .set_label("Lambda offers SnapStart for python3.12 and later");
        c.set_hint("set `python = \"3.12\"` in [project], or remove `snap_start`");
    }
    if let Some(pc) = &domain.provisioned_concurrency {
        if let Some(rc) = &domain.reserved_concurrency {
            if pc.get_ref() > rc.get_ref() {
                c.error(
                    pc.span(),
                    format!(
                        "domain `{n}`: provisioned concurrency {} is above its reserved concurrency {}",
                        pc.get_ref(),
                        rc.get_ref()
                    ),
                )
                .set_label("Lambda refuses more provisioned than reserved instances");
            }
        }
    }
    if domain.vpc && config.network.is_none() {
        c.warning(
            at,
            format!("domain `{n}` runs in a VPC that Lamina creates"),
        )
        .set_label("no [network] table: a new VPC with private subnets and VPC endpoints");
        c.set_hint("set `[network] vpc_id` and `subnet_ids` to use an existing VPC (where your database is)");
    }
}

/// An existing VPC needs its subnets; a VPC Lamina creates needs a CIDR it can split.
fn check_network(c: &mut Checker<'_>) {
    let Some(network) = &c.loaded.config.network else {
        return;
    };
    if let Some(vpc) = &network.vpc_id {
        if !vpc.get_ref().starts_with("vpc-") {
            c.error(vpc.span(), format!("invalid VPC id `{}`", vpc.get_ref()))
                .set_label("a VPC id looks like `vpc-0abc1234`");
        } else if network.subnet_ids.is_empty() {
            c.error(vpc.span(), "an existing VPC needs `subnet_ids`")
                .set_label("the private subnets the functions run in");
            c.set_hint("add `subnet_ids = [\"subnet-...\", \"subnet-...\"]` (two or more zones)");
        }
    }
    if let Some(az) = network.az_count {
        if !(1..=6).contains(&az) {
            let span = network.vpc_id.as_ref().map_or(0..0, Spanned::span);
            c.out.push(
                Diagnostic::error(format!(
                    "`[network] az_count = {az}` must be between 1 and 6"
                ))
                .at(&c.loaded.source, span),
            );
        }
    }
}

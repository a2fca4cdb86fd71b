//! Each stage's Cognito callback and logout URLs must point at that stage's own frontend: its
//! origins are the stage's `cors_origins` (the frontend calls the API from there) and its web
//! domain name; for dev, the local Vite server. A staging callback that names prod's site, or a
//! dev callback on a port nothing listens on, is the seed's "misconfigured callback URLs".

use std::collections::BTreeSet;

use lamina_config::{LoadedConfig, Spanned};

use crate::report::{Outcome, Problem};

/// The frontend's route that completes a sign-in (`src/app/routes/auth-callback.tsx`).
pub const CALLBACK_PATH: &str = "/auth/callback";

/// `https://app.example.com:8443` and the path of a URL; `None` when it is not http(s).
pub(crate) fn split_url(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let path = rest[end..].split(['?', '#']).next().unwrap_or("");
    let path = if path.is_empty() { "/" } else { path };
    Some((
        format!("{scheme}://{}", rest[..end].to_ascii_lowercase()),
        path.to_owned(),
    ))
}

fn is_loopback(origin: &str) -> bool {
    let host = origin.split_once("://").map_or(origin, |(_, h)| h);
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

pub(crate) fn check(config: &LoadedConfig, mut outcome: Outcome) -> Outcome {
    if config.config.frontend.is_none() {
        return outcome.skipped("no [frontend] in lamina.toml");
    }
    let at = |s: &Spanned<String>| {
        let (line, col) = config.source.line_col(s.span().start);
        format!("{}:{line}:{col}", config.source.path.display())
    };
    let mut checked = 0;
    for (stage_name, stage) in &config.config.stages {
        let name = stage_name.get_ref();
        let mut origins: BTreeSet<String> = stage
            .cors_origins
            .iter()
            .filter_map(|o| split_url(o.get_ref()).map(|(origin, _)| origin))
            .collect();
        if let Some(web) = stage.domain_names.as_ref().and_then(|d| d.web.as_ref()) {
            origins.insert(format!("https://{}", web.to_ascii_lowercase()));
        }
        let Some(urls) = config.config.auth.urls.get(name.as_str()) else {
            // Only the stage's CloudFront URL, which Terraform registers by itself.
            continue;
        };
        let listed = origins.iter().cloned().collect::<Vec<_>>().join(", ");
        let local = name == "dev";
        let mut with_callback = BTreeSet::new();
        for (kind, list) in [("callback", &urls.callback), ("logout", &urls.logout)] {
            for url in list {
                checked += 1;
                let Some((origin, path)) = split_url(url.get_ref()) else {
                    continue; // lamina.toml's own validation refuses it
                };
                let table = format!("[auth.urls.{name}] {kind}");
                if local && !is_loopback(&origin) {
                    outcome.problems.push(
                        Problem::new(format!(
                            "{table} `{}` is not on this machine",
                            url.get_ref()
                        ))
                        .at(at(url))
                        .hint(format!(
                            "the dev stage signs in through `lamina dev`'s frontend: use {}{}",
                            origins
                                .iter()
                                .find(|o| is_loopback(o))
                                .map_or("http://localhost:5173", String::as_str),
                            if kind == "callback" {
                                CALLBACK_PATH
                            } else {
                                "/"
                            }
                        )),
                    );
                    continue;
                }
                if !origins.contains(&origin) {
                    outcome.problems.push(
                        Problem::new(format!(
                            "{table} `{}` is not on the {name} frontend's origin ({})",
                            url.get_ref(),
                            if listed.is_empty() { "none: the stage has no cors_origins".to_owned() } else { listed.clone() }
                        ))
                        .at(at(url))
                        .hint(format!(
                            "Cognito would send {name}'s users to another site; point it at the stage's frontend, or add that origin to [stages.{name}] cors_origins if the frontend really lives there"
                        )),
                    );
                    continue;
                }
                if kind == "callback" {
                    with_callback.insert(origin.clone());
                    if path != CALLBACK_PATH {
                        outcome.problems.push(
                            Problem::new(format!(
                                "{table} `{}` is not the frontend's sign-in route",
                                url.get_ref()
                            ))
                            .at(at(url))
                            .hint(format!(
                                "the frontend completes sign-in at `{origin}{CALLBACK_PATH}`"
                            )),
                        );
                    }
                }
            }
        }
        if !urls.callback.is_empty() {
            for origin in origins.difference(&with_callback) {
                outcome.problems.push(
                    Problem::new(format!(
                        "the {name} frontend at {origin} has no callback URL: signing in there fails"
                    ))
                    .at(crate::log_level::key_location(config, &format!("auth.urls.{name}"), "callback"))
                    .hint(format!("add `{origin}{CALLBACK_PATH}` to [auth.urls.{name}] callback")),
                );
            }
        }
    }
    outcome.detail = format!("{checked} URLs");
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_origin_and_path() {
        assert_eq!(
            split_url("https://App.Example.com/auth/callback?x=1"),
            Some(("https://app.example.com".into(), "/auth/callback".into()))
        );
        assert_eq!(
            split_url("http://127.0.0.1:5173"),
            Some(("http://127.0.0.1:5173".into(), "/".into()))
        );
        assert_eq!(split_url("ftp://x"), None);
        assert!(is_loopback("http://localhost:5173") && !is_loopback("https://app.example.com"));
    }
}

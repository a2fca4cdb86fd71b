//! The route table: one function over the config that both `lamina dev` and the Terraform
//! variables read, so local and cloud routing cannot drift.

use std::fmt;

use serde::Serialize;

use crate::LoadedConfig;

/// HTTP methods a route may name. `ANY` matches all of them.
pub const METHODS: [&str; 8] = [
    "ANY", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
];

/// A route as API Gateway sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// `ANY`, `GET`, ...
    pub method: String,
    /// `/user/{proxy+}`.
    pub path: String,
    pub domain: String,
    pub auth: RouteAuth,
    /// Full scope names (`rides/write`); empty means any valid token.
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RouteAuth {
    None,
    Jwt,
}

impl Route {
    /// API Gateway's route key, `GET /user/health`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl fmt::Display for RouteAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "public",
            Self::Jwt => "jwt",
        })
    }
}

/// Splits `GET /user/health` into method and path; `None` when it is not of that shape.
pub fn parse_route_key(key: &str) -> Option<(&str, &str)> {
    let (method, path) = key.split_once(' ')?;
    let path = path.trim_start();
    (METHODS.contains(&method) && path.starts_with('/')).then_some((method, path))
}

/// Checks a route path: `/`-separated segments, `{param}` segments, and `{name+}` only last.
pub fn check_route_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("a route path starts with `/`".into());
    }
    if path.len() > 1 && path.ends_with('/') {
        return Err("a route path does not end with `/`".into());
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() && path != "/" {
            return Err("a route path has no empty segment (`//`)".into());
        }
        if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let (name, greedy) = match inner.strip_suffix('+') {
                Some(name) => (name, true),
                None => (inner, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("`{segment}` is not a valid path parameter"));
            }
            if greedy && i + 1 != segments.len() {
                return Err("a greedy parameter `{name+}` must be the last segment".into());
            }
        } else if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:@!$&'()*,;=".contains(c))
        {
            return Err(format!(
                "`{segment}` has characters a route path cannot hold"
            ));
        }
    }
    Ok(())
}

impl LoadedConfig {
    /// The routes of every domain, sorted by path then method: for each domain `ANY <prefix>`
    /// and `ANY <prefix>/{proxy+}` behind the JWT authorizer, plus its public and scoped routes.
    pub fn routes(&self) -> Vec<Route> {
        let project = self.config.project.name.get_ref();
        let mut routes = Vec::new();
        for (name, domain) in &self.config.domains {
            let name = name.get_ref();
            let prefix = self.prefix(name);
            // `auth = "none"`: the whole domain is public in one line.
            let auth = match domain.auth.as_ref().map(|a| *a.get_ref()) {
                Some(crate::DomainAuth::None) => RouteAuth::None,
                _ => RouteAuth::Jwt,
            };
            for path in [prefix.clone(), format!("{prefix}/{{proxy+}}")] {
                routes.push(Route {
                    method: "ANY".into(),
                    path,
                    domain: name.clone(),
                    auth,
                    scopes: Vec::new(),
                });
            }
            for key in &domain.public {
                if let Some((method, path)) = parse_route_key(key.get_ref()) {
                    let route = Route {
                        method: method.into(),
                        path: path.into(),
                        domain: name.clone(),
                        auth: RouteAuth::None,
                        scopes: Vec::new(),
                    };
                    // A public route that repeats a domain's catch-all replaces it: two routes
                    // with one key would be refused by API Gateway, and the gateway would keep
                    // the first (the JWT one), silently ignoring `public`.
                    routes.retain(|r| r.key() != route.key());
                    routes.push(route);
                }
            }
            for (key, scopes) in &domain.scopes {
                if let Some((method, path)) = parse_route_key(key.get_ref()) {
                    let scopes = scopes
                        .iter()
                        .map(|s| full_scope(project, s.get_ref()))
                        .collect();
                    let route = Route {
                        method: method.into(),
                        path: path.into(),
                        domain: name.clone(),
                        auth: RouteAuth::Jwt,
                        scopes,
                    };
                    // A scoped route that repeats a domain's catch-all replaces it.
                    routes.retain(|r| r.key() != route.key());
                    routes.push(route);
                }
            }
        }
        routes.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.method.cmp(&b.method)));
        routes
    }
}

/// `write` → `rides/write`; a name that already has a resource server is kept.
pub fn full_scope(project: &str, scope: &str) -> String {
    if scope.contains('/') {
        scope.to_owned()
    } else {
        format!("{project}/{scope}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_keys_parse() {
        assert_eq!(parse_route_key("GET /a/b"), Some(("GET", "/a/b")));
        assert_eq!(parse_route_key("get /a"), None);
        assert_eq!(parse_route_key("GET a"), None);
        assert_eq!(parse_route_key("/a"), None);
    }

    #[test]
    fn route_paths_are_checked() {
        assert!(check_route_path("/ride/rides/{id}").is_ok());
        assert!(check_route_path("/ride/{proxy+}").is_ok());
        assert!(check_route_path("/ride/{proxy+}/x").is_err());
        assert!(check_route_path("/ride/").is_err());
        assert!(check_route_path("/ride//x").is_err());
        assert!(check_route_path("/ride/{}").is_err());
        assert!(check_route_path("/ride/a b").is_err());
    }
}

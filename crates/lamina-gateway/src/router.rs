//! Route selection, most specific first (spec §2.2).
//!
//! Routes are sorted once by a key that does not depend on the request, so the first route that
//! matches a request is the one API Gateway picks:
//! non-greedy before greedy, then more literal segments, then an explicit method before `ANY`,
//! then literal segments further left. `$default` comes last.

use lamina_config::{Route, RouteAuth};

use crate::util::percent_decode;

#[derive(Debug)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug)]
pub(crate) struct CompiledRoute {
    /// `None` is `ANY`.
    method: Option<String>,
    segments: Vec<Segment>,
    /// The name of a final `{name+}`.
    greedy: Option<String>,
    pub(crate) key: String,
    pub(crate) domain: String,
    pub(crate) jwt: bool,
    pub(crate) scopes: Vec<String>,
}

impl CompiledRoute {
    pub(crate) fn is_any(&self) -> bool {
        self.method.is_none()
    }

    pub(crate) fn method_is(&self, method: &str) -> bool {
        self.method.as_deref() == Some(method)
    }

    fn new(route: &Route) -> Self {
        let method = (route.method != "ANY").then(|| route.method.clone());
        let mut segments = Vec::new();
        let mut greedy = None;
        if route.path != "/" {
            for segment in route.path[1..].split('/') {
                match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(inner) => match inner.strip_suffix('+') {
                        Some(name) => greedy = Some(name.to_owned()),
                        None => segments.push(Segment::Param(inner.to_owned())),
                    },
                    None => segments.push(Segment::Literal(segment.to_owned())),
                }
            }
        }
        Self {
            method,
            segments,
            greedy,
            key: route.key(),
            domain: route.domain.clone(),
            jwt: route.auth == RouteAuth::Jwt,
            scopes: route.scopes.clone(),
        }
    }

    fn sort_key(&self) -> (bool, std::cmp::Reverse<usize>, bool, Vec<bool>) {
        let literals: Vec<bool> = self
            .segments
            .iter()
            .map(|s| matches!(s, Segment::Param(_)))
            .collect();
        let literal_count = literals.iter().filter(|p| !**p).count();
        (
            self.greedy.is_some(),
            std::cmp::Reverse(literal_count),
            self.method.is_none(),
            literals,
        )
    }

    /// Path parameters when `segments` (the raw, still-encoded path split on `/`) match.
    fn matches(&self, raw: &[&str], decoded: &[String]) -> Option<Vec<(String, String)>> {
        let n = self.segments.len();
        let fits = match self.greedy {
            // `/x/{proxy+}` needs `/x/` and then anything, even nothing (spec §2.5: `/metrics/`
            // reaches `GET /metrics/{proxy+}`).
            Some(_) => raw.len() > n,
            // `/` is the only path whose split is `[""]`.
            None if n == 0 => raw == [""],
            None => raw.len() == n,
        };
        if !fits {
            return None;
        }
        let mut params = Vec::new();
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Literal(literal) => {
                    if *literal != decoded[i] {
                        return None;
                    }
                }
                Segment::Param(name) => {
                    if decoded[i].is_empty() {
                        return None;
                    }
                    params.push((name.clone(), decoded[i].clone()));
                }
            }
        }
        if let Some(name) = &self.greedy {
            // The rest of the path without its leading slash, decoded as a whole.
            let rest = raw[n..].join("/");
            params.push((name.clone(), percent_decode(&rest, false).into_owned()));
        }
        Some(params)
    }
}

/// A matched route and its path parameters.
pub(crate) struct Matched<'r> {
    pub(crate) route: &'r CompiledRoute,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) has_params: bool,
}

#[derive(Debug)]
pub(crate) struct Router {
    routes: Vec<CompiledRoute>,
    default: Option<CompiledRoute>,
}

impl Router {
    pub(crate) fn new(routes: &[Route]) -> Self {
        let mut compiled = Vec::new();
        let mut default = None;
        for route in routes {
            if route.path == "$default" {
                let mut route = CompiledRoute::new(&Route {
                    path: "/".into(),
                    ..route.clone()
                });
                route.key = "$default".into();
                route.method = None;
                default = Some(route);
            } else {
                compiled.push(CompiledRoute::new(route));
            }
        }
        compiled.sort_by_cached_key(CompiledRoute::sort_key);
        Self {
            routes: compiled,
            default,
        }
    }

    /// The route for `method` and `path` (the raw request path, after the stage), if any.
    /// `filter` can skip routes that match (a CORS preflight skips `ANY` routes).
    pub(crate) fn find(
        &self,
        method: &str,
        path: &str,
        filter: impl Fn(&CompiledRoute) -> bool,
    ) -> Option<Matched<'_>> {
        let raw: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
        let decoded: Vec<String> = raw
            .iter()
            .map(|s| percent_decode(s, false).into_owned())
            .collect();
        for route in &self.routes {
            if route.method.as_deref().is_some_and(|m| m != method) || !filter(route) {
                continue;
            }
            if let Some(params) = route.matches(&raw, &decoded) {
                let has_params = !route
                    .segments
                    .iter()
                    .all(|s| matches!(s, Segment::Literal(_)))
                    || route.greedy.is_some();
                return Some(Matched {
                    route,
                    params,
                    has_params,
                });
            }
        }
        self.default.as_ref().map(|route| Matched {
            route,
            params: Vec::new(),
            has_params: false,
        })
    }

    /// Whether `path` ends in `/` and would match a non-greedy route without it: API Gateway
    /// does not strip the slash (spec §2.5), which surprises people.
    pub(crate) fn trailing_slash_note(&self, method: &str, path: &str) -> Option<String> {
        let trimmed = path.strip_suffix('/').filter(|p| !p.is_empty())?;
        let matched = self.find(method, trimmed, |_| true)?;
        (matched.route.greedy.is_none() && matched.route.key != "$default").then(|| {
            format!(
                "`{path}` does not match route `{}`: API Gateway keeps the trailing slash",
                matched.route.key
            )
        })
    }
}

/// The route API Gateway picks for `method` and `path` among `routes`, by the same rules as the
/// running gateway: what `lamina openapi` uses to tell public operations from protected ones.
/// A `{param}` segment of an OpenAPI path matches a route's `{param}`, never a literal.
pub fn select_route<'r>(routes: &'r [Route], method: &str, path: &str) -> Option<&'r Route> {
    let router = Router::new(routes);
    let key = router.find(method, path, |_| true)?.route.key.clone();
    if key == "$default" {
        return routes.iter().find(|r| r.path == "$default");
    }
    routes.iter().find(|r| r.key() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(key: &str) -> Route {
        let (method, path) = key.split_once(' ').unwrap_or(("ANY", key));
        Route {
            method: method.into(),
            path: path.into(),
            domain: "d".into(),
            auth: RouteAuth::None,
            scopes: Vec::new(),
        }
    }

    fn pick(router: &Router, method: &str, path: &str) -> Option<String> {
        router
            .find(method, path, |_| true)
            .map(|m| m.route.key.clone())
    }

    #[test]
    fn the_docs_example_routes_most_specific_first() {
        // http-api-develop-routes.md, "Routing API requests", in a shuffled order.
        let router = Router::new(&[
            route("ANY /{proxy+}"),
            route("$default"),
            route("GET /pets/{proxy+}"),
            route("GET /pets/dog/{id}"),
            route("GET /pets/dog/1"),
        ]);
        assert_eq!(
            pick(&router, "GET", "/pets/dog/1").unwrap(),
            "GET /pets/dog/1"
        );
        assert_eq!(
            pick(&router, "GET", "/pets/dog/2").unwrap(),
            "GET /pets/dog/{id}"
        );
        assert_eq!(
            pick(&router, "GET", "/pets/cat/1").unwrap(),
            "GET /pets/{proxy+}"
        );
        assert_eq!(pick(&router, "POST", "/test/5").unwrap(), "ANY /{proxy+}");
        assert_eq!(
            pick(&router, "POST", "/pets/dog/1").unwrap(),
            "ANY /{proxy+}"
        );
    }

    #[test]
    fn explicit_methods_beat_any_and_literals_beat_params() {
        let router = Router::new(&[
            route("ANY /a/{x}"),
            route("GET /a/{x}"),
            route("ANY /a/b"),
            route("GET /{y}/b"),
        ]);
        assert_eq!(pick(&router, "GET", "/a/c").unwrap(), "GET /a/{x}");
        assert_eq!(pick(&router, "PUT", "/a/c").unwrap(), "ANY /a/{x}");
        assert_eq!(pick(&router, "GET", "/a/b").unwrap(), "ANY /a/b");
        assert_eq!(pick(&router, "GET", "/z/b").unwrap(), "GET /{y}/b");
    }

    #[test]
    fn trailing_slashes_and_the_root() {
        let router = Router::new(&[route("ANY /x"), route("ANY /x/{proxy+}"), route("GET /y")]);
        assert_eq!(pick(&router, "GET", "/x").unwrap(), "ANY /x");
        assert_eq!(pick(&router, "GET", "/x/").unwrap(), "ANY /x/{proxy+}");
        assert_eq!(pick(&router, "GET", "/y/"), None);
        assert_eq!(pick(&router, "GET", "/"), None);
        assert!(router.trailing_slash_note("GET", "/y/").is_some());
        assert!(router.trailing_slash_note("GET", "/x/").is_some());
        let root = Router::new(&[route("GET /"), route("ANY /{proxy+}")]);
        assert_eq!(pick(&root, "GET", "/").unwrap(), "GET /");
        assert_eq!(pick(&root, "POST", "/").unwrap(), "ANY /{proxy+}");
    }

    #[test]
    fn parameters_are_decoded() {
        let router = Router::new(&[route("GET /a/{id}"), route("ANY /p/{proxy+}")]);
        let m = router.find("GET", "/a/x%20y", |_| true).unwrap();
        assert_eq!(m.params, [("id".to_owned(), "x y".to_owned())]);
        let m = router.find("GET", "/p/hello/wor%2Fld", |_| true).unwrap();
        assert_eq!(m.params, [("proxy".to_owned(), "hello/wor/ld".to_owned())]);
        assert!(router.find("GET", "/a/", |_| true).is_none());
    }

    #[test]
    fn select_route_finds_what_the_gateway_would() {
        let mut public = route("GET /user/health");
        public.domain = "user".into();
        let routes = vec![route("ANY /user/{proxy+}"), public, route("GET /ride/{id}")];
        let picked = |m: &str, p: &str| select_route(&routes, m, p).map(Route::key);
        assert_eq!(
            picked("GET", "/user/health").as_deref(),
            Some("GET /user/health")
        );
        assert_eq!(
            picked("POST", "/user/health").as_deref(),
            Some("ANY /user/{proxy+}")
        );
        assert_eq!(
            picked("GET", "/ride/{ride_id}").as_deref(),
            Some("GET /ride/{id}")
        );
        assert_eq!(picked("GET", "/nowhere"), None);
    }
}

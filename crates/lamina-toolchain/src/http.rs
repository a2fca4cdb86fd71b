//! A blocking HTTPS GET for the index: hyper with rustls and Mozilla's roots, run on a thread of
//! its own so callers inside or outside an async runtime can use it.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// How long one request may take, head and body.
const TIMEOUT: Duration = Duration::from_secs(120);

/// GETs `url` (following up to 5 redirects) with an `Accept` header; the body on a 200.
pub(crate) fn get(url: &str, accept: &str) -> Result<Bytes, String> {
    let (url, accept) = (url.to_owned(), accept.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async move {
            tokio::time::timeout(TIMEOUT, fetch(&url, &accept))
                .await
                .unwrap_or_else(|_| Err(format!("`{url}` did not answer in {TIMEOUT:?}")))
        })
    })
    .join()
    .unwrap_or_else(|_| Err("the download thread panicked".into()))
}

async fn fetch(url: &str, accept: &str) -> Result<Bytes, String> {
    // The system's roots (and `SSL_CERT_FILE`/`SSL_CERT_DIR`), as pip and uv use them: an index
    // behind a company proxy has a certificate only the machine trusts.
    let builder = match hyper_rustls::HttpsConnectorBuilder::new().with_native_roots() {
        Ok(native) => native,
        Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots(),
    };
    let https = builder.https_or_http().enable_http1().build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let mut url = url.to_owned();
    for _ in 0..6 {
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        let request = http::Request::get(uri.clone())
            .header(http::header::ACCEPT, accept)
            .header(
                http::header::USER_AGENT,
                concat!("lamina/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| e.to_string())?;
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach `{url}`: {e}"))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| format!("`{url}` redirects nowhere"))?;
            url = join(&uri, location);
            continue;
        }
        if !status.is_success() {
            return Err(format!("`{url}` answered {status}"));
        }
        return response
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .map_err(|e| format!("reading `{url}`: {e}"));
    }
    Err(format!("`{url}` redirects too often"))
}

/// Resolves a `Location` or an index's relative link against the URL it came from.
pub(crate) fn join(base: &http::Uri, link: &str) -> String {
    if link.contains("://") {
        return link.to_owned();
    }
    let scheme = base.scheme_str().unwrap_or("https");
    let authority = base.authority().map_or("", |a| a.as_str());
    if let Some(rest) = link.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    if link.starts_with('/') {
        return format!("{scheme}://{authority}{link}");
    }
    let path = base.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    format!("{scheme}://{authority}{dir}{link}")
}

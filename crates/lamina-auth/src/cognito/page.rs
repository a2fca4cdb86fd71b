//! The hosted UI's pages, as plain HTML: a sign-in form for the test users and an error page.

use super::LocalUser;

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#222}\
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.45rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00020}.users{color:#555;font-size:.9rem}code{background:#eee;padding:0 .2rem}";

/// The sign-in form. `request` is the `/oauth2/authorize` query, carried through the POST.
pub(crate) fn login(
    project: &str,
    users: &[LocalUser],
    request: &str,
    error: Option<&str>,
) -> String {
    let error = error.map_or_else(String::new, |e| {
        format!("<p class=\"error\">{}</p>", escape(e))
    });
    let users = if users.is_empty() {
        "<p class=\"users\">No test users: add some under <code>[[auth.test_users]]</code> in lamina.toml.</p>".to_owned()
    } else {
        let names: Vec<String> = users
            .iter()
            .map(|u| format!("<code>{}</code>", escape(&u.username)))
            .collect();
        format!("<p class=\"users\">Test users: {}</p>", names.join(", "))
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in · {project}</title>\
<style>{STYLE}</style></head><body>\
<h1>Sign in to {project}</h1><p class=\"users\">Local Cognito of <code>lamina dev</code></p>{error}\
<form method=\"post\" action=\"/login\">\
<input type=\"hidden\" name=\"request\" value=\"{request}\">\
<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" autofocus required>\
<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form>{users}</body></html>\n",
        project = escape(project),
        request = escape(request),
    )
}

pub(crate) fn error(message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title>\
<style>{STYLE}</style></head><body><h1>An error was encountered with the requested page.</h1>\
<p class=\"error\">{}</p></body></html>\n",
        escape(message)
    )
}

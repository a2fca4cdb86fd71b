//! `lamina openapi` on the example: the client shipped with the template is exactly what the
//! domains generate, generating again changes nothing, a route change makes `--check` fail, and a
//! domain that cannot be imported is named with its error. Needs uv and npm (scripts/test has them).
//!
//! `LAMINA_UPDATE_CLIENT=1` rewrites the template's copy (templates/frontend-rides/src/api) from
//! the example's domains instead of failing on a difference.

#![allow(clippy::print_stderr)] // says which files LAMINA_UPDATE_CLIENT rewrote

mod common;

use std::path::{Path, PathBuf};

use common::{add_greeting_route, example, lamina, run};

fn api_dir(root: &Path) -> PathBuf {
    root.join("frontend/src/api")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `openapi.json` and `schema.d.ts` as they are now.
fn client(root: &Path) -> (String, String) {
    (
        read(&api_dir(root).join("openapi.json")),
        read(&api_dir(root).join("schema.d.ts")),
    )
}

/// The template's generated files, as `lamina new rides` renders them.
fn template_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../lamina-templates/templates/frontend-rides/src/api")
}

/// Writes the example's freshly generated files back into the template.
fn update_template(root: &Path) {
    let r = run(lamina(root).args(["openapi"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let json = read(&api_dir(root).join("openapi.json"));
    // The project's name is the only part that differs between projects.
    let templated = json
        .replace("\"title\": \"rides\"", "\"title\": \"{{project}}\"")
        .replace("Every domain of `rides`", "Every domain of `{{project}}`");
    assert_eq!(
        templated.matches("{{project}}").count(),
        2,
        "the project's name moved in openapi.json"
    );
    std::fs::write(template_dir().join("openapi.json.tmpl"), templated).unwrap();
    std::fs::copy(
        api_dir(root).join("schema.d.ts"),
        template_dir().join("schema.d.ts"),
    )
    .unwrap();
    eprintln!("updated {}", template_dir().display());
}

#[test]
#[ignore = "needs uv and npm: run by scripts/test"]
fn the_examples_client_is_generated_deterministically_and_kept_current() {
    let (_tmp, root) = example();
    if std::env::var_os("LAMINA_UPDATE_CLIENT").is_some() {
        update_template(&root);
        return;
    }

    // What `lamina new` wrote is what the domains give: regenerating finds no difference.
    let r = run(lamina(&root).args(["openapi", "--check"]));
    assert_eq!(
        r.code, 0,
        "the template's client is stale; run `LAMINA_UPDATE_CLIENT=1 cargo test -p lamina --test openapi -- --ignored`:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Checked the API of 3 domains"),
        "{}",
        r.stderr
    );

    // From nothing, twice: the same bytes, and the second run writes nothing.
    let shipped = client(&root);
    std::fs::remove_dir_all(api_dir(&root)).unwrap();
    let r = run(lamina(&root).arg("openapi"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Wrote frontend/src/api/schema.d.ts"),
        "{}",
        r.stderr
    );
    let r = run(lamina(&root).arg("openapi"));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Unchanged frontend/src/api/openapi.json")
            && r.stderr.contains("Unchanged frontend/src/api/schema.d.ts"),
        "{}",
        r.stderr
    );
    let again = client(&root);
    assert!(shipped == again, "regenerating changed the client");

    // What the merged document says: prefixes, unique ids, the authorizer on protected routes.
    let doc: serde_json::Value = serde_json::from_str(&again.0).unwrap();
    let health = &doc["paths"]["/user/health"]["get"];
    assert_eq!(health["operationId"], "user-health-read_health");
    assert!(health.get("security").is_none(), "{health}");
    assert_eq!(
        doc["paths"]["/ride/rides"]["post"]["security"],
        serde_json::json!([{"cognito": []}])
    );
    assert!(again.1.contains("\"/payment/payments\": {"));
    assert!(
        again
            .1
            .contains("export type RidePublic = components['schemas']['RidePublic'];")
    );

    // A new route makes the committed client stale, and `--check` says so.
    let (me, original) = add_greeting_route(&root);
    let r = run(lamina(&root).args(["openapi", "--check"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("out of date with the domains' routes")
            && r.stderr.contains("frontend/src/api/schema.d.ts"),
        "{}",
        r.stderr
    );
    assert_eq!(
        read(&api_dir(&root).join("schema.d.ts")),
        again.1,
        "--check wrote"
    );
    std::fs::write(&me, original).unwrap();

    // A domain that cannot be imported is named, with the traceback's last line.
    let handler = root.join("backend/payment/handler.py");
    let original = read(&handler);
    std::fs::write(
        &handler,
        format!("import stripe_sdk_not_installed\n{original}"),
    )
    .unwrap();
    let r = run(lamina(&root).arg("openapi"));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "error: domain `payment` failed to import: ModuleNotFoundError: No module named 'stripe_sdk_not_installed'"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        read(&api_dir(&root).join("openapi.json")),
        again.0,
        "a failed run wrote"
    );
}

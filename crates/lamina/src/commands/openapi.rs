//! `lamina openapi`: every domain's FastAPI document merged into one, and the frontend's typed
//! client generated from it (`frontend/src/api/openapi.json` and `schema.d.ts`).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use lamina_config::LoadedConfig;
use lamina_openapi::{FileState, Mode, OpenApiError, Options};

use crate::cli::OpenapiArgs;
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn run(
    config: &LoadedConfig,
    args: &OpenapiArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let started = Instant::now();
    let view = config.stage(&args.stage)?;
    let out_dir = match (&args.out, lamina_openapi::default_out_dir(config)) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => dir,
        (None, None) => return Err(openapi_error(OpenApiError::NoFrontend, printer)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?;
    let outcome = runtime.block_on(async {
        // The dev venvs `lamina dev` uses (one per set of locks): each domain is imported in its own.
        let output: std::sync::Arc<dyn lamina_dev::DevOutput> =
            std::sync::Arc::new(super::run::Quiet(printer));
        let pythons = lamina_dev::DomainPythons::prepare(config, view.name, output)
            .await
            .map_err(|e| {
                let hint = e.hint();
                CliError::user(format!("cannot prepare the Python environment: {e}"))
                    .maybe_hint(hint)
            })?;
        let options = Options {
            python: pythons.default,
            python_by_domain: pythons.by_domain,
            out_dir: out_dir.clone(),
            client: !args.no_client,
            mode: if args.check { Mode::Check } else { Mode::Write },
            extra_env: jwt_env(config),
            import_timeout: Duration::from_secs(60),
        };
        lamina_openapi::run(&view, &options)
            .await
            .map_err(|e| openapi_error(e, printer))
    })?;
    for warning in &outcome.warnings {
        printer.diagnostic(&format!("warning: {warning}"));
    }
    let show = |path: &Path| {
        path.strip_prefix(&config.root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let stale: Vec<String> = outcome
        .files
        .iter()
        .filter(|(_, state)| *state == FileState::Stale)
        .map(|(path, _)| show(path))
        .collect();
    if !stale.is_empty() {
        return Err(CliError::user(format!(
            "out of date with the domains' routes: {}",
            stale.join(", ")
        ))
        .hint("run `lamina openapi` (or keep `lamina dev` running) and commit the result"));
    }
    for (path, state) in &outcome.files {
        let verb = match state {
            FileState::Written => "Wrote",
            FileState::Unchanged | FileState::Stale => "Unchanged",
        };
        printer.status(verb, &show(path));
    }
    printer.status(
        if args.check { "Checked" } else { "Generated" },
        &format!(
            "the API of {} domains ({} operations) in {} ms",
            outcome.domains,
            outcome.operations,
            started.elapsed().as_millis()
        ),
    );
    Ok(())
}

/// The issuer and audiences the domains would see under `lamina dev` on its default port.
pub(crate) fn jwt_env(config: &LoadedConfig) -> BTreeMap<String, String> {
    let auth = &config.config.auth;
    let (issuer, audiences) = match &auth.dev_issuer {
        Some(issuer) => (issuer.clone(), auth.dev_audiences.clone()),
        None => {
            let project = config.project_name();
            (
                lamina_auth::local_issuer(lamina_auth::DEFAULT_PORT, project),
                vec![
                    lamina_auth::local_client_id(project),
                    lamina_auth::local_m2m_client_id(project),
                ],
            )
        }
    };
    BTreeMap::from([
        ("LAMINA_JWT_ISSUER".to_owned(), issuer),
        ("LAMINA_JWT_AUDIENCE".to_owned(), audiences.join(",")),
    ])
}

fn openapi_error(err: OpenApiError, printer: Printer) -> CliError {
    if let OpenApiError::DomainImport { traceback, .. } = &err {
        printer.debug(traceback.trim_end());
    }
    let hint = err.hint();
    let message = err.to_string();
    let cli = if err.is_user_error() {
        CliError::user(message)
    } else {
        CliError::internal(message)
    };
    cli.maybe_hint(hint)
}

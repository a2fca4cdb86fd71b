//! `lamina add domain`: a domain's files and its lamina.toml table, or nothing at all.

use std::path::Path;

use crate::cli::AddDomainArgs;
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn domain(
    config: &Path,
    args: &AddDomainArgs,
    printer: Printer,
) -> Result<(), CliError> {
    if let Some(from) = &args.from {
        return adopt(config, args, from, printer);
    }
    let written = lamina_templates::add_domain(config, &args.name, args.prefix.as_deref())?;
    for file in &written.files {
        printer.debug(&format!("  {}", file.display()));
    }
    printer.status(
        "Added",
        &format!(
            "domain `{}` ({} files) and its table in lamina.toml",
            args.name,
            written.files.len()
        ),
    );
    // The new domain's path filter and test job, in workflows `lamina ci github` manages.
    let root = config.parent().unwrap_or(Path::new("."));
    let workflows = root.join(".github/workflows");
    if workflows.join("ci.yml").is_file() && workflows.join("deploy.yml").is_file() {
        let loaded = lamina_config::LoadedConfig::load(config)?;
        let changes = crate::commands::ci::write(&loaded, lamina_ci::Mode::Write)?;
        crate::commands::ci::report(&changes, lamina_ci::Mode::Write, printer);
    }
    printer.info(
        "The frontend's typed client learns its routes from `lamina openapi` (`lamina dev` runs it by itself).",
    );
    Ok(())
}

/// `--from PATH`: an existing FastAPI app becomes the domain.
fn adopt(
    config: &Path,
    args: &AddDomainArgs,
    from: &Path,
    printer: Printer,
) -> Result<(), CliError> {
    let opts = lamina_templates::AdoptOptions {
        from: from.to_path_buf(),
        prefix: args.prefix.clone(),
        in_place: args.in_place,
        app: args.app.clone(),
        public: args.auth.as_deref().map(|a| a == "none"),
    };
    let adopted = lamina_templates::adopt_domain(config, &args.name, &opts)?;
    for file in &adopted.written.files {
        printer.debug(&format!("  {}", file.display()));
    }
    printer.status(
        "Adopted",
        &format!(
            "`{}` as domain `{}` in {} ({} files), with its table in lamina.toml",
            adopted.app,
            args.name,
            adopted.dir.display(),
            adopted.written.files.len()
        ),
    );
    printer.info("Still yours to decide:");
    for note in &adopted.notes {
        printer.info(&format!("  - {note}"));
    }
    Ok(())
}

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
    printer.info(
        "The frontend's typed client learns its routes from `lamina openapi` (`lamina dev` runs it by itself).",
    );
    Ok(())
}

//! `lamina routes`: the route table both the local gateway and API Gateway use.

use lamina_config::LoadedConfig;

use crate::cli::RoutesArgs;
use crate::error::CliError;
use crate::printer::Printer;

pub(crate) fn run(
    config: &LoadedConfig,
    args: &RoutesArgs,
    printer: Printer,
) -> Result<(), CliError> {
    config.stage(&args.stage)?;
    let routes = config.routes();
    if args.json {
        let json =
            serde_json::to_string_pretty(&routes).map_err(|e| CliError::internal(e.to_string()))?;
        printer.data(&json);
        return Ok(());
    }
    let rows: Vec<[String; 5]> = routes
        .iter()
        .map(|r| {
            [
                r.method.clone(),
                r.path.clone(),
                r.domain.clone(),
                r.auth.to_string(),
                r.scopes.join(" "),
            ]
        })
        .collect();
    let header = ["METHOD", "PATH", "DOMAIN", "AUTH", "SCOPES"].map(str::to_owned);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        printer.data(line.join("  ").trim_end());
    }
    Ok(())
}

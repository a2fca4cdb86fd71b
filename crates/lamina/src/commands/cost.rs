//! `lamina cost`: a table per service, then the total, list price and after the free tier.

use lamina_config::LoadedConfig;
use lamina_cost::estimate::{Estimate, Service};
use lamina_cost::traffic::parse_count;
use lamina_cost::{CostError, Inputs, Measured, Prices, estimate};

use crate::cli::CostArgs;
use crate::error::CliError;
use crate::printer::Printer;

impl From<CostError> for CliError {
    fn from(err: CostError) -> Self {
        let hint = err.hint();
        Self::user(err.to_string()).maybe_hint(hint)
    }
}

pub(crate) fn run(
    config: &LoadedConfig,
    args: &CostArgs,
    printer: Printer,
) -> Result<(), CliError> {
    let view = config.stage(&args.stage)?;
    let prices = Prices::load()?;
    let inputs = Inputs {
        requests: parse_count(&args.requests)?,
        users: args.users.as_deref().map(parse_count).transpose()?,
        duration_ms: args.duration_ms,
    };
    if inputs
        .duration_ms
        .is_some_and(|d| !(d.is_finite() && d > 0.0))
    {
        return Err(CliError::user(
            "`--duration-ms` must be a positive number of milliseconds",
        ));
    }
    let measured = Measured::read(&view);
    let est = estimate(&view, &prices, &inputs, &measured);
    if args.json {
        printer.data(&serde_json::to_string_pretty(&est).expect("serialises"));
        return Ok(());
    }
    for line in render(&est) {
        printer.data(&line);
    }
    if measured.init_ms.is_empty() {
        printer.info(&format!(
            "cold starts are assumed: `lamina build --stage {} --profile` measures them",
            view.name
        ));
    }
    Ok(())
}

fn money(v: f64) -> String {
    if v > 0.0 && v < 0.01 {
        "<$0.01".into()
    } else {
        format!("${v:.2}")
    }
}

fn quantity(q: f64) -> String {
    if q >= 1e6 {
        format!("{:.2}M", q / 1e6)
    } else if q >= 1e4 {
        format!("{:.0}k", q / 1e3)
    } else if q >= 100.0 || q == q.round() {
        format!("{q:.0}")
    } else {
        format!("{q:.3}")
    }
}

/// The tables, as lines (no colour: stdout may be a file).
pub(crate) fn render(est: &Estimate) -> Vec<String> {
    let mut out = vec![format!(
        "Monthly cost of stage {} ({}): {} requests, {} users. Prices: {} list prices of {}, {}.",
        est.stage,
        est.region,
        quantity(est.requests),
        quantity(est.users),
        est.prices_region,
        est.prices_as_of,
        est.currency
    )];
    if est.region != est.prices_region {
        out.push(format!(
            "  ({} prices differ a little from {}'s; see docs/operations.md)",
            est.region, est.prices_region
        ));
    }
    for service in &est.services {
        out.push(String::new());
        out.extend(table(service));
    }
    out.push(String::new());
    out.push(format!(
        "{:<14} {:>10} {:>16}",
        "service", "list", "after free tier"
    ));
    for s in &est.services {
        out.push(format!(
            "{:<14} {:>10} {:>16}",
            s.name,
            money(s.monthly),
            money(s.after_free_tier)
        ));
    }
    out.push(format!(
        "{:<14} {:>10} {:>16}",
        "total",
        money(est.monthly),
        money(est.after_free_tier)
    ));
    out.push("The free tier is per account and shared by every stage and app in it.".into());
    out
}

fn table(s: &Service) -> Vec<String> {
    let item_w = s
        .lines
        .iter()
        .map(|l| l.item.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut out = vec![s.name.clone()];
    out.push(format!(
        "  {:<item_w$}  {:>10} {:<14} {:<22} {:>9}  {}",
        "item", "quantity", "unit", "price", "monthly", "basis"
    ));
    for l in &s.lines {
        out.push(format!(
            "  {:<item_w$}  {:>10} {:<14} {:<22} {:>9}  {}",
            l.item,
            quantity(l.quantity),
            l.unit,
            l.price,
            money(l.monthly),
            l.basis
        ));
    }
    out.push(format!(
        "  {:<item_w$}  {:>10} {:<14} {:<22} {:>9}",
        "",
        "",
        "",
        "",
        money(s.monthly)
    ));
    out
}

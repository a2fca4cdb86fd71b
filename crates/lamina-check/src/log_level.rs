//! A protected stage must not log at DEBUG: it multiplies CloudWatch ingestion (the seed's
//! "logging verbosity can balloon CloudWatch costs") and writes request details to logs.

use lamina_config::{LoadedConfig, LogLevel};

use crate::report::{Outcome, Problem};

pub(crate) fn check(config: &LoadedConfig, mut outcome: Outcome) -> Outcome {
    let mut protected = 0;
    for (name, stage) in &config.config.stages {
        if !stage.protected {
            continue;
        }
        protected += 1;
        if stage.log_level == LogLevel::Debug {
            outcome.problems.push(
                Problem::new(format!(
                    "stage `{}` is protected but logs at DEBUG",
                    name.get_ref()
                ))
                .at(key_location(config, &format!("stages.{}", name.get_ref()), "log_level"))
                .hint(format!(
                    "set `log_level = \"INFO\"` (or WARNING) in [stages.{}]: DEBUG writes several times the log volume CloudWatch bills by the GB (`lamina cost --stage {}` shows it)",
                    name.get_ref(),
                    name.get_ref()
                )),
            );
        }
    }
    outcome.detail = format!("{protected} protected stages");
    outcome
}

/// `lamina.toml:LINE` of `key` in the table `[table]` (or the table's header without the key).
pub(crate) fn key_location(config: &LoadedConfig, table: &str, key: &str) -> String {
    let text = &config.source.text;
    let path = config.source.path.display();
    let header = format!("[{table}]");
    let mut in_table = false;
    let mut header_line = None;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_table = trimmed == header;
            if in_table {
                header_line = Some(i + 1);
            }
            continue;
        }
        if in_table {
            let k = trimmed
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            if k == key {
                return format!("{path}:{}", i + 1);
            }
        }
    }
    match header_line {
        Some(n) => format!("{path}:{n}"),
        None => path.to_string(),
    }
}

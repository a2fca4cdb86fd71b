//! The JSON Schema of `lamina.toml`, generated from the types so it cannot drift from them.

use crate::Config;

/// Where the schema is checked in, relative to the workspace root.
pub const SCHEMA_PATH: &str = "lamina.schema.json";

/// The schema as pretty JSON with a trailing newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Config);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is always serializable");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when the checked-in schema differs from the types; regenerate with
    /// `LAMINA_UPDATE_SCHEMA=1 cargo test -p lamina-config schema`.
    #[test]
    fn checked_in_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(SCHEMA_PATH);
        let current = json_schema();
        if std::env::var_os("LAMINA_UPDATE_SCHEMA").is_some() {
            fs_err::write(&path, &current).unwrap();
            return;
        }
        let checked_in = fs_err::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == current,
            "{SCHEMA_PATH} is stale: run `LAMINA_UPDATE_SCHEMA=1 cargo test -p lamina-config schema`"
        );
    }
}

//! What the package index has, for errors about wheels that do not fit.

/// `manylinux_2_24_x86_64.manylinux_2_28_x86_64 (cp311), ...` for one version, or `None` when
/// the index cannot be read (offline): the error then says less, never something wrong.
pub(crate) fn wheels_of(package: &str, version: &str) -> Option<String> {
    if std::env::var_os("LAMINA_OFFLINE").is_some() {
        return None;
    }
    let list = lamina_toolchain::index::wheel_platforms(package, version)?;
    if list.is_empty() {
        return Some("none: it publishes only a source distribution".into());
    }
    Some(list.join(", "))
}

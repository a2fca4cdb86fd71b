//! Which wheels a Lambda runtime can load.
//!
//! A manylinux wheel names the oldest glibc it runs on (`manylinux_2_28` → glibc 2.28). Lambda's
//! python3.11 runs on Amazon Linux 2 (glibc 2.26); python3.12 and python3.13 run on Amazon
//! Linux 2023 (glibc 2.34). So the right wheels are those of a glibc at most the runtime's.
//!
//! uv can only target some glibc versions (`manylinux_2_17`, `_2_28`, `_2_31` to `_2_40`), and
//! 2.26 is not one of them. For Amazon Linux 2 Lamina therefore resolves for `manylinux_2_28`,
//! which sees wheels tagged `manylinux_2_24`/`_2_26` (greenlet 3.3, argon2-cffi-bindings 25.1),
//! and installs in two passes: every package that has a `manylinux_2_17` wheel from that one,
//! the rest for `manylinux_2_28`, whose wheels are then checked against glibc 2.26 (uv would
//! otherwise prefer a `manylinux_2_28` wheel over an older one that runs).

use crate::{Architecture, PythonVersion};

/// The glibc versions uv can target with `--python-platform <arch>-manylinux_2_X`.
const UV_GLIBC: [u32; 12] = [17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40];

/// The wheels a function's dependencies are resolved and installed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelPlatform {
    pub architecture: Architecture,
    /// The runtime's glibc minor version (`2.<glibc>`): the newest a wheel may need.
    pub glibc: u32,
    /// `Amazon Linux 2`, or `lamina.toml` for an override.
    pub os: &'static str,
    /// uv's `--python-platform` for locks: `x86_64-manylinux_2_28`.
    pub lock: String,
    /// uv's `--python-platform` for installs, in order: a package is installed by the first
    /// that has a wheel for it.
    pub install: Vec<String>,
}

/// `manylinux2014` → 17, `manylinux_2_28` → 28.
pub fn manylinux_glibc(tag: &str) -> Option<u32> {
    if tag == "manylinux2014" {
        return Some(17);
    }
    tag.strip_prefix("manylinux_2_")?.parse().ok()
}

fn arch_prefix(architecture: Architecture) -> &'static str {
    match architecture {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    }
}

impl WheelPlatform {
    /// The platform of a runtime and architecture, or of an override (`manylinux_2_28`) from
    /// `[project] platform`, which the caller has validated.
    pub fn new(python: PythonVersion, architecture: Architecture, over: Option<&str>) -> Self {
        let arch = arch_prefix(architecture);
        let target = |g: u32| format!("{arch}-manylinux_2_{g}");
        if let Some(glibc) = over.and_then(manylinux_glibc) {
            return Self {
                architecture,
                glibc,
                os: "lamina.toml",
                lock: target(glibc),
                install: vec![target(glibc)],
            };
        }
        let (glibc, os) = match python {
            PythonVersion::Py311 => (26, "Amazon Linux 2"),
            PythonVersion::Py312 | PythonVersion::Py313 => (34, "Amazon Linux 2023"),
        };
        let below = UV_GLIBC.iter().copied().filter(|g| *g <= glibc).max();
        let above = UV_GLIBC.iter().copied().find(|g| *g >= glibc);
        let (strict, loose) = match (below, above) {
            (Some(b), Some(a)) => (b, a),
            (Some(b), None) => (b, b),
            (None, Some(a)) => (a, a),
            (None, None) => (17, 17),
        };
        let mut install = vec![target(strict)];
        if loose != strict {
            install.push(target(loose));
        }
        Self {
            architecture,
            glibc,
            os,
            lock: target(loose),
            install,
        }
    }

    /// `x86_64, glibc 2.26 (Amazon Linux 2)`: what error messages call it.
    pub fn describe(&self) -> String {
        format!(
            "{}, glibc 2.{} ({})",
            arch_prefix(self.architecture),
            self.glibc,
            self.os
        )
    }

    /// Whether a wheel with these platform tags loads here: one of them is `any`, or a manylinux
    /// tag of this architecture and of a glibc at most the runtime's.
    pub fn accepts(&self, platform_tags: &[&str]) -> bool {
        let arch = arch_prefix(self.architecture);
        platform_tags.iter().any(|tag| {
            if *tag == "any" {
                return true;
            }
            let Some(base) = tag.strip_suffix(arch).and_then(|t| t.strip_suffix('_')) else {
                return false;
            };
            match base {
                "manylinux1" | "manylinux2010" => true,
                other => manylinux_glibc(other).is_some_and(|g| g <= self.glibc),
            }
        })
    }
}

/// Whether `[project] platform` names a platform uv can target.
pub fn check_platform_override(tag: &str) -> Result<(), String> {
    match manylinux_glibc(tag) {
        Some(g) if UV_GLIBC.contains(&g) => Ok(()),
        _ => Err(format!(
            "uv can target {}",
            UV_GLIBC
                .iter()
                .map(|g| format!("`manylinux_2_{g}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_get_their_os_glibc() {
        let al2 = WheelPlatform::new(PythonVersion::Py311, Architecture::X86_64, None);
        assert_eq!(al2.glibc, 26);
        assert_eq!(al2.lock, "x86_64-manylinux_2_28");
        assert_eq!(
            al2.install,
            ["x86_64-manylinux_2_17", "x86_64-manylinux_2_28"]
        );
        let al2023 = WheelPlatform::new(PythonVersion::Py313, Architecture::Arm64, None);
        assert_eq!(al2023.glibc, 34);
        assert_eq!(al2023.lock, "aarch64-manylinux_2_34");
        assert_eq!(al2023.install, ["aarch64-manylinux_2_34"]);
        let over = WheelPlatform::new(
            PythonVersion::Py311,
            Architecture::X86_64,
            Some("manylinux_2_28"),
        );
        assert_eq!(over.install, ["x86_64-manylinux_2_28"]);
    }

    #[test]
    fn a_wheel_loads_when_one_tag_fits() {
        let al2 = WheelPlatform::new(PythonVersion::Py311, Architecture::X86_64, None);
        // greenlet 3.3.0: glibc 2.24 or later.
        assert!(al2.accepts(&["manylinux_2_24_x86_64", "manylinux_2_28_x86_64"]));
        assert!(al2.accepts(&["manylinux2014_x86_64"]));
        assert!(al2.accepts(&["any"]));
        assert!(!al2.accepts(&["manylinux_2_28_x86_64"]));
        assert!(!al2.accepts(&["manylinux_2_17_aarch64"]));
        assert!(!al2.accepts(&["musllinux_1_2_x86_64"]));
    }

    #[test]
    fn overrides_must_be_targetable() {
        assert!(check_platform_override("manylinux_2_28").is_ok());
        assert!(check_platform_override("manylinux2014").is_ok());
        assert!(check_platform_override("manylinux_2_26").is_err());
        assert!(check_platform_override("linux").is_err());
    }
}

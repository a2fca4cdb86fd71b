//! Rules for names that end up in AWS resource names, DNS labels and Python imports.

/// A project name prefixes every resource name (IAM roles allow 64 characters, S3 buckets 63),
/// so it is short, lowercase and DNS-safe.
pub fn check_project_name(name: &str) -> Result<(), String> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !(2..=32).contains(&name.len()) {
        return Err("a project name has 2 to 32 characters".into());
    }
    if !ok_chars {
        return Err("a project name has only lowercase letters, digits and `-`".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) || name.ends_with('-') {
        return Err("a project name starts with a letter and does not end with `-`".into());
    }
    if name.contains("--") {
        return Err("a project name has no `--`".into());
    }
    Ok(())
}

/// Names a domain cannot take because the layout already uses them.
const RESERVED_DOMAINS: [&str; 5] = ["shared", "layers", "app", "tests", "lamina"];

/// Python keywords (a domain name is a package name too).
const PYTHON_KEYWORDS: [&str; 35] = [
    "false", "none", "true", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// A domain name is a Python package name and a DNS label at once: lowercase letters and
/// digits, starting with a letter, so neither `-` nor `_`.
pub fn check_domain_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 32 {
        return Err("a domain name has 1 to 32 characters".into());
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase())
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    {
        return Err(
            "a domain name is both a Python package name and a DNS label: lowercase letters and digits, starting with a letter"
                .into(),
        );
    }
    if RESERVED_DOMAINS.contains(&name) {
        return Err(format!("`{name}` is used by the project layout"));
    }
    if PYTHON_KEYWORDS.contains(&name) {
        return Err(format!("`{name}` is a Python keyword"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names() {
        assert!(check_project_name("rides").is_ok());
        assert!(check_project_name("my-app2").is_ok());
        assert!(check_project_name("My-app").is_err());
        assert!(check_project_name("a").is_err());
        assert!(check_project_name("app-").is_err());
        assert!(check_project_name("2app").is_err());
        assert!(check_project_name("a--b").is_err());
        assert!(check_project_name(&"a".repeat(33)).is_err());
    }

    #[test]
    fn domain_names() {
        assert!(check_domain_name("ride").is_ok());
        assert!(check_domain_name("v2").is_ok());
        assert!(check_domain_name("ride-share").is_err());
        assert!(check_domain_name("ride_share").is_err());
        assert!(check_domain_name("Ride").is_err());
        assert!(check_domain_name("shared").is_err());
        assert!(check_domain_name("class").is_err());
        assert!(check_domain_name("").is_err());
    }
}

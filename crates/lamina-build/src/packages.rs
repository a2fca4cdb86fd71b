//! A dependency set (a layer's lock, or a domain's own requirements) put together from the
//! shared cache's packages: each locked distribution is installed, slimmed and compiled once per
//! user and target, then only its compressed zip entries are copied into every zip that needs it.
//!
//! The bytes are those of installing the whole lock into one directory, slimming it and running
//! `compileall` over it: every slimming rule and every `.pyc` depends on one file and its path
//! only, and each entry is compressed on its own ([`crate::archive`]). Missing packages are
//! installed by one uv run, then told apart by their `RECORD`s. When a file belongs to no
//! distribution, or two distributions would write the same path with different content (which
//! one wins would depend on the install order), [`entries`] answers `None` and the caller
//! installs the set as one directory instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::archive::{self, Entry};
use crate::error::BuildError;
use crate::hash::walk;
use crate::lock::Pin;
use crate::shared::{SharedCache, package_key};
use crate::{Project, Reporter, slim};

/// The entries of every pin, named `zip_prefix + path`, or `None` when two packages clash.
pub(crate) fn entries(
    project: &Project<'_>,
    shared: &SharedCache,
    label: &str,
    pins: &[Pin],
    zip_prefix: &str,
    pyc_prefix: &str,
    reporter: &dyn Reporter,
) -> Result<Option<Vec<Entry>>, BuildError> {
    let target = project.package_target();
    let keys: Vec<String> = pins
        .iter()
        .map(|p| package_key(&p.text, &target, pyc_prefix))
        .collect();
    let mut found: BTreeMap<&str, Vec<Entry>> = BTreeMap::new();
    for key in &keys {
        if let Some(entries) = shared.package(key) {
            found.insert(key, entries);
        }
    }
    let mut missing: Vec<(&str, &Pin)> = keys
        .iter()
        .zip(pins)
        .filter(|(k, _)| !found.contains_key(k.as_str()))
        .map(|(k, p)| (k.as_str(), p))
        .collect();
    if !missing.is_empty() {
        // One lock per entry, taken in key order (no two builds wait on each other in a
        // cycle); a build that waited finds what the other one made.
        missing.sort_by_key(|(k, _)| *k);
        missing.dedup_by_key(|(k, _)| *k);
        let mut guards = Vec::with_capacity(missing.len());
        for (key, _) in &missing {
            guards.push(shared.lock(key)?);
        }
        missing.retain(|(key, _)| match shared.package(key) {
            Some(entries) => {
                found.insert(key, entries);
                false
            }
            None => true,
        });
        let Some(built) = build(project, label, &missing, pyc_prefix, reporter)? else {
            return Ok(None);
        };
        for (key, entries) in built {
            shared.put_package(key, entries.clone())?;
            found.insert(key, entries);
        }
        drop(guards);
    }
    let mut merged: BTreeMap<String, Entry> = BTreeMap::new();
    for key in &keys {
        for mut entry in found.get(key.as_str()).cloned().unwrap_or_default() {
            entry.name = format!("{zip_prefix}{}", entry.name);
            match merged.get(&entry.name) {
                Some(other) if !same(other, &entry) => return Ok(None),
                Some(_) => {}
                None => {
                    merged.insert(entry.name.clone(), entry);
                }
            }
        }
    }
    Ok(Some(merged.into_values().collect()))
}

fn same(a: &Entry, b: &Entry) -> bool {
    a.crc32 == b.crc32 && a.size == b.size && a.mode == b.mode && a.data == b.data
}

/// Each package's key and its entries.
type Built<'k> = Vec<(&'k str, Vec<Entry>)>;

/// Installs the missing pins, gives each its own directory, slims them, compiles all their
/// modules in one pool on every core, and returns each package's entries; `None` when the
/// installed files cannot be told apart by distribution.
fn build<'k>(
    project: &Project<'_>,
    label: &str,
    missing: &[(&'k str, &Pin)],
    pyc_prefix: &str,
    reporter: &dyn Reporter,
) -> Result<Option<Built<'k>>, BuildError> {
    if missing.is_empty() {
        return Ok(Some(Vec::new()));
    }
    reporter.on_step(label, &format!("installing {} packages", missing.len()));
    let staging = project.cache.staging("packages")?;
    // One uv run for them all (a run per package would cost uv's start-up each time), then
    // each distribution's files, as its RECORD lists them, move to a directory of its own.
    let all = staging.0.join("all");
    let lock = staging.0.join("requirements.lock");
    fs_err::write(
        &lock,
        missing
            .iter()
            .map(|(_, p)| p.text.as_str())
            .collect::<String>(),
    )?;
    project
        .uv()?
        .install(&project.root, &lock, &all, &project.target)?;
    fs_err::create_dir_all(&all)?;
    let names: Vec<&str> = missing.iter().map(|(_, p)| p.name.as_str()).collect();
    let Some(sites) = split_by_record(&all, &staging.0, &names)? else {
        return Ok(None);
    };
    reporter.on_step(label, "slimming");
    for site in &sites {
        slim::slim_tree(site, &project.options.slim)?;
    }
    if let Some(python) = project.resolved_compiler() {
        reporter.on_step(label, "compiling");
        let mut jobs = Vec::new();
        for site in &sites {
            for f in walk(site, &|_, _| false)? {
                if compiles(&f.rel) {
                    let cfile = site.join(pyc_name(&f.rel, project.target.python.as_str()));
                    jobs.push((f.path, cfile, format!("{pyc_prefix}/{}", f.rel)));
                }
            }
        }
        python.compile_files(&jobs, &staging.0, project.options.jobs)?;
    }
    reporter.on_step(label, "zipping");
    missing
        .iter()
        .zip(&sites)
        .map(|((key, _), site)| {
            let files = walk(site, &|_, _| false)?;
            Ok((*key, archive::compress_walked(&files, "")?))
        })
        .collect::<Result<_, BuildError>>()
        .map(Some)
}

/// Moves the files of each distribution installed in `all` (as its `*.dist-info/RECORD` lists
/// them) to `<staging>/<i>/site`, `i` being its index in `names` (normalised names). `None`
/// when a file belongs to no distribution or to two, or a distribution to no name.
fn split_by_record(
    all: &Path,
    staging: &Path,
    names: &[&str],
) -> Result<Option<Vec<PathBuf>>, BuildError> {
    let sites: Vec<PathBuf> = (0..names.len())
        .map(|i| staging.join(i.to_string()).join("site"))
        .collect();
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for entry in fs_err::read_dir(all)? {
        let dir = entry?.file_name().to_string_lossy().into_owned();
        let Some(stem) = dir.strip_suffix(".dist-info") else {
            continue;
        };
        let dist = crate::lock::normalize(stem.rsplit_once('-').map_or(stem, |(n, _)| n));
        let Some(index) = names.iter().position(|n| *n == dist) else {
            return Ok(None);
        };
        let record = fs_err::read_to_string(all.join(&dir).join("RECORD"))?;
        for line in record.lines().filter(|l| !l.trim().is_empty()) {
            let Some(rel) = slim::normalize_rel(slim::record_path(line)) else {
                continue;
            };
            if owner.insert(rel, index).is_some_and(|other| other != index) {
                return Ok(None);
            }
        }
    }
    for f in walk(all, &|_, _| false)? {
        let Some(&index) = owner.get(&f.rel) else {
            return Ok(None);
        };
        let to = sites[index].join(&f.rel);
        if let Some(parent) = to.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::rename(&f.path, &to)?;
    }
    for site in &sites {
        fs_err::create_dir_all(site)?;
    }
    Ok(Some(sites))
}

/// Where CPython writes the `.pyc` of `rel`: `a/b.py` → `a/__pycache__/b.cpython-311.pyc`.
pub(crate) fn pyc_name(rel: &str, python: &str) -> String {
    let (dir, file) = match rel.rsplit_once('/') {
        Some((d, f)) => (format!("{d}/"), f),
        None => (String::new(), rel),
    };
    let stem = file.strip_suffix(".py").unwrap_or(file);
    format!(
        "{dir}__pycache__/{stem}.cpython-{}.pyc",
        python.replace('.', "")
    )
}

/// Whether `rel` is compiled by `compileall` (a `.py` file outside `__pycache__`).
pub(crate) fn compiles(rel: &str) -> bool {
    rel.ends_with(".py") && !rel.split('/').any(|p| p == "__pycache__")
}

#[cfg(test)]
mod tests {
    #[test]
    fn pyc_names_follow_cpython() {
        assert_eq!(
            super::pyc_name("app/main.py", "3.11"),
            "app/__pycache__/main.cpython-311.pyc"
        );
        assert_eq!(
            super::pyc_name("six.py", "3.12"),
            "__pycache__/six.cpython-312.pyc"
        );
        assert_eq!(
            super::pyc_name("a/b.c.py", "3.13"),
            "a/__pycache__/b.c.cpython-313.pyc"
        );
    }
}

//! The user's own code (a function, a shared-code layer) with its `.pyc`, compiled through the
//! shared cache's modules: a source file compiled once (for a Python version, under the name
//! Lambda shows in tracebacks) is never compiled again, by any project or checkout. A build whose
//! modules are all known spawns no Python at all.
//!
//! The `.pyc` are those `compileall` writes into a copy of the tree (the same `py_compile` call
//! per file, with the same recorded name), so the zip's bytes are too.

use std::collections::BTreeMap;

use crate::archive::{self, Entry};
use crate::error::BuildError;
use crate::hash::FileEntry;
use crate::packages::{compiles, pyc_name};
use crate::shared::{SharedCache, module_key};
use crate::{Project, Reporter};

/// The entries of `files` (named `prefix + rel`) and of their `.pyc`.
pub(crate) fn entries(
    project: &Project<'_>,
    shared: &SharedCache,
    label: &str,
    files: &[FileEntry],
    prefix: &str,
    pyc_prefix: &str,
    reporter: &dyn Reporter,
) -> Result<Vec<Entry>, BuildError> {
    let python = project.target.python.as_str();
    let mut entries = archive::compress_walked(files, prefix)?;
    // (pyc name, key, source file, name recorded in the pyc)
    let mut wanted = Vec::new();
    for f in files.iter().filter(|f| compiles(&f.rel)) {
        let dfile = format!("{pyc_prefix}/{}", f.rel);
        let key = module_key(python, &dfile, &fs_err::read(&f.path)?);
        wanted.push((pyc_name(&f.rel, python), key, f, dfile));
    }
    let mut known: BTreeMap<&str, Option<Vec<u8>>> = BTreeMap::new();
    for (_, key, _, _) in &wanted {
        if let Some(pyc) = shared.module(key) {
            known.insert(key, pyc);
        }
    }
    let todo: Vec<_> = wanted
        .iter()
        .filter(|(_, key, _, _)| !known.contains_key(key.as_str()))
        .collect();
    if !todo.is_empty()
        && let Some(python) = project.resolved_compiler()
    {
        reporter.on_step(label, "compiling");
        let staging = project.cache.staging("modules")?;
        let jobs: Vec<_> = todo
            .iter()
            .enumerate()
            .map(|(i, (_, _, f, dfile))| {
                (
                    f.path.clone(),
                    staging.0.join(format!("{i}.pyc")),
                    dfile.clone(),
                )
            })
            .collect();
        // A few modules compile faster in one process than through a pool.
        let workers = if jobs.len() > 200 {
            project.options.jobs
        } else {
            1
        };
        let done = python.compile_files(&jobs, &staging.0, workers)?;
        for ((_, key, _, _), ((_, pyc, _), ok)) in todo.iter().zip(jobs.iter().zip(done)) {
            let bytes = if ok { Some(fs_err::read(pyc)?) } else { None };
            shared.put_module(key, bytes.as_deref())?;
            known.insert(key, bytes);
        }
    }
    for (name, key, _, _) in &wanted {
        if let Some(Some(pyc)) = known.get(key.as_str()) {
            entries.push(Entry::new(format!("{prefix}{name}"), pyc, false));
        }
    }
    Ok(entries)
}

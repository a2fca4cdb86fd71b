//! A zip writer whose bytes depend only on the entries' names, modes and contents.
//!
//! General-purpose zip libraries write file mtimes, "extra fields" with uid/gid or extended
//! timestamps, and entries in directory-walk order, so the same tree zips to different bytes on
//! two checkouts (terraform-aws-lambda#672, serverless#4028). This writer, in contrast:
//! - sorts entries by their UTF-8 name, bytewise;
//! - writes no directory entries (Lambda creates directories while extracting);
//! - stamps every entry with 1980-01-01 00:00:00, the earliest DOS date;
//! - writes Unix modes normalised to `0o644`, or `0o755` when any execute bit was set;
//! - writes no extra fields, no comment, no data descriptors, and no zip64 records;
//! - deflates at a fixed level with a pure-Rust deflater, or stores an entry when deflate does
//!   not make it smaller.
//!
//! Entries are compressed independently, so they compress in parallel and a compressed entry can be
//! copied from one zip into another as is ([`read_entries`]): a function zip reuses its cached
//! dependencies' entries and only deflates the domain's own code.

use std::io::{Read, Write};
use std::sync::Arc;

use flate2::Compression;
use rayon::prelude::*;

/// Deflate level of every entry. Changing it changes every artifact's hash: bump
/// [`crate::cache::FORMAT`] with it.
const LEVEL: u32 = 6;
/// 1980-01-01 in DOS date format: day 1, month 1, year 0.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
/// Version made by: Unix (3), zip spec 2.0.
const VERSION_MADE_BY: u16 = (3 << 8) | 20;
const VERSION_NEEDED: u16 = 20;
/// General purpose flag bit 11: names are UTF-8.
const FLAG_UTF8: u16 = 1 << 11;

/// One compressed entry, ready to be written.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    /// `0o644` or `0o755`.
    pub mode: u32,
    pub crc32: u32,
    pub size: u64,
    pub method: u16,
    pub data: Arc<[u8]>,
}

impl Entry {
    /// Compresses `content` into an entry. `executable` selects mode `0o755`.
    pub fn new(name: String, content: &[u8], executable: bool) -> Self {
        let crc32 = crc32fast::hash(content);
        let mut encoder = flate2::write::DeflateEncoder::new(
            Vec::with_capacity(content.len() / 2),
            Compression::new(LEVEL),
        );
        // Writing into a Vec cannot fail.
        encoder.write_all(content).expect("deflate into memory");
        let deflated = encoder.finish().expect("deflate into memory");
        let (method, data): (u16, Arc<[u8]>) = if deflated.len() < content.len() {
            (METHOD_DEFLATED, deflated.into())
        } else {
            (METHOD_STORED, content.into())
        };
        Self {
            name,
            mode: if executable { 0o755 } else { 0o644 },
            crc32,
            size: content.len() as u64,
            method,
            data,
        }
    }

    /// The entry's uncompressed bytes.
    pub fn content(&self) -> std::io::Result<Vec<u8>> {
        match self.method {
            METHOD_STORED => Ok(self.data.to_vec()),
            METHOD_DEFLATED => {
                let mut out = Vec::with_capacity(usize::try_from(self.size).unwrap_or(0));
                flate2::read::DeflateDecoder::new(&self.data[..]).read_to_end(&mut out)?;
                Ok(out)
            }
            m => Err(std::io::Error::other(format!("unsupported zip method {m}"))),
        }
    }
}

/// A file to put in a zip: its name in the archive and where to read it.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub path: std::path::PathBuf,
    pub executable: bool,
}

/// Reads and compresses files in parallel.
pub fn compress_files(sources: &[Source]) -> std::io::Result<Vec<Entry>> {
    sources
        .par_iter()
        .map(|s| {
            let content = fs_err::read(&s.path)?;
            Ok(Entry::new(s.name.clone(), &content, s.executable))
        })
        .collect()
}

/// Reads and compresses walked files in parallel, each named `prefix + path`.
pub fn compress_walked(
    files: &[crate::hash::FileEntry],
    prefix: &str,
) -> std::io::Result<Vec<Entry>> {
    let sources: Vec<Source> = files
        .iter()
        .map(|f| Source {
            name: format!("{prefix}{}", f.rel),
            path: f.path.clone(),
            executable: f.executable,
        })
        .collect();
    compress_files(&sources)
}

/// What a written zip holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipStats {
    pub files: u64,
    pub unzipped: u64,
    pub zipped: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("two files would be stored as `{0}`")]
    Duplicate(String),
    #[error("{0} files are more than a zip without zip64 can hold (65535)")]
    TooManyEntries(usize),
    #[error("`{0}` is larger than 4 GiB")]
    TooLarge(String),
    #[error("not a zip written by Lamina: {0}")]
    Malformed(&'static str),
}

/// Writes the entries, sorted by name, as zip bytes.
pub fn write(mut entries: Vec<Entry>) -> Result<(Vec<u8>, ZipStats), ArchiveError> {
    entries.sort_unstable_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    if let Some(w) = entries.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(ArchiveError::Duplicate(w[0].name.clone()));
    }
    let count =
        u16::try_from(entries.len()).map_err(|_| ArchiveError::TooManyEntries(entries.len()))?;
    let total: usize = entries
        .iter()
        .map(|e| 30 + 46 + 2 * e.name.len() + e.data.len())
        .sum();
    let mut out = Vec::with_capacity(total + 22);
    let mut offsets = Vec::with_capacity(entries.len());
    let mut unzipped = 0u64;
    for e in &entries {
        let size = u32::try_from(e.size).map_err(|_| ArchiveError::TooLarge(e.name.clone()))?;
        let csize =
            u32::try_from(e.data.len()).map_err(|_| ArchiveError::TooLarge(e.name.clone()))?;
        let offset =
            u32::try_from(out.len()).map_err(|_| ArchiveError::TooLarge(e.name.clone()))?;
        offsets.push(offset);
        unzipped += e.size;
        put32(&mut out, 0x0403_4b50);
        put16(&mut out, VERSION_NEEDED);
        put16(&mut out, flags(&e.name));
        put16(&mut out, e.method);
        put16(&mut out, DOS_TIME);
        put16(&mut out, DOS_DATE);
        put32(&mut out, e.crc32);
        put32(&mut out, csize);
        put32(&mut out, size);
        put16(&mut out, name_len(&e.name)?);
        put16(&mut out, 0);
        out.extend_from_slice(e.name.as_bytes());
        out.extend_from_slice(&e.data);
    }
    let cd_start =
        u32::try_from(out.len()).map_err(|_| ArchiveError::TooLarge("the archive".into()))?;
    for (e, offset) in entries.iter().zip(offsets) {
        put32(&mut out, 0x0201_4b50);
        put16(&mut out, VERSION_MADE_BY);
        put16(&mut out, VERSION_NEEDED);
        put16(&mut out, flags(&e.name));
        put16(&mut out, e.method);
        put16(&mut out, DOS_TIME);
        put16(&mut out, DOS_DATE);
        put32(&mut out, e.crc32);
        put32(&mut out, e.data.len() as u32);
        put32(&mut out, e.size as u32);
        put16(&mut out, name_len(&e.name)?);
        put16(&mut out, 0); // extra
        put16(&mut out, 0); // comment
        put16(&mut out, 0); // disk
        put16(&mut out, 0); // internal attributes
        put32(&mut out, (0o100_000 | e.mode) << 16);
        put32(&mut out, offset);
        out.extend_from_slice(e.name.as_bytes());
    }
    let cd_size = u32::try_from(out.len())
        .map_err(|_| ArchiveError::TooLarge("the archive".into()))?
        - cd_start;
    put32(&mut out, 0x0605_4b50);
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, cd_size);
    put32(&mut out, cd_start);
    put16(&mut out, 0);
    let stats = ZipStats {
        files: entries.len() as u64,
        unzipped,
        zipped: out.len() as u64,
    };
    Ok((out, stats))
}

/// Reads back the entries of a zip this module wrote (or any zip without zip64 or encryption),
/// keeping each entry's compressed bytes as they are.
pub fn read_entries(zip: &[u8]) -> Result<Vec<Entry>, ArchiveError> {
    let eocd = zip
        .len()
        .checked_sub(22)
        .filter(|&i| get32(zip, i) == Some(0x0605_4b50))
        .ok_or(ArchiveError::Malformed("no end of central directory"))?;
    let count = get16(zip, eocd + 10).ok_or(ArchiveError::Malformed("short"))? as usize;
    let mut at = get32(zip, eocd + 16).ok_or(ArchiveError::Malformed("short"))? as usize;
    let mut entries = Vec::with_capacity(count);
    let bad = ArchiveError::Malformed;
    for _ in 0..count {
        if get32(zip, at) != Some(0x0201_4b50) {
            return Err(bad("bad central directory"));
        }
        let field = |off: usize| get16(zip, at + off).ok_or(bad("short"));
        let field32 = |off: usize| get32(zip, at + off).ok_or(bad("short"));
        let method = field(10)?;
        let crc32 = field32(16)?;
        let csize = field32(20)? as usize;
        let size = u64::from(field32(24)?);
        let name_len = field(28)? as usize;
        let extra_len = field(30)? as usize;
        let comment_len = field(32)? as usize;
        let attrs = field32(38)?;
        let local = field32(42)? as usize;
        let name = zip.get(at + 46..at + 46 + name_len).ok_or(bad("short"))?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| bad("a name is not UTF-8"))?;
        let local_name = get16(zip, local + 26).ok_or(bad("short"))? as usize;
        let local_extra = get16(zip, local + 28).ok_or(bad("short"))? as usize;
        let start = local + 30 + local_name + local_extra;
        let data = zip.get(start..start + csize).ok_or(bad("short"))?;
        let mode = (attrs >> 16) & 0o777;
        entries.push(Entry {
            name,
            mode: if mode & 0o111 != 0 { 0o755 } else { 0o644 },
            crc32,
            size,
            method,
            data: data.into(),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(entries)
}

/// Extracts a zip into `dir`, as Lambda does into `/var/task` or `/opt`.
pub fn extract(zip: &[u8], dir: &std::path::Path) -> std::io::Result<()> {
    let entries = read_entries(zip).map_err(std::io::Error::other)?;
    for e in entries {
        if e.name
            .split('/')
            .any(|part| part == ".." || part.is_empty())
        {
            return Err(std::io::Error::other(format!(
                "unsafe path `{}` in zip",
                e.name
            )));
        }
        let path = dir.join(&e.name);
        if let Some(parent) = path.parent() {
            fs_err::create_dir_all(parent)?;
        }
        fs_err::write(&path, e.content()?)?;
    }
    Ok(())
}

fn flags(name: &str) -> u16 {
    if name.is_ascii() { 0 } else { FLAG_UTF8 }
}

fn name_len(name: &str) -> Result<u16, ArchiveError> {
    u16::try_from(name.len()).map_err(|_| ArchiveError::TooLarge(name.to_owned()))
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn get16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn get32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let entries = vec![
            Entry::new("b/x.py".into(), b"print(1)\n".repeat(100).as_slice(), false),
            Entry::new("a.sh".into(), b"#!/bin/sh\n", true),
        ];
        let (bytes, stats) = write(entries).unwrap();
        assert_eq!(stats.files, 2);
        let back = read_entries(&bytes).unwrap();
        assert_eq!(back[0].name, "a.sh");
        assert_eq!(back[0].mode, 0o755);
        assert_eq!(back[1].content().unwrap(), b"print(1)\n".repeat(100));
        // Copying raw entries into a new zip gives the same bytes.
        let (again, _) = write(back).unwrap();
        assert_eq!(again, bytes);
    }

    #[test]
    fn duplicates_are_refused() {
        let e = Entry::new("a".into(), b"1", false);
        assert!(matches!(
            write(vec![e.clone(), e]),
            Err(ArchiveError::Duplicate(_))
        ));
    }
}

//! Just enough of a zip reader to take one file out of a wheel: the central directory gives each
//! entry's sizes and offset (so data descriptors do not matter), stored or deflated.

use std::io::Read;

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// The contents of the entry named `name`, `None` when it is missing or the zip is malformed.
pub(crate) fn read_entry(zip: &[u8], name: &str) -> Option<Vec<u8>> {
    // End of central directory: the last `PK\5\6`.
    let eocd = (0..zip.len().saturating_sub(21))
        .rev()
        .find(|&i| zip[i..].starts_with(b"PK\x05\x06"))?;
    let entries = u16_at(zip, eocd + 10)?;
    let mut at = u32_at(zip, eocd + 16)?;
    for _ in 0..entries {
        if !zip.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let method = u16_at(zip, at + 10)?;
        let compressed = u32_at(zip, at + 20)?;
        let size = u32_at(zip, at + 24)?;
        let name_len = u16_at(zip, at + 28)?;
        let extra_len = u16_at(zip, at + 30)?;
        let comment_len = u16_at(zip, at + 32)?;
        let local = u32_at(zip, at + 42)?;
        let entry = std::str::from_utf8(zip.get(at + 46..at + 46 + name_len)?).ok()?;
        if entry == name {
            let data_at = local + 30 + u16_at(zip, local + 26)? + u16_at(zip, local + 28)?;
            let data = zip.get(data_at..data_at + compressed)?;
            return match method {
                0 => Some(data.to_vec()),
                8 => {
                    let mut out = Vec::with_capacity(size);
                    flate2::read::DeflateDecoder::new(data)
                        .read_to_end(&mut out)
                        .ok()?;
                    (out.len() == size).then_some(out)
                }
                _ => None,
            };
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

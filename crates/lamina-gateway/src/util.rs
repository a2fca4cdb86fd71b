//! Small helpers: percent-decoding, ids, clock formatting, JSON minifying.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;

/// Decodes `%XX` sequences (and `+` as a space when `plus` is set). Malformed sequences are kept
/// as they are; bytes that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(input: &str, plus: bool) -> Cow<'_, str> {
    if !input.bytes().any(|b| b == b'%' || (plus && b == b'+')) {
        return Cow::Borrowed(input);
    }
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A 16-character id in API Gateway's style (`LV7fzho-PHcEJPw=`): 11 random bytes, URL-safe
/// base64 with padding.
pub(crate) fn request_id() -> String {
    let bytes: [u8; 11] = rand::random();
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// `Root=1-<8 hex: epoch seconds>-<24 hex random>`, X-Ray's trace id format.
pub(crate) fn trace_id(epoch_secs: u64) -> String {
    let random: [u8; 12] = rand::random();
    let mut out = format!("Root=1-{:08x}-", epoch_secs as u32);
    for b in random {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Now, as milliseconds since the epoch.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// `10/Jul/2026:19:19:05 +0000`, the format of `requestContext.time`.
pub(crate) fn format_time(epoch_millis: u64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = epoch_millis / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{day:02}/{}/{year:04}:{:02}:{:02}:{:02} +0000",
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Removes the whitespace between tokens of valid JSON, keeping key order and number text
/// exactly as the function wrote them (what API Gateway does to an inferred body, spec §1.4).
pub(crate) fn minify_json(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in input {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("/a%20b", false), "/a b");
        assert_eq!(percent_decode("a+b%2Bc", true), "a b+c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert_eq!(percent_decode("%E2%82%AC", false), "€");
        assert_eq!(percent_decode("%FF", false), "\u{FFFD}");
    }

    #[test]
    fn times_are_formatted_like_api_gateway() {
        // 2020-03-04T19:03:58.390Z, from the payload example's timeEpoch.
        assert_eq!(format_time(1_583_348_638_390), "04/Mar/2020:19:03:58 +0000");
        assert_eq!(format_time(0), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(format_time(951_782_400_000), "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let id = request_id();
        assert_eq!(id.len(), 16);
        assert!(id.ends_with('='));
        let trace = trace_id(0x5e5f_f1ee);
        assert!(trace.starts_with("Root=1-5e5ff1ee-"));
        assert_eq!(trace.len(), "Root=1-".len() + 8 + 1 + 24);
    }

    #[test]
    fn minifying_keeps_strings_and_order() {
        assert_eq!(
            minify_json(br#"{ "b": "x y\" z", "a" : [1, 2.50, true] }"#),
            br#"{"b":"x y\" z","a":[1,2.50,true]}"#
        );
    }
}

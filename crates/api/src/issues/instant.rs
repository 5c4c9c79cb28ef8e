//! Instants in the issue views' JSON, written by hand in the form chrono's `Serialize` writes.
//!
//! A list of 100 issues carries up to eleven instants an issue, and chrono writes each through
//! `Display` and the formatting machinery: measured, that was a large share of a list's JSON
//! (issue 17). The text is the same to the byte — `2026-11-27T04:00:00.123456Z`, with 0, 3, 6
//! or 9 digits of fraction as chrono chooses them — and anything outside the four-digit years
//! (or a leap second) is left to chrono itself. The test compares the two.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// `#[serde(serialize_with = "instant::serialize")]` for a `DateTime<Utc>`.
pub(crate) fn serialize<S: Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut buf = [0u8; 30];
    match write(at, &mut buf) {
        Some(text) => serializer.serialize_str(text),
        None => at.serialize(serializer),
    }
}

/// The same for an `Option<DateTime<Utc>>` (`null` for none).
pub(crate) fn serialize_option<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// `at` as chrono writes it, into `buf`; `None` where chrono's form is not this one.
fn write<'b>(at: &DateTime<Utc>, buf: &'b mut [u8; 30]) -> Option<&'b str> {
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = at.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let mut put = |at: usize, value: u32, width: usize| {
        let mut v = value;
        for i in (at..at + width).rev() {
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year, 4);
    put(5, at.month(), 2);
    put(8, at.day(), 2);
    put(11, at.hour(), 2);
    put(14, at.minute(), 2);
    put(17, at.second(), 2);
    let (fraction, digits) = match nanos {
        0 => (0, 0),
        n if n % 1_000_000 == 0 => (n / 1_000_000, 3),
        n if n % 1_000 == 0 => (n / 1_000, 6),
        n => (n, 9),
    };
    let mut end = 19;
    if digits > 0 {
        put(20, fraction, digits);
        buf[19] = b'.';
        end = 20 + digits;
    }
    for (i, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (end, b'Z'),
    ] {
        buf[i] = c;
    }
    std::str::from_utf8(&buf[..=end]).ok()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[derive(serde::Serialize)]
    struct Both {
        #[serde(serialize_with = "serialize")]
        ours: DateTime<Utc>,
        chrono: DateTime<Utc>,
        #[serde(serialize_with = "serialize_option")]
        none: Option<DateTime<Utc>>,
    }

    #[test]
    fn instants_are_written_as_chrono_writes_them() {
        let bases = [
            Utc.with_ymd_and_hms(2026, 11, 27, 4, 0, 0),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59),
            Utc.with_ymd_and_hms(-1, 6, 1, 12, 0, 0),
            Utc.with_ymd_and_hms(12_000, 6, 1, 12, 0, 0),
        ];
        let extras = [
            0,
            1,
            999,
            1_000,
            120_000,
            1_000_000,
            123_456_000,
            123_456_789,
        ];
        for base in bases {
            let base = base.single().expect("a valid instant");
            for nanos in extras {
                let at = base + Duration::nanoseconds(nanos);
                let both = Both {
                    ours: at,
                    chrono: at,
                    none: None,
                };
                let json = serde_json::to_value(&both).expect("json");
                assert_eq!(json["ours"], json["chrono"], "{at:?}");
                assert!(json["none"].is_null());
            }
        }
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .expect("a leap second")
            .and_utc();
        let json = serde_json::to_value(Both {
            ours: leap,
            chrono: leap,
            none: Some(leap),
        })
        .expect("json");
        assert_eq!(json["ours"], json["chrono"]);
        assert_eq!(json["none"], json["chrono"]);
    }
}

//! Jalali (Solar Hijri) dates of the export, read into chrono values.
//!
//! Accepted: `YYYY/MM/DD` with Persian, Arabic-Indic or ASCII digits, `/` or `-` between the
//! parts, one- or two-digit month and day (`1370/1/5`), optionally followed by a time
//! `HH:MM` or `HH:MM:SS` (a fraction of a second is dropped) after a space or `T`. A date
//! that does not exist in the Jalali calendar (month 13, 1403/12/31, 30 Esfand of a common
//! year), or whose year is outside [`YEARS`], is refused. Times are Asia/Tehran wall-clock
//! time; "dates without a time are midnight Asia/Tehran" (DESIGN §3.2).

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Tehran;
use icu_calendar::{Date, Iso};

use crate::domain::normalize::{self, FieldError};

/// Jalali years accepted: 1300 (1921) to 1500 (2121). Anything else is most likely a
/// Gregorian date in a Jalali column.
pub const YEARS: std::ops::RangeInclusive<i32> = 1300..=1500;

/// Reads a Jalali date (without a time) as its Gregorian date.
pub fn parse_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    jalali_to_gregorian(field, &normalize::fold_digits(raw.trim()))
}

/// Reads a Jalali date with an optional time (Asia/Tehran) as an instant.
pub fn parse_datetime(field: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let text = normalize::fold_digits(raw.trim());
    let (date_part, time_part) = match text.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text.as_str(), None),
    };
    let date = jalali_to_gregorian(field, date_part)?;
    let time = match time_part {
        None => NaiveTime::MIN,
        Some(t) => parse_time(t).ok_or_else(|| invalid(field))?,
    };
    Ok(tehran_to_utc(date.and_time(time)))
}

/// The instant of a Tehran wall-clock time. A time skipped by a daylight-saving change (Iran
/// moved its clocks from 00:00 to 01:00 until 2022) is read with the offset in force before
/// the change, so a skipped midnight is the instant the clocks jumped.
pub fn tehran_to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    match Tehran.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => Tehran
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or_else(
                // Not reached (gaps are one hour); +03:30 is Iran's standard offset.
                || Utc.from_utc_datetime(&(local - Duration::minutes(210))),
                |t| t.with_timezone(&Utc),
            ),
    }
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.fff`.
fn parse_time(t: &str) -> Option<NaiveTime> {
    let t = t.split_once('.').map_or(t, |(whole, _)| whole);
    let mut parts = t.split(':');
    let hour = small_number(parts.next()?, 2)?;
    let minute = small_number(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(s) => small_number(s, 2)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// ASCII digits only, 1 to `max_len` of them.
fn small_number(s: &str, max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `YYYY/MM/DD` (digits already folded) to the Gregorian date.
fn jalali_to_gregorian(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    let mut parts = text.split(['/', '-']);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(field));
    };
    let (Some(year), Some(month), Some(day)) = (
        (y.len() == 4).then(|| small_number(y, 4)).flatten(),
        small_number(m, 2),
        small_number(d, 2),
    ) else {
        return Err(invalid(field));
    };
    let (Ok(year), Ok(month), Ok(day)) =
        (i32::try_from(year), u8::try_from(month), u8::try_from(day))
    else {
        return Err(invalid(field));
    };
    if !YEARS.contains(&year) {
        return Err(FieldError::new(
            field,
            format!("the Jalali year {year} is out of range (a Gregorian date?)"),
            format!(
                "سال {} خارج از محدوده است",
                persian_digits(&year.to_string())
            ),
        ));
    }
    let persian = Date::try_new_persian(year, month, day).map_err(|_| {
        FieldError::new(
            field,
            format!("{year:04}/{month:02}/{day:02} is not a date of the Jalali calendar"),
            format!(
                "{} در تقویم هجری شمسی وجود ندارد",
                persian_digits(&format!("{year:04}/{month:02}/{day:02}"))
            ),
        )
    })?;
    let iso = persian.to_calendar(Iso);
    NaiveDate::from_ymd_opt(
        iso.year().extended_year(),
        u32::from(iso.month().ordinal),
        u32::from(iso.day_of_month().0),
    )
    .ok_or_else(|| invalid(field))
}

/// The refusal of a value that is not shaped like a Jalali date.
fn invalid(field: &str) -> FieldError {
    FieldError::new(
        field,
        "the date must be a Jalali date YYYY/MM/DD",
        "تاریخ باید به شکل سال/ماه/روز هجری شمسی باشد",
    )
}

/// ASCII digits to Persian digits, for Persian messages.
fn persian_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn legacy_dates_in_every_digit_set_and_separator() {
        for raw in [
            "1403/01/01",
            "۱۴۰۳/۰۱/۰۱",
            "١٤٠٣/٠١/٠١",
            "1403-01-01",
            "1403/1/1",
            "۱۴۰۳-۱-۱",
            "  1403/01/01 ",
        ] {
            assert_eq!(parse_date("d", raw).unwrap(), d(2024, 3, 20), "{raw}");
        }
        assert_eq!(parse_date("d", "1369/01/01").unwrap(), d(1990, 3, 21));
        assert_eq!(parse_date("d", "1378/10/11").unwrap(), d(2000, 1, 1));
        assert_eq!(parse_date("d", "1405/09/04").unwrap(), d(2026, 11, 25));
    }

    #[test]
    fn legacy_dates_that_do_not_exist_are_refused() {
        // 1403 is a leap year (30 Esfand exists), 1404 is not; Esfand never has 31 days.
        assert_eq!(parse_date("d", "1403/12/30").unwrap(), d(2025, 3, 20));
        for raw in [
            "1404/12/30",
            "1403/12/31",
            "1403/13/01",
            "1403/00/10",
            "1403/01/00",
            "1403/07/31",
        ] {
            let e = parse_date("d", raw).unwrap_err();
            assert!(
                e.message.contains("not a date of the Jalali calendar"),
                "{raw}"
            );
            assert!(e.message_fa.contains("وجود ندارد"));
        }
        assert_eq!(parse_date("d", "1403/06/31").unwrap(), d(2024, 9, 21));
        // a Gregorian date in a Jalali column
        let e = parse_date("d", "2024-03-20").unwrap_err();
        assert!(e.message.contains("out of range"));
        assert!(parse_date("d", "1299/12/29").is_err());
        assert!(parse_date("d", "1500/01/01").is_ok());
    }

    #[test]
    fn legacy_malformed_dates_are_refused() {
        for raw in [
            "",
            "1403",
            "1403/01",
            "03/01/01",
            "14030/01/01",
            "1403/001/01",
            "1403/01/01/01",
            "1403.01.01",
            "۱۴۰۳/۰۱/۰a",
            "2024-03-20x",
            "+403/01/01",
        ] {
            let e = parse_date("birth_date", raw).unwrap_err();
            assert_eq!(e.field, "birth_date");
            assert_eq!(
                e.message, "the date must be a Jalali date YYYY/MM/DD",
                "{raw}"
            );
        }
    }

    #[test]
    fn legacy_datetimes_are_tehran_time() {
        // Midnight in Tehran (+03:30 since 2022).
        assert_eq!(
            parse_datetime("t", "1403/01/01").unwrap(),
            utc("2024-03-19T20:30:00Z")
        );
        assert_eq!(
            parse_datetime("t", "۱۴۰۳/۰۱/۰۱ ۱۴:۳۰").unwrap(),
            utc("2024-03-20T11:00:00Z")
        );
        assert_eq!(
            parse_datetime("t", "1403/01/01T14:30:15.250").unwrap(),
            utc("2024-03-20T11:00:15Z")
        );
        // Summer before 2022: +04:30.
        assert_eq!(
            parse_datetime("t", "1399/03/12 16:30").unwrap(),
            utc("2020-06-01T12:00:00Z")
        );
        for raw in [
            "1403/01/01 25:00",
            "1403/01/01 12",
            "1403/01/01 12:00:00:00",
            "1403/13/01 10:00",
        ] {
            assert!(parse_datetime("t", raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn legacy_midnight_skipped_by_daylight_saving() {
        // 2 Farvardin 1399 (2020-03-21): clocks went from 00:00 to 01:00; the day starts at
        // 01:00 +04:30, which is 20:30 UTC the day before.
        assert_eq!(
            parse_datetime("t", "1399/01/02").unwrap(),
            utc("2020-03-20T20:30:00Z")
        );
        assert_eq!(
            tehran_to_utc(d(2020, 3, 21).and_hms_opt(0, 30, 0).unwrap()),
            utc("2020-03-20T21:00:00Z")
        );
    }
}

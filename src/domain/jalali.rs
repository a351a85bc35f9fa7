//! Solar Hijri (Jalali) renderings of dates and times, in Asia/Tehran time.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Asia::Tehran;
use icu_calendar::Date;
use icu_calendar::cal::Persian;

/// Converts an ISO (proleptic Gregorian) date to its Solar Hijri year, month and day.
///
/// Returns `None` if the date is outside the range `icu_calendar` accepts.
fn to_jalali(d: NaiveDate) -> Option<(i32, u8, u8)> {
    let month = u8::try_from(d.month()).ok()?;
    let day = u8::try_from(d.day()).ok()?;
    let iso = Date::try_new_iso(d.year(), month, day).ok()?;
    let persian = iso.to_calendar(Persian);
    Some((
        persian.era_year().year,
        persian.month().ordinal,
        persian.day_of_month().0,
    ))
}

/// Renders `d` as a Solar Hijri (Jalali) date, `YYYY/MM/DD`, with ASCII digits and
/// zero padding (e.g. 2024-03-20 → `"1403/01/01"`).
///
/// Falls back to the ISO rendering (`YYYY-MM-DD`) if the calendar conversion fails.
pub fn date(d: NaiveDate) -> String {
    match to_jalali(d) {
        Some((y, m, day)) => format!("{y:04}/{m:02}/{day:02}"),
        None => d.format("%Y-%m-%d").to_string(),
    }
}

/// Renders the instant `t` in Asia/Tehran local time (per the tz database, so including
/// the daylight-saving time Iran observed until 2022) as a Solar Hijri date and time,
/// `YYYY/MM/DD HH:MM`, with ASCII digits (e.g. 2024-03-20T20:30:00Z → `"1403/01/02 00:00"`).
///
/// Falls back to the ISO rendering (`YYYY-MM-DD HH:MM`, Tehran time) if the calendar
/// conversion fails.
pub fn datetime(t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&Tehran);
    let time = local.format("%H:%M");
    match to_jalali(local.date_naive()) {
        Some((y, m, day)) => format!("{y:04}/{m:02}/{day:02} {time}"),
        None => local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// The civil (Gregorian) date in Asia/Tehran at the instant `t`.
pub fn tehran_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Tehran).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }

    #[test]
    fn nowruz_1403() {
        assert_eq!(date(d(2024, 3, 20)), "1403/01/01");
    }

    #[test]
    fn last_day_of_1402() {
        assert_eq!(date(d(2024, 3, 19)), "1402/12/29");
    }

    #[test]
    fn nowruz_1404() {
        assert_eq!(date(d(2025, 3, 21)), "1404/01/01");
        assert_eq!(date(d(2025, 3, 20)), "1403/12/30"); // 1403 is a leap year
    }

    #[test]
    fn mid_year_1405() {
        assert_eq!(date(d(2026, 11, 25)), "1405/09/04");
    }

    #[test]
    fn nowruz_1369() {
        assert_eq!(date(d(1990, 3, 21)), "1369/01/01");
    }

    #[test]
    fn y2k() {
        assert_eq!(date(d(2000, 1, 1)), "1378/10/11");
    }

    #[test]
    fn datetime_crosses_midnight_in_tehran() {
        // +03:30: 20:30Z is midnight of the next day in Tehran.
        assert_eq!(datetime(utc(2024, 3, 20, 20, 30)), "1403/01/02 00:00");
        assert_eq!(datetime(utc(2024, 3, 20, 20, 29)), "1403/01/01 23:59");
    }

    #[test]
    fn datetime_summer_time_before_2022() {
        // Iran observed +04:30 in summer until 2022.
        assert_eq!(datetime(utc(2020, 6, 1, 12, 0)), "1399/03/12 16:30");
    }

    #[test]
    fn datetime_no_summer_time_since_2022() {
        assert_eq!(datetime(utc(2023, 6, 1, 12, 0)), "1402/03/11 15:30");
    }

    #[test]
    fn tehran_civil_date() {
        assert_eq!(tehran_date(utc(2024, 3, 20, 20, 29)), d(2024, 3, 20));
        assert_eq!(tehran_date(utc(2024, 3, 20, 20, 30)), d(2024, 3, 21));
        // Summer 2020 (+04:30): 19:30Z is already the next day.
        assert_eq!(tehran_date(utc(2020, 6, 1, 19, 30)), d(2020, 6, 2));
        assert_eq!(tehran_date(utc(2020, 6, 1, 19, 29)), d(2020, 6, 1));
    }
}

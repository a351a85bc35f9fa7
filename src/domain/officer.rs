//! Officers: registration rules, general-info (E2) rules, and the officer's enums.

use chrono::{Datelike, NaiveDate};

use super::normalize::{self, FieldError};
use super::text_enum::text_enum;

text_enum! {
    /// Gender.
    #[derive(async_graphql::Enum)]
    pub enum Gender {
        /// مرد
        Male = "MALE",
        /// زن
        Female = "FEMALE",
    }
}

text_enum! {
    /// Level of study.
    #[derive(async_graphql::Enum)]
    pub enum DegreeLevel {
        /// کاردانی
        Associate = "ASSOCIATE",
        /// کارشناسی
        Bachelor = "BACHELOR",
        /// کارشناسی ارشد
        Master = "MASTER",
        /// دکتری
        Doctorate = "DOCTORATE",
    }
}

text_enum! {
    /// Whether the officer is qualified.
    #[derive(async_graphql::Enum)]
    pub enum QualificationStatus {
        /// Not (yet) qualified.
        NotQualified = "NOT_QUALIFIED",
        /// Qualified: a NEW request was approved and its fee paid.
        Qualified = "QUALIFIED",
    }
}

text_enum! {
    /// Kind of document.
    #[derive(async_graphql::Enum)]
    pub enum DocumentKind {
        /// مدرک تحصیلی
        DegreeCertificate = "DEGREE_CERTIFICATE",
        /// کارت ملی
        NationalCard = "NATIONAL_CARD",
        /// شناسنامه
        BirthCertificate = "BIRTH_CERTIFICATE",
        /// عکس
        Photo = "PHOTO",
        /// سایر
        Other = "OTHER",
    }
}

impl DocumentKind {
    /// Persian name.
    pub fn name_fa(self) -> &'static str {
        match self {
            Self::DegreeCertificate => "مدرک تحصیلی",
            Self::NationalCard => "کارت ملی",
            Self::BirthCertificate => "شناسنامه",
            Self::Photo => "عکس",
            Self::Other => "سایر",
        }
    }
}

/// Longest accepted name.
pub const NAME_MAX: usize = 100;

/// Checks a birth date: not in the future, an adult (18 or older) and plausible (at most
/// 100 years old).
pub fn birth_date(field: &str, d: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    if d > today {
        return Err(FieldError::new(
            field,
            "the birth date is in the future",
            "تاریخ تولد نمی‌تواند در آینده باشد",
        ));
    }
    let mut age = today.year() - d.year();
    if (today.month(), today.day()) < (d.month(), d.day()) {
        age -= 1;
    }
    if age < 18 {
        return Err(FieldError::new(
            field,
            "a technical officer must be at least 18 years old",
            "مسئول فنی باید دست‌کم ۱۸ سال داشته باشد",
        ));
    }
    if age > 100 {
        return Err(FieldError::new(
            field,
            "the birth date is not plausible",
            "تاریخ تولد معتبر نیست",
        ));
    }
    Ok(d)
}

/// A person's name: cleaned, required, letters only (Persian or Latin, spaces, ZWNJ, `-`, `'`).
pub fn person_name(field: &str, raw: &str) -> Result<String, FieldError> {
    let name = normalize::required_text(field, raw, NAME_MAX)?;
    let ok = name.chars().all(|c| {
        c.is_alphabetic() || c == ' ' || c == '\u{200C}' || c == '-' || c == '\'' || c == '.'
    });
    if ok {
        Ok(name)
    } else {
        Err(FieldError::new(
            field,
            "a name may contain letters only",
            "نام فقط می‌تواند شامل حروف باشد",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn birth_dates() {
        let today = d(2026, 11, 25);
        assert!(birth_date("b", d(1990, 3, 21), today).is_ok());
        assert!(birth_date("b", d(2027, 1, 1), today).is_err());
        assert!(birth_date("b", d(2008, 11, 26), today).is_err()); // 17 years, 364 days
        assert!(birth_date("b", d(2008, 11, 25), today).is_ok()); // 18 today
        assert!(birth_date("b", d(1900, 1, 1), today).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(person_name("n", "  علي  ").unwrap(), "علی");
        assert_eq!(
            person_name("n", "محمد\u{200C}رضا").unwrap(),
            "محمد\u{200C}رضا"
        );
        assert!(person_name("n", "   ").is_err());
        assert!(person_name("n", "Ali1").is_err());
        assert!(person_name("n", "<script>").is_err());
    }
}

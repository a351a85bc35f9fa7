//! Officers: registration rules, general-info (E2) rules, and the officer's enums.

use async_graphql::Enum;
use chrono::{Datelike, NaiveDate};

use super::normalize::{self, FieldError};

/// Gender.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Gender {
    /// مرد
    Male,
    /// زن
    Female,
}

impl Gender {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "MALE",
            Self::Female => "FEMALE",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MALE" => Some(Self::Male),
            "FEMALE" => Some(Self::Female),
            _ => None,
        }
    }
}

/// Level of study.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DegreeLevel {
    /// کاردانی
    Associate,
    /// کارشناسی
    Bachelor,
    /// کارشناسی ارشد
    Master,
    /// دکتری
    Doctorate,
}

impl DegreeLevel {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Associate => "ASSOCIATE",
            Self::Bachelor => "BACHELOR",
            Self::Master => "MASTER",
            Self::Doctorate => "DOCTORATE",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ASSOCIATE" => Some(Self::Associate),
            "BACHELOR" => Some(Self::Bachelor),
            "MASTER" => Some(Self::Master),
            "DOCTORATE" => Some(Self::Doctorate),
            _ => None,
        }
    }
}

/// Whether the officer is qualified.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum QualificationStatus {
    /// Not (yet) qualified.
    NotQualified,
    /// Qualified: a NEW request was approved and its fee paid.
    Qualified,
}

impl QualificationStatus {
    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        if s == "QUALIFIED" {
            Self::Qualified
        } else {
            Self::NotQualified
        }
    }
}

/// Kind of document.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// مدرک تحصیلی
    DegreeCertificate,
    /// کارت ملی
    NationalCard,
    /// شناسنامه
    BirthCertificate,
    /// عکس
    Photo,
    /// سایر
    Other,
}

impl DocumentKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DegreeCertificate => "DEGREE_CERTIFICATE",
            Self::NationalCard => "NATIONAL_CARD",
            Self::BirthCertificate => "BIRTH_CERTIFICATE",
            Self::Photo => "PHOTO",
            Self::Other => "OTHER",
        }
    }
    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "DEGREE_CERTIFICATE" => Self::DegreeCertificate,
            "NATIONAL_CARD" => Self::NationalCard,
            "BIRTH_CERTIFICATE" => Self::BirthCertificate,
            "PHOTO" => Self::Photo,
            "OTHER" => Self::Other,
            _ => return None,
        })
    }
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

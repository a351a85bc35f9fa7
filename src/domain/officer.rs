//! Officers: registration rules, general-info (E2) rules, and the officer's enums.

use chrono::{Datelike, NaiveDate};

use super::normalize::{self, FieldError};
use super::patch::Patch;
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

text_enum! {
    /// What happens to an officer's profile (the event log's action).
    pub enum OfficerAction {
        /// The officer registered.
        Register = "REGISTER",
        /// General info (E2) changed.
        UpdateGeneralInfo = "UPDATE_GENERAL_INFO",
        /// A NEW request completed: the officer is qualified.
        Qualified = "QUALIFIED",
        /// An AMENDMENT completed: its data applies.
        AmendmentApplied = "AMENDMENT_APPLIED",
        /// Imported from the old system (`import-legacy`), qualified there.
        Imported = "IMPORTED",
    }
}

/// General info (E2): the items an officer changes without review.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneralInfoPatch {
    /// Landline.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub phone: Patch<String>,
    /// Mobile (may not be cleared).
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub mobile: Patch<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub email: Patch<String>,
    /// Postal address.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub postal_address: Patch<String>,
    /// Father's name.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub father_name: Patch<String>,
    /// Gender.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub gender: Patch<Gender>,
    /// Birth-certificate number.
    #[serde(skip_serializing_if = "Patch::is_keep")]
    pub birth_certificate_number: Patch<String>,
}

impl GeneralInfoPatch {
    /// Checks and normalises every value being set (DESIGN §4).
    pub fn validate(self) -> Result<Self, FieldError> {
        Ok(Self {
            phone: self.phone.validate(|s| normalize::phone("phone", &s))?,
            mobile: match self.mobile {
                Patch::Clear => {
                    return Err(FieldError::new(
                        "mobile",
                        "the mobile number cannot be cleared",
                        "شماره تلفن همراه را نمی‌توان حذف کرد",
                    ));
                }
                m => m.validate(|s| normalize::mobile("mobile", &s))?,
            },
            email: self.email.validate(|s| normalize::email("email", &s))?,
            postal_address: self
                .postal_address
                .validate(|s| normalize::required_text("postalAddress", &s, 500))?,
            father_name: self
                .father_name
                .validate(|s| person_name("fatherName", &s))?,
            gender: self.gender,
            birth_certificate_number: self
                .birth_certificate_number
                .validate(|s| normalize::birth_certificate_number("birthCertificateNumber", &s))?,
        })
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

//! Messages of the directorate to officers (M1): the audience, the priority, the rules of
//! the input.

use uuid::Uuid;

use super::normalize::{self, FieldError};
use super::text_enum::text_enum;

text_enum! {
    /// How urgent a message is.
    #[derive(async_graphql::Enum)]
    pub enum MessagePriority {
        /// An ordinary notice.
        Normal = "NORMAL",
        /// To be read at once.
        Urgent = "URGENT",
    }
}

/// Who a message goes to, resolved to officers when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every officer account, qualified or not.
    All,
    /// The officers residing in these provinces.
    Provinces(Vec<i32>),
    /// These officers.
    Officers(Vec<Uuid>),
}

impl Audience {
    /// The audience of an input: exactly one of all officers, provinces, officer ids.
    /// Empty lists count as not given.
    pub fn from_input(
        all_officers: Option<bool>,
        province_ids: Option<Vec<i32>>,
        officer_ids: Option<Vec<Uuid>>,
    ) -> Result<Self, FieldError> {
        let provinces = province_ids.filter(|p| !p.is_empty());
        let officers = officer_ids.filter(|o| !o.is_empty());
        let all = all_officers == Some(true);
        match (all, provinces, officers) {
            (true, None, None) => Ok(Self::All),
            (false, Some(mut p), None) => {
                p.sort_unstable();
                p.dedup();
                Ok(Self::Provinces(p))
            }
            (false, None, Some(mut o)) => {
                o.sort_unstable();
                o.dedup();
                Ok(Self::Officers(o))
            }
            (false, None, None) => Err(FieldError::new(
                "allOfficers",
                "name the audience: allOfficers, provinceIds or officerIds",
                "گیرندگان پیام را مشخص کنید: همه مسئولان فنی، استان‌ها یا مسئولان فنی مشخص",
            )),
            _ => Err(FieldError::new(
                "allOfficers",
                "name one audience only: allOfficers, provinceIds or officerIds",
                "فقط یکی از گزینه‌های گیرندگان را انتخاب کنید: همه، استان‌ها یا مسئولان فنی مشخص",
            )),
        }
    }

    /// As stored with the message and its event.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Self::All => serde_json::json!({ "allOfficers": true }),
            Self::Provinces(p) => serde_json::json!({ "provinceIds": p }),
            Self::Officers(o) => serde_json::json!({ "officerIds": o }),
        }
    }

    /// Read back from its stored form.
    pub fn from_json(v: &serde_json::Value) -> Option<Self> {
        if v["allOfficers"] == serde_json::Value::Bool(true) {
            return Some(Self::All);
        }
        if let Some(p) = v["provinceIds"].as_array() {
            return Some(Self::Provinces(
                p.iter()
                    .filter_map(|x| x.as_i64())
                    .map(|x| x as i32)
                    .collect(),
            ));
        }
        if let Some(o) = v["officerIds"].as_array() {
            return Some(Self::Officers(
                o.iter().filter_map(|x| x.as_str()?.parse().ok()).collect(),
            ));
        }
        None
    }

    /// Whether an officer (with its province of residence) is in the audience.
    pub fn includes(&self, officer: Uuid, province: Option<i32>) -> bool {
        match self {
            Self::All => true,
            Self::Provinces(p) => province.is_some_and(|x| p.contains(&x)),
            Self::Officers(o) => o.contains(&officer),
        }
    }
}

/// Checks and cleans the subject and the body of a message.
pub fn subject_and_body(subject: &str, body: &str) -> Result<(String, String), FieldError> {
    let subject = normalize::required_text("subject", subject, 200)?;
    let body = multiline("body", body, 10_000)?;
    Ok((subject, body))
}

/// A text of several lines: trimmed, letters and digits folded, control characters refused
/// (line breaks and tabs kept), required, at most `max` characters.
fn multiline(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let text = normalize::fold_letters(s.trim());
    if text.is_empty() {
        return Err(FieldError::new(
            field,
            "must not be empty",
            "این فیلد نباید خالی باشد",
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
            "این فیلد نباید نویسه‌های کنترلی داشته باشد",
        ));
    }
    if text.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
            "متن پیام بیش از حد طولانی است",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_audience_exactly() {
        assert_eq!(
            Audience::from_input(Some(true), None, None),
            Ok(Audience::All)
        );
        assert_eq!(
            Audience::from_input(None, Some(vec![28, 5, 28]), None),
            Ok(Audience::Provinces(vec![5, 28]))
        );
        assert!(Audience::from_input(None, None, None).is_err());
        assert!(Audience::from_input(Some(false), Some(vec![]), Some(vec![])).is_err());
        assert!(Audience::from_input(Some(true), Some(vec![1]), None).is_err());
        let o = Uuid::from_u128(7);
        assert!(Audience::from_input(None, Some(vec![1]), Some(vec![o])).is_err());
        let a = Audience::Provinces(vec![28]);
        assert_eq!(Audience::from_json(&a.to_json()), Some(a.clone()));
        assert!(a.includes(o, Some(28)) && !a.includes(o, Some(5)) && !a.includes(o, None));
        let b = Audience::Officers(vec![o]);
        assert_eq!(Audience::from_json(&b.to_json()), Some(b.clone()));
        assert!(b.includes(o, None) && !b.includes(Uuid::from_u128(8), None));
    }

    #[test]
    fn subjects_and_bodies() {
        assert_eq!(
            subject_and_body("  اطلاعيه ", "سطر اول\nسطر دوم").unwrap(),
            ("اطلاعیه".to_string(), "سطر اول\nسطر دوم".to_string())
        );
        assert!(subject_and_body(" ", "x").is_err());
        assert!(subject_and_body("x", "  ").is_err());
        assert!(subject_and_body("x", "a\u{0}b").is_err());
    }
}

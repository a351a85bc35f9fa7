//! A change to one field of a record: keep it, clear it, or set it (an omitted input field,
//! `null`, a value).

use serde::{Serialize, Serializer};

use super::normalize::FieldError;

/// A change to one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Leave it as it is.
    #[default]
    Keep,
    /// Clear it.
    Clear,
    /// Set it to this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left as it is.
    pub fn is_keep(&self) -> bool {
        matches!(self, Self::Keep)
    }

    /// Checks and normalises a value being set; keeping and clearing pass.
    pub fn validate<U>(
        self,
        check: impl FnOnce(T) -> Result<U, FieldError>,
    ) -> Result<Patch<U>, FieldError> {
        Ok(match self {
            Self::Keep => Patch::Keep,
            Self::Clear => Patch::Clear,
            Self::Set(v) => Patch::Set(check(v)?),
        })
    }

    /// Like [`Patch::validate`], for a field that may not be cleared.
    pub fn validate_required<U>(
        self,
        field: &str,
        check: impl FnOnce(T) -> Result<U, FieldError>,
    ) -> Result<Patch<U>, FieldError> {
        match self {
            Self::Clear => Err(FieldError::new(
                field,
                "this field cannot be cleared",
                "این فیلد را نمی‌توان خالی کرد",
            )),
            other => other.validate(check),
        }
    }

    /// The change for a nullable column: `None` keeps it, `Some(None)` clears it.
    pub fn change(&self) -> Option<Option<&T>> {
        match self {
            Self::Keep => None,
            Self::Clear => Some(None),
            Self::Set(v) => Some(Some(v)),
        }
    }

    /// The value being set, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Set(v) => Some(v),
            _ => None,
        }
    }

    /// The field's value once the change applies to `current`.
    pub fn applied_to<'a>(&'a self, current: Option<&'a T>) -> Option<&'a T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(v) => Some(v),
        }
    }
}

/// In the event log: the new value, or `null` for a cleared field (kept fields are left out
/// with `#[serde(skip_serializing_if = "Patch::is_keep")]`).
impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Set(v) => v.serialize(s),
            Self::Keep | Self::Clear => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_clear_set() {
        let ok = |s: String| Ok::<_, FieldError>(s.trim().to_string());
        assert_eq!(Patch::<String>::Keep.validate(ok), Ok(Patch::Keep));
        assert_eq!(Patch::<String>::Clear.validate(ok), Ok(Patch::Clear));
        assert_eq!(
            Patch::Set(" a ".to_string()).validate(ok),
            Ok(Patch::Set("a".to_string()))
        );
        assert!(Patch::<String>::Clear.validate_required("f", ok).is_err());
        assert_eq!(Patch::Set(1).change(), Some(Some(&1)));
        assert_eq!(Patch::<i32>::Clear.change(), Some(None));
        assert_eq!(Patch::<i32>::Keep.change(), None);
        assert_eq!(Patch::<i32>::Keep.applied_to(Some(&5)), Some(&5));
        assert_eq!(Patch::<i32>::Clear.applied_to(Some(&5)), None);
    }
}

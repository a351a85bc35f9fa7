//! Scalars of the contract that async-graphql does not name as we do.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// ISO 8601 calendar date, e.g. "1990-03-21". Persian and Arabic-Indic digits are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => {
                let folded = crate::domain::normalize::fold_digits(s.trim());
                NaiveDate::parse_from_str(&folded, "%Y-%m-%d")
                    .map(Date)
                    .map_err(|_| InputValueError::custom("expected a date as YYYY-MM-DD"))
            }
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

//! Every string a request gives (literal arguments, variables, fields of input objects, list
//! items) is checked here, in one place, before any resolver runs: at most a number of
//! characters that depends on its kind, and no control character other than tab and line
//! breaks. A NUL reached PostgreSQL as an invalid byte, and a 250 KB user code overflowed
//! the throttle's index row: both answered `INTERNAL`. Now they are `VALIDATION_FAILED` with
//! `extensions.field` naming the argument (`input.firstName`, `items.0.description`). The
//! workflows keep their own, finer rules (a subject of at most 200 characters, a password of
//! at most 128); these are the ceilings no string passes.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Pos, Value, Variables};
use std::collections::HashMap;

use crate::domain::normalize::persian_number;
use crate::error::AppError;

/// A kind of string argument, by the name of the argument or input field that holds it.
pub struct TextKind {
    /// What the kind is, for the README.
    pub name: &'static str,
    /// Most characters accepted.
    pub max_chars: usize,
    /// The argument and input-field names of this kind.
    pub fields: &'static [&'static str],
}

/// The kinds with a limit of their own; every other string (names, codes, identifiers,
/// passwords, tokens, cursors, e-mail, phone numbers) has [`DEFAULT_MAX_CHARS`].
pub const KINDS: &[TextKind] = &[
    TextKind {
        name: "message body",
        max_chars: 20_000,
        fields: &["body"],
    },
    TextKind {
        name: "free text",
        max_chars: 4_000,
        fields: &["note", "reason", "description", "address", "postalAddress"],
    },
];

/// Most characters of any other string.
pub const DEFAULT_MAX_CHARS: usize = 256;

/// The limit of a string held by the argument or input field `key`.
pub fn max_chars(key: &str) -> usize {
    KINDS
        .iter()
        .find(|k| k.fields.contains(&key))
        .map_or(DEFAULT_MAX_CHARS, |k| k.max_chars)
}

/// Checks one string held by `key`, at `path`.
pub fn check_text(path: &str, key: &str, s: &str) -> Result<(), AppError> {
    let max = max_chars(key);
    // A char is at most 4 bytes: a longer string is too long without counting.
    if s.len() > max * 4 || s.chars().count() > max {
        return Err(AppError::validation(
            path,
            format!("must be at most {max} characters"),
            format!("این فیلد نباید بیش از {} نویسه باشد", persian_number(max)),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(AppError::validation(
            path,
            "must not contain control characters",
            "این فیلد نباید نویسه‌های کنترلی داشته باشد",
        ));
    }
    Ok(())
}

/// Checks every string of `value` (held by `key`, at `path`). The nesting guard has bounded
/// the depth of values before this runs.
fn check_value(path: &str, key: &str, value: &Value) -> Result<(), AppError> {
    match value {
        Value::String(s) => check_text(path, key, s),
        Value::List(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_value(&format!("{path}.{i}"), key, v)),
        Value::Object(fields) => fields
            .iter()
            .try_for_each(|(name, v)| check_value(&format!("{path}.{name}"), name, v)),
        _ => Ok(()),
    }
}

/// Checks the strings of every argument of every field and directive in `doc` (operations
/// and fragments), with the variables (or their defaults) in place.
pub fn check_document(
    doc: &ExecutableDocument,
    variables: &Variables,
) -> Result<(), Box<(AppError, Pos)>> {
    let mut defaults: HashMap<&Name, &Value> = HashMap::new();
    let mut sets: Vec<&SelectionSet> = Vec::new();
    for (_, op) in doc.operations.iter() {
        for def in &op.node.variable_definitions {
            if let Some(d) = &def.node.default_value {
                defaults.entry(&def.node.name.node).or_insert(&d.node);
            }
        }
        sets.push(&op.node.selection_set.node);
    }
    sets.extend(doc.fragments.values().map(|f| &f.node.selection_set.node));
    let resolve = |name: Name| -> Result<Value, std::convert::Infallible> {
        Ok(variables
            .get(&name)
            .or_else(|| defaults.get(&name).copied())
            .cloned()
            .unwrap_or(Value::Null))
    };
    while let Some(set) = sets.pop() {
        for item in &set.items {
            let (arguments, directives, children) = match &item.node {
                Selection::Field(f) => (
                    Some(&f.node.arguments),
                    &f.node.directives,
                    Some(&f.node.selection_set.node),
                ),
                Selection::InlineFragment(f) => {
                    (None, &f.node.directives, Some(&f.node.selection_set.node))
                }
                Selection::FragmentSpread(f) => (None, &f.node.directives, None),
            };
            let directive_args = directives.iter().flat_map(|d| d.node.arguments.iter());
            for (name, value) in arguments.into_iter().flatten().chain(directive_args) {
                let pos = value.pos;
                let Ok(value) = value.node.clone().into_const_with(resolve);
                check_value(&name.node, &name.node, &value).map_err(|e| Box::new((e, pos)))?;
            }
            sets.extend(children);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, variables: serde_json::Value) -> Option<String> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        check_document(&doc, &Variables::from_json(variables))
            .err()
            .and_then(|b| b.0.field)
    }

    #[test]
    fn literals_variables_defaults_and_nested_fields_are_checked() {
        let q = "mutation($u: String!) { login(userCode: $u, password: \"p\") { accessToken } }";
        assert_eq!(check(q, serde_json::json!({ "u": "ok" })), None);
        assert_eq!(
            check(q, serde_json::json!({ "u": "a\u{0}b" })).as_deref(),
            Some("userCode")
        );
        let long = "x".repeat(DEFAULT_MAX_CHARS + 1);
        assert_eq!(
            check(q, serde_json::json!({ "u": long })).as_deref(),
            Some("userCode")
        );
        let literal = "{ verifyOfficer(nationalCode: \"1\\u0007\") { status } }";
        assert_eq!(
            check(literal, serde_json::json!({})).as_deref(),
            Some("nationalCode")
        );
        let defaulted =
            "query($c: String = \"\\u0000\") { verifyOfficer(nationalCode: $c) { status } }";
        assert_eq!(
            check(defaulted, serde_json::json!({})).as_deref(),
            Some("nationalCode")
        );
        let nested = "mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }";
        let body = "سطر\n".repeat(4_000);
        assert_eq!(
            check(
                nested,
                serde_json::json!({ "i": { "subject": "s", "body": body, "officerIds": ["a"] } })
            ),
            None
        );
        assert_eq!(
            check(nested, serde_json::json!({ "i": { "subject": "s", "body": "b", "officerIds": ["a", "b\u{1}"] } }))
                .as_deref(),
            Some("input.officerIds.1")
        );
        let in_fragment = "query { ...F } fragment F on Query { verifyOfficer(nationalCode: \"\\u0000\") { status } }";
        assert_eq!(
            check(in_fragment, serde_json::json!({})).as_deref(),
            Some("nationalCode")
        );
    }

    #[test]
    fn limits_by_kind() {
        assert_eq!(max_chars("body"), 20_000);
        assert_eq!(max_chars("note"), 4_000);
        assert_eq!(max_chars("userCode"), DEFAULT_MAX_CHARS);
        assert!(check_text("note", "note", &"ی".repeat(4_000)).is_ok());
        assert!(check_text("note", "note", &"ی".repeat(4_001)).is_err());
        assert!(check_text("note", "note", "a\tb\r\nc").is_ok());
        assert!(check_text("note", "note", "a\u{85}b").is_err());
    }
}

//! The nesting guard: a request nested deeper than [`MAX_NESTING`] — in its query text
//! (`{`, `[`, `(`) or in its variables (lists and objects) — is refused before anything
//! recursive sees it. The query parser, the validation rules and the conversion of values
//! all recurse once per level; a 3 KB query of 1,600 nested lists overflowed the stack and
//! aborted the whole process. Both scans here are loops with no recursion, so any input is
//! safe to scan.

use async_graphql::{Value as ConstValue, Variables};

/// Deepest nesting accepted, in the query text and in the variables. The standard
/// introspection query of tools nests 13 levels; a query of the deepest depth the schema
/// allows (`MAX_QUERY_DEPTH`) with arguments stays far below.
pub const MAX_NESTING: usize = 64;

/// How deep the brackets of a GraphQL document nest, outside strings, block strings and
/// comments; stops counting as soon as it passes `limit` (so the answer is at most
/// `limit + 1`). Unbalanced text is left to the parser.
pub fn text_depth(query: &str, limit: usize) -> usize {
    let bytes = query.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                // A block string ends at the next `"""` not escaped as `\"""`.
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// How deep the lists and objects of the variables nest (a scalar at the top is depth 0);
/// stops as soon as it passes `limit`.
pub fn variables_depth(variables: &Variables, limit: usize) -> usize {
    let mut stack: Vec<(&ConstValue, usize)> = variables.values().map(|v| (v, 0)).collect();
    let mut deepest = 0;
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &ConstValue>> = match value {
            ConstValue::List(items) => Box::new(items.iter()),
            ConstValue::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        let depth = depth + 1;
        deepest = deepest.max(depth);
        if deepest > limit {
            return deepest;
        }
        stack.extend(children.map(|c| (c, depth)));
    }
    deepest
}

/// Why a request is refused, or `None` when it is nested within the limit.
pub fn check(query: &str, variables: &Variables) -> Option<String> {
    if text_depth(query, MAX_NESTING) > MAX_NESTING {
        return Some(format!(
            "the query is nested more than {MAX_NESTING} levels deep"
        ));
    }
    if variables_depth(variables, MAX_NESTING) > MAX_NESTING {
        return Some(format!(
            "the variables are nested more than {MAX_NESTING} levels deep"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_counted_outside_strings_and_comments() {
        assert_eq!(text_depth("{ a }", 64), 1);
        assert_eq!(text_depth("{ a(x: [[1]]) { b } }", 64), 4);
        assert_eq!(text_depth(r#"{ a(x: "[[[[{{{{") }"#, 64), 2);
        assert_eq!(text_depth(r#"{ a(x: "\"[[[") }"#, 64), 2);
        assert_eq!(
            text_depth("{ a(x: \"\"\" [[[ \\\"\"\" [[[ \"\"\") }", 64),
            2
        );
        assert_eq!(text_depth("# {{{{{{\n{ a }", 64), 1);
        assert_eq!(text_depth("}}}} { a }", 64), 1);
    }

    #[test]
    fn counting_stops_past_the_limit() {
        let deep = "[".repeat(100_000);
        assert_eq!(text_depth(&deep, 64), 65);
        let ok = format!("{}{}", "[".repeat(64), "]".repeat(64));
        assert_eq!(text_depth(&ok, 64), 64);
    }

    #[test]
    fn variables_are_measured_without_recursion() {
        let mut v = ConstValue::Boolean(false);
        for _ in 0..100_000 {
            v = ConstValue::List(vec![v]);
        }
        let vars = Variables::from_value(ConstValue::Object(
            [(async_graphql::Name::new("v"), v)].into_iter().collect(),
        ));
        assert_eq!(variables_depth(&vars, 64), 65);
        // Dropping a value this deep recurses too: take it apart level by level.
        let mut rest = vars.into_value();
        loop {
            rest = match rest {
                ConstValue::List(mut items) => match items.pop() {
                    Some(v) => v,
                    None => break,
                },
                ConstValue::Object(mut fields) => match fields.pop() {
                    Some((_, v)) => v,
                    None => break,
                },
                _ => break,
            };
        }
        let flat = Variables::from_json(serde_json::json!({ "a": 1, "b": [1, {"c": 2}] }));
        assert_eq!(variables_depth(&flat, 64), 2);
    }
}

//! Query limits, checked before anything runs: tokens (before parsing), aliases and
//! directives (after parsing), depth and complexity (async-graphql's validation, with the page
//! size of each connection counted). An over-limit request gets LIMIT_EXCEEDED and costs no SQL.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Positioned, ServerError};

/// The limits one request must stay within.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Deepest nesting of selections.
    pub max_depth: usize,
    /// Highest complexity: one per field, times the page size inside a connection.
    pub max_complexity: usize,
    /// Most aliases in a document.
    pub max_aliases: usize,
    /// Most directives in a document.
    pub max_directives: usize,
    /// Most lexical tokens in a query text.
    pub max_tokens: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5000,
            max_aliases: 30,
            max_directives: 20,
            max_tokens: 3000,
        }
    }
}

/// A LIMIT_EXCEEDED error for the parse phase.
pub fn exceeded(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", super::error::code::LIMIT_EXCEEDED);
    error.extensions = Some(ext);
    error
}

/// Counts GraphQL tokens well enough to bound them: names and numbers, strings (block strings
/// included), punctuators and the `...` spread; commas, white space and comments are ignored,
/// as the GraphQL grammar ignores them. Stops counting once past `limit`.
pub fn count_tokens(text: &str, limit: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut i, mut count) = (0, 0);
    while i < bytes.len() && count <= limit {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                count += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                count += 1;
                i += 3;
            }
            _ if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                count += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            _ => {
                count += 1;
                i += 1;
            }
        }
    }
    count
}

fn walk(set: &Positioned<SelectionSet>, aliases: &mut usize, directives: &mut usize) {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(field) => {
                *aliases += usize::from(field.node.alias.is_some());
                *directives += field.node.directives.len();
                walk(&field.node.selection_set, aliases, directives);
            }
            Selection::FragmentSpread(spread) => *directives += spread.node.directives.len(),
            Selection::InlineFragment(inline) => {
                *directives += inline.node.directives.len();
                walk(&inline.node.selection_set, aliases, directives);
            }
        }
    }
}

/// Checks the aliases and directives of a parsed document against the limits.
pub fn check_document(doc: &ExecutableDocument, limits: &QueryLimits) -> Result<(), ServerError> {
    let (mut aliases, mut directives) = (0, 0);
    for (_, operation) in doc.operations.iter() {
        directives += operation.node.directives.len();
        walk(&operation.node.selection_set, &mut aliases, &mut directives);
    }
    for fragment in doc.fragments.values() {
        directives += fragment.node.directives.len();
        walk(&fragment.node.selection_set, &mut aliases, &mut directives);
    }
    if aliases > limits.max_aliases {
        return Err(exceeded(format!(
            "the query uses {aliases} aliases; at most {} are allowed",
            limits.max_aliases
        )));
    }
    if directives > limits.max_directives {
        return Err(exceeded(format!(
            "the query uses {directives} directives; at most {} are allowed",
            limits.max_directives
        )));
    }
    Ok(())
}

/// Whether an uncoded error is one of async-graphql's own limit errors.
pub fn is_limit_message(message: &str) -> bool {
    message.starts_with("Query is too complex")
        || message.starts_with("Query is nested too deep")
        || message.starts_with("The number of directives")
        || message.contains("recursion limit")
}

/// What a connection's page size weighs in the complexity: `first` or `last`, 20 when neither
/// is given, at most 100 (the page limit refuses more anyway).
pub fn page_weight(first: Option<i32>, last: Option<i32>) -> usize {
    first
        .or(last)
        .map_or(20, |n| usize::try_from(n.clamp(0, 100)).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn counting_any_text_ends_without_panicking(text in ".{0,400}", limit in 0usize..500) {
            let n = count_tokens(&text, limit);
            proptest::prop_assert!(n <= limit + 1);
        }
    }

    #[test]
    fn tokens_are_counted_as_the_grammar_sees_them() {
        assert_eq!(count_tokens("{ a }", 100), 3);
        assert_eq!(
            count_tokens(
                "query Q($x: Int = 10) { a(b: $x, c: \"s t\") { ...F } }",
                100
            ),
            26
        );
        assert_eq!(count_tokens("# only a comment\n{ a }", 100), 3);
        assert_eq!(
            count_tokens("{ a(s: \"\"\"many words here\"\"\") }", 100),
            8
        );
        assert_eq!(
            count_tokens(&"{ a }".repeat(1000), 50),
            51,
            "stops counting past the limit"
        );
    }
}

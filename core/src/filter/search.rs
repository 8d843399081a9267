//! Text search through each backend's full-text index: the query texts and the SQL condition.

use sea_orm::sea_query::{Expr, SimpleExpr};
use standoff_migration::{POSTGRES_DOCUMENT, SQLITE_TABLE};

/// The FTS5 query for a search text: each word quoted, the last also as a prefix.
pub fn sqlite_match(text: &str) -> Option<String> {
    let words = words(text);
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" "))
}

/// The `to_tsquery` text for a search: the words joined by `&`, the last also as a prefix.
/// Words are letters and digits only, so they cannot break the query syntax.
pub fn postgres_query(text: &str) -> Option<String> {
    let words = words(text);
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.to_vec();
    terms.push(format!("{last}:*"));
    Some(terms.join(" & "))
}

/// The index query for `text` on the given backend; `None` when the text has no words.
pub(super) fn index_query(text: &str, postgres: bool) -> Option<String> {
    if postgres {
        postgres_query(text)
    } else {
        sqlite_match(text)
    }
}

/// Actions whose title, summary or quote hold every word of the search (the last may be the
/// start of a word); a search without words finds nothing.
pub(super) fn condition(query: Option<&str>, postgres: bool, common: bool) -> SimpleExpr {
    let Some(query) = query else {
        return Expr::cust("1 = 0");
    };
    if postgres {
        return Expr::cust_with_values(
            format!("{POSTGRES_DOCUMENT} @@ to_tsquery('simple'::regconfig, $1)"),
            [query.to_owned()],
        );
    }
    // `+` keeps SQLite from driving the query by the matches: for a common search it walks
    // the timeline in order and stops at the page's end instead of sorting every match.
    let id = if common {
        "+\"action\".\"id\""
    } else {
        "\"action\".\"id\""
    };
    Expr::cust_with_values(
        format!("{id} IN (SELECT rowid FROM {SQLITE_TABLE} WHERE {SQLITE_TABLE} MATCH ?)"),
        [query.to_owned()],
    )
}

/// The words of a search text: runs of letters and digits, lower-cased, at most 16.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_letters_and_digits_only() {
        assert_eq!(words("' OR 1=1 --"), vec!["or", "1", "1"]);
        assert_eq!(words("KILLING \"field\"*"), vec!["killing", "field"]);
        assert!(words("%_\\").is_empty());
    }
}

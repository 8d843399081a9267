//! The executable directives this schema knows: `@skip(if:)` and `@include(if:)` on fields,
//! fragment spreads and inline fragments, and nothing else anywhere. async-graphql checks
//! directives on most fields but not on `__typename`, where an unknown one, or `@skip` without
//! `if`, would pass; this check covers every place a directive can stand.

use crate::error::ApiError;
use async_graphql::Positioned;
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};

fn selection_directives(list: &[Positioned<Directive>]) -> Result<(), ApiError> {
    for directive in list {
        let directive = &directive.node;
        let name = directive.name.node.as_str();
        if !matches!(name, "skip" | "include") {
            return Err(ApiError::bad_input(format!("unknown directive @{name}")));
        }
        let only_if = directive.arguments.len() == 1
            && directive
                .arguments
                .first()
                .is_some_and(|(arg, _)| arg.node.as_str() == "if");
        if !only_if {
            return Err(ApiError::bad_input(format!(
                "@{name} takes exactly one argument, `if`"
            )));
        }
    }
    Ok(())
}

fn selection_set(set: &Positioned<SelectionSet>) -> Result<(), ApiError> {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(field) => {
                selection_directives(&field.node.directives)?;
                selection_set(&field.node.selection_set)?;
            }
            Selection::FragmentSpread(spread) => selection_directives(&spread.node.directives)?,
            Selection::InlineFragment(inline) => {
                selection_directives(&inline.node.directives)?;
                selection_set(&inline.node.selection_set)?;
            }
        }
    }
    Ok(())
}

fn no_directives(list: &[Positioned<Directive>], place: &str) -> Result<(), ApiError> {
    match list.first() {
        Some(directive) => Err(ApiError::bad_input(format!(
            "@{} is not allowed on {place}",
            directive.node.name.node
        ))),
        None => Ok(()),
    }
}

/// Refuses any directive other than `@skip(if:)` and `@include(if:)` on a selection.
pub fn check(doc: &ExecutableDocument) -> Result<(), ApiError> {
    for (_, operation) in doc.operations.iter() {
        no_directives(&operation.node.directives, "an operation")?;
        for variable in &operation.node.variable_definitions {
            no_directives(&variable.node.directives, "a variable")?;
        }
        selection_set(&operation.node.selection_set)?;
    }
    for fragment in doc.fragments.values() {
        no_directives(&fragment.node.directives, "a fragment definition")?;
        selection_set(&fragment.node.selection_set)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(query: &str) -> Result<(), ApiError> {
        check(&async_graphql::parser::parse_query(query).expect("parses"))
    }

    #[test]
    fn only_skip_and_include_with_if_pass() {
        assert!(judge("{ __typename @skip(if: false) a @include(if: true) }").is_ok());
        assert!(judge("{ __typename @unknown }").is_err());
        assert!(judge("{ __typename @skip }").is_err());
        assert!(judge("{ __typename @skip(if: true, unless: false) }").is_err());
        assert!(judge("query Q @skip(if: true) { a }").is_err());
        assert!(judge("fragment F on Q @include(if: true) { a } { ...F }").is_err());
    }
}

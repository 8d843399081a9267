//! Variables a request declares but does not send. The GraphQL spec (CoerceArgumentValues,
//! CoerceInputValues) treats an argument or input field whose value is such a variable as
//! absent, so its default applies; async-graphql passes null instead, which would make
//! `query($order: TimeOrder)` without `order` fail and a correction with an omitted `$summary`
//! clear the summary. So before execution each use of such a variable is taken out of the
//! document: the argument or field goes (its default applies), a list item becomes null.

use async_graphql::Variables;
use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned};
use async_graphql_value::Value;
use std::collections::HashSet;

/// Takes the uses of declared-but-omitted variables (nullable, without a default) out of the
/// operation that will run; a document without any is left as it is.
pub fn drop_omitted(
    doc: &mut ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) {
    let omitted: HashSet<Name> = match selected(&doc.operations, operation_name) {
        Some(operation) => operation
            .node
            .variable_definitions
            .iter()
            .filter(|def| {
                def.node.default_value.is_none()
                    && def.node.var_type.node.nullable
                    && !variables.contains_key(&def.node.name.node)
            })
            .map(|def| def.node.name.node.clone())
            .collect(),
        None => return,
    };
    if omitted.is_empty() {
        return;
    }
    // Only the selected operation runs; the others go, with the fragments only they use, so
    // that rewriting a shared fragment cannot leave another operation's variable unused.
    if let DocumentOperations::Multiple(operations) = &mut doc.operations
        && let Some(name) = operation_name
    {
        operations.retain(|key, _| key.as_str() == name);
    }
    let used = used_fragments(doc);
    doc.fragments.retain(|name, _| used.contains(name));
    for operation in operations_mut(&mut doc.operations) {
        let op = &mut operation.node;
        op.variable_definitions
            .retain(|def| !omitted.contains(&def.node.name.node));
        directives(&mut op.directives, &omitted);
        selection_set(&mut op.selection_set, &omitted);
    }
    for fragment in doc.fragments.values_mut() {
        directives(&mut fragment.node.directives, &omitted);
        selection_set(&mut fragment.node.selection_set, &omitted);
    }
}

fn selected<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(map), Some(name)) => {
            map.iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v)
        }
        (DocumentOperations::Multiple(map), None) if map.len() == 1 => map.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

fn operations_mut(
    operations: &mut DocumentOperations,
) -> Vec<&mut Positioned<OperationDefinition>> {
    match operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(map) => map.values_mut().collect(),
    }
}

/// Fragments reachable from the document's operations.
fn used_fragments(doc: &ExecutableDocument) -> HashSet<Name> {
    fn spreads(set: &SelectionSet, found: &mut Vec<Name>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => spreads(&field.node.selection_set.node, found),
                Selection::FragmentSpread(spread) => {
                    found.push(spread.node.fragment_name.node.clone());
                }
                Selection::InlineFragment(inline) => {
                    spreads(&inline.node.selection_set.node, found);
                }
            }
        }
    }
    let mut pending = Vec::new();
    match &doc.operations {
        DocumentOperations::Single(operation) => {
            spreads(&operation.node.selection_set.node, &mut pending);
        }
        DocumentOperations::Multiple(map) => {
            for operation in map.values() {
                spreads(&operation.node.selection_set.node, &mut pending);
            }
        }
    }
    let mut used = HashSet::new();
    while let Some(name) = pending.pop() {
        if used.insert(name.clone())
            && let Some(fragment) = doc.fragments.get(&name)
        {
            spreads(&fragment.node.selection_set.node, &mut pending);
        }
    }
    used
}

fn is_omitted(value: &Value, omitted: &HashSet<Name>) -> bool {
    matches!(value, Value::Variable(name) if omitted.contains(name))
}

/// Inside a value: object fields set to an omitted variable go, list items become null.
fn value(v: &mut Value, omitted: &HashSet<Name>) {
    match v {
        Value::List(items) => {
            for item in items {
                if is_omitted(item, omitted) {
                    *item = Value::Null;
                } else {
                    value(item, omitted);
                }
            }
        }
        Value::Object(fields) => {
            fields.retain(|_, field| !is_omitted(field, omitted));
            for field in fields.values_mut() {
                value(field, omitted);
            }
        }
        _ => {}
    }
}

fn arguments(args: &mut Vec<(Positioned<Name>, Positioned<Value>)>, omitted: &HashSet<Name>) {
    args.retain(|(_, v)| !is_omitted(&v.node, omitted));
    for (_, v) in args {
        value(&mut v.node, omitted);
    }
}

fn directives(list: &mut [Positioned<Directive>], omitted: &HashSet<Name>) {
    for directive in list {
        arguments(&mut directive.node.arguments, omitted);
    }
}

fn selection_set(set: &mut Positioned<SelectionSet>, omitted: &HashSet<Name>) {
    for item in &mut set.node.items {
        match &mut item.node {
            Selection::Field(field) => {
                let field = &mut field.node;
                arguments(&mut field.arguments, omitted);
                directives(&mut field.directives, omitted);
                selection_set(&mut field.selection_set, omitted);
            }
            Selection::FragmentSpread(spread) => directives(&mut spread.node.directives, omitted),
            Selection::InlineFragment(inline) => {
                directives(&mut inline.node.directives, omitted);
                selection_set(&mut inline.node.selection_set, omitted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(query: &str, variables: serde_json::Value) -> String {
        let mut doc = async_graphql::parser::parse_query(query).expect("parses");
        let variables = Variables::from_json(variables);
        drop_omitted(&mut doc, None, &variables);
        format!("{doc:?}")
    }

    #[test]
    fn an_omitted_variable_leaves_its_argument_out() {
        let query = "query($order: TimeOrder, $first: Int) { timeline(order: $order, first: $first) { totalCount } }";
        let out = rewritten(query, serde_json::json!({ "first": 2 }));
        assert!(!out.contains("\"order\""), "{out}");
        assert!(out.contains("first"), "{out}");
        let kept = rewritten(query, serde_json::json!({ "order": null, "first": 2 }));
        assert!(kept.contains("order"), "an explicit null stays: {kept}");
    }

    #[test]
    fn inside_inputs_fields_go_and_list_items_become_null() {
        let query = "query($s: String, $k: ActionKind) { a(input: { summary: $s, kinds: [$k], title: \"t\" }) }";
        let out = rewritten(query, serde_json::json!({}));
        assert!(!out.contains("summary"), "{out}");
        assert!(out.contains("Null"), "{out}");
        assert!(out.contains("title"), "{out}");
    }
}

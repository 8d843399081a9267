//! Query limits, checked before async-graphql sees the document: tokens (before parsing), then
//! aliases, directives, depth, nesting and complexity on the parsed document. An over-limit
//! request gets LIMIT_EXCEEDED and costs no SQL.
//!
//! Depth and complexity are measured here rather than by async-graphql's own limits, because
//! its measure expands every fragment spread anew: a chain of fragments that each spread the
//! previous one twice costs it 2^n steps. Here each fragment is measured once and reused, so a
//! document costs time in proportion to its length, and its measure is what expanding it would
//! give.

use crate::error::ApiError;
use async_graphql::Positioned;
use async_graphql::Variables;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql_value::Value;
use std::collections::{HashMap, HashSet};

/// Deepest nesting of fields, unless configured otherwise.
pub const DEFAULT_MAX_DEPTH: usize = 12;
/// Highest complexity, unless configured otherwise.
pub const DEFAULT_MAX_COMPLEXITY: usize = 5000;
/// Most aliases in a document, unless configured otherwise.
pub const DEFAULT_MAX_ALIASES: usize = 30;
/// Most directives in a document, unless configured otherwise.
pub const DEFAULT_MAX_DIRECTIVES: usize = 20;
/// Most tokens in a query text, unless configured otherwise.
pub const DEFAULT_MAX_TOKENS: usize = 3000;
/// Deepest nesting of selection sets, fragments included: async-graphql's own recursion limit,
/// which the schema is built with too, so that it never refuses what passed here.
pub const MAX_NESTING: usize = 32;
/// A connection's weight when neither `first` nor `last` is given: its default page size.
const DEFAULT_PAGE_WEIGHT: usize = 20;

/// The limits one request must stay within.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    /// Deepest nesting of fields.
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
            max_depth: DEFAULT_MAX_DEPTH,
            max_complexity: DEFAULT_MAX_COMPLEXITY,
            max_aliases: DEFAULT_MAX_ALIASES,
            max_directives: DEFAULT_MAX_DIRECTIVES,
            max_tokens: DEFAULT_MAX_TOKENS,
        }
    }
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

/// Refuses a query text with more tokens than allowed, before it is parsed at all.
pub fn check_text(query: &str, limits: &QueryLimits) -> Result<(), ApiError> {
    let max = limits.max_tokens;
    if count_tokens(query, max) > max {
        return Err(ApiError::limit(format!(
            "the query has more than {max} tokens"
        )));
    }
    Ok(())
}

/// What a field returns, as far as measuring is concerned.
#[derive(Debug, Clone)]
struct FieldShape {
    /// The named type it returns (lists and non-null unwrapped).
    returns: String,
    /// Whether it is a page (it takes `first`), weighing its selection by the page size.
    paged: bool,
}

/// The schema's types as measuring needs them, read from the schema's own SDL.
#[derive(Debug, Clone, Default)]
pub struct SchemaShape {
    fields: HashMap<(String, String), FieldShape>,
    roots: [String; 3],
}

impl SchemaShape {
    /// Reads the shape of every object and interface type from an SDL text.
    pub fn from_sdl(sdl: &str) -> Self {
        let mut shape = Self {
            roots: ["Query".into(), "Mutation".into(), "Subscription".into()],
            ..Self::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return shape;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    let schema = schema.node;
                    for (root, name) in [schema.query, schema.mutation, schema.subscription]
                        .into_iter()
                        .enumerate()
                    {
                        if let (Some(slot), Some(name)) = (shape.roots.get_mut(root), name) {
                            *slot = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields = match ty.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    for field in fields {
                        let field = field.node;
                        let mut base = &field.ty.node.base;
                        while let BaseType::List(inner) = base {
                            base = &inner.base;
                        }
                        let returns = match base {
                            BaseType::Named(name) => name.to_string(),
                            BaseType::List(_) => String::new(),
                        };
                        let paged = field
                            .arguments
                            .iter()
                            .any(|a| a.node.name.node.as_str() == "first");
                        shape.fields.insert(
                            (ty.name.node.to_string(), field.name.node.to_string()),
                            FieldShape { returns, paged },
                        );
                    }
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        shape
    }

    fn field(&self, parent: &str, name: &str) -> Option<&FieldShape> {
        self.fields.get(&(parent.to_owned(), name.to_owned()))
    }
}

/// What a selection set measures: its complexity, its depth of fields and its nesting of
/// selection sets (fragments included, as async-graphql's recursion limit counts it).
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    complexity: usize,
    depth: usize,
    nesting: usize,
}

impl Measure {
    fn add(&mut self, child: Measure, complexity: usize, depth: usize) {
        self.complexity = self.complexity.saturating_add(complexity);
        self.depth = self.depth.max(depth);
        self.nesting = self.nesting.max(child.nesting.saturating_add(1));
    }
}

/// Measures a document, each fragment once.
struct Measuring<'a> {
    doc: &'a ExecutableDocument,
    shape: &'a SchemaShape,
    variables: &'a Variables,
    fragments: HashMap<&'a str, Measure>,
    /// Fragments being measured: a spread of one of them is a cycle, which validation refuses.
    open: HashSet<&'a str>,
}

impl<'a> Measuring<'a> {
    fn selection_set(&mut self, set: &'a Positioned<SelectionSet>, parent: &str) -> Measure {
        let mut measure = Measure::default();
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let shape = self.shape.field(parent, field.name.node.as_str());
                    let returns = shape.map_or("", |s| s.returns.as_str()).to_owned();
                    let child = self.selection_set(&field.selection_set, &returns);
                    let weight = match shape {
                        Some(s) if s.paged => self.page_weight(&field.arguments),
                        _ => 1,
                    };
                    let complexity = weight.saturating_mul(child.complexity).saturating_add(1);
                    let depth = child.depth.saturating_add(1);
                    if field.selection_set.node.items.is_empty() {
                        measure.complexity = measure.complexity.saturating_add(complexity);
                        measure.depth = measure.depth.max(depth);
                    } else {
                        measure.add(child, complexity, depth);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let child = self.fragment(spread.node.fragment_name.node.as_str());
                    measure.add(child, child.complexity, child.depth);
                }
                Selection::InlineFragment(inline) => {
                    let inline = &inline.node;
                    let on = inline
                        .type_condition
                        .as_ref()
                        .map_or(parent, |c| c.node.on.node.as_str())
                        .to_owned();
                    let child = self.selection_set(&inline.selection_set, &on);
                    measure.add(child, child.complexity, child.depth);
                }
            }
        }
        measure
    }

    fn fragment(&mut self, name: &'a str) -> Measure {
        if let Some(measure) = self.fragments.get(name) {
            return *measure;
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Measure::default();
        };
        if !self.open.insert(name) {
            return Measure::default();
        }
        let on = fragment.node.type_condition.node.on.node.to_string();
        let measure = self.selection_set(&fragment.node.selection_set, &on);
        self.open.remove(name);
        self.fragments.insert(name, measure);
        measure
    }

    /// A page's weight: `first` or `last`, the default page size when neither is given, at
    /// least 1 (so an empty page still counts what it selects) and at most 100.
    fn page_weight(
        &self,
        arguments: &[(Positioned<async_graphql::Name>, Positioned<Value>)],
    ) -> usize {
        let size = |wanted: &str| {
            arguments
                .iter()
                .find(|(name, _)| name.node.as_str() == wanted)
                .and_then(|(_, value)| match &value.node {
                    Value::Variable(var) => match self.variables.get(var) {
                        Some(async_graphql::Value::Number(n)) => n.as_i64(),
                        _ => None,
                    },
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                })
        };
        size("first")
            .or_else(|| size("last"))
            .map_or(DEFAULT_PAGE_WEIGHT, |n| {
                usize::try_from(n.clamp(1, 100)).unwrap_or(1)
            })
    }
}

fn count_aliases_and_directives(
    set: &Positioned<SelectionSet>,
    aliases: &mut usize,
    directives: &mut usize,
) {
    for item in &set.node.items {
        match &item.node {
            Selection::Field(field) => {
                *aliases += usize::from(field.node.alias.is_some());
                *directives += field.node.directives.len();
                count_aliases_and_directives(&field.node.selection_set, aliases, directives);
            }
            Selection::FragmentSpread(spread) => *directives += spread.node.directives.len(),
            Selection::InlineFragment(inline) => {
                *directives += inline.node.directives.len();
                count_aliases_and_directives(&inline.node.selection_set, aliases, directives);
            }
        }
    }
}

/// Checks a parsed document against the limits: aliases and directives as written, depth,
/// nesting and complexity of each operation as executing it would expand them.
pub fn check_document(
    doc: &ExecutableDocument,
    variables: &Variables,
    limits: &QueryLimits,
    shape: &SchemaShape,
) -> Result<(), ApiError> {
    let (mut aliases, mut directives) = (0, 0);
    for (_, operation) in doc.operations.iter() {
        directives += operation.node.directives.len();
        count_aliases_and_directives(&operation.node.selection_set, &mut aliases, &mut directives);
    }
    for fragment in doc.fragments.values() {
        directives += fragment.node.directives.len();
        count_aliases_and_directives(&fragment.node.selection_set, &mut aliases, &mut directives);
    }
    if aliases > limits.max_aliases {
        return Err(ApiError::limit(format!(
            "the query uses {aliases} aliases; at most {} are allowed",
            limits.max_aliases
        )));
    }
    if directives > limits.max_directives {
        return Err(ApiError::limit(format!(
            "the query uses {directives} directives; at most {} are allowed",
            limits.max_directives
        )));
    }
    let mut measuring = Measuring {
        doc,
        shape,
        variables,
        fragments: HashMap::new(),
        open: HashSet::new(),
    };
    let operations: Vec<_> = match &doc.operations {
        DocumentOperations::Single(operation) => vec![operation],
        DocumentOperations::Multiple(map) => map.values().collect(),
    };
    for operation in operations {
        let root = match operation.node.ty {
            async_graphql::parser::types::OperationType::Query => &shape.roots[0],
            async_graphql::parser::types::OperationType::Mutation => &shape.roots[1],
            async_graphql::parser::types::OperationType::Subscription => &shape.roots[2],
        };
        let measure = measuring.selection_set(&operation.node.selection_set, root);
        if measure.depth > limits.max_depth {
            return Err(ApiError::limit(format!(
                "the query is nested {} fields deep; at most {} are allowed",
                measure.depth, limits.max_depth
            )));
        }
        if measure.nesting > MAX_NESTING {
            return Err(ApiError::limit(format!(
                "the query nests selections {} deep; at most {MAX_NESTING} are allowed",
                measure.nesting
            )));
        }
        if measure.complexity > limits.max_complexity {
            return Err(ApiError::limit(format!(
                "the query's complexity is {}; at most {} is allowed",
                measure.complexity, limits.max_complexity
            )));
        }
    }
    Ok(())
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

        /// Random documents of fragments spreading each other (cycles included, which
        /// validation refuses later): measuring them never panics and takes time in proportion
        /// to the document, however much it would expand.
        #[test]
        fn measuring_any_fragment_graph_ends_quickly(
            spreads in proptest::collection::vec(
                proptest::collection::vec(0usize..12, 0..6), 1..12),
            aliases in 0usize..4,
            first in proptest::option::of(-5i64..500),
        ) {
            let mut query = String::new();
            for (n, targets) in spreads.iter().enumerate() {
                let body: Vec<String> = targets
                    .iter()
                    .map(|t| format!("...F{}", t % spreads.len()))
                    .chain(std::iter::once("name".to_owned()))
                    .chain((0..aliases).map(|a| format!("a{a}: name")))
                    .collect();
                query.push_str(&format!("fragment F{n} on Thing {{ {} }}\n", body.join(" ")));
            }
            let size = first.map_or(String::new(), |f| format!("(first: {f})"));
            query.push_str(&format!("{{ timeline{size} {{ nodes {{ ...F0 }} }} }}"));
            let doc = async_graphql::parser::parse_query(&query).expect("parses");
            let started = std::time::Instant::now();
            let _ = check_document(
                &doc,
                &Variables::default(),
                &QueryLimits::default(),
                &SchemaShape::from_sdl(SDL),
            );
            proptest::prop_assert!(started.elapsed() < std::time::Duration::from_millis(200));
        }

        /// Any text a client sends, parsed and measured, never panics.
        #[test]
        fn any_document_text_is_measured_or_refused_without_panicking(text in ".{0,300}") {
            if let Ok(doc) = async_graphql::parser::parse_query(&text) {
                let _ = check_document(
                    &doc,
                    &Variables::default(),
                    &QueryLimits::default(),
                    &SchemaShape::from_sdl(SDL),
                );
            }
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

    const SDL: &str = "type Query { timeline(first: Int, last: Int): Page! thing: Thing }
        type Page { nodes: [Thing!]! }
        type Thing { name: String other: Thing }";

    fn measure(query: &str) -> Result<(), ApiError> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        check_document(
            &doc,
            &Variables::default(),
            &QueryLimits::default(),
            &SchemaShape::from_sdl(SDL),
        )
    }

    #[test]
    fn pages_weigh_their_selection_by_their_size() {
        assert!(measure("{ timeline(first: 100) { nodes { name other { name } } } }").is_ok());
        let heavy = format!(
            "{{ timeline(first: 100) {{ nodes {{ {} }} }} }}",
            (0..60)
                .map(|n| format!("a{n}: name"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(measure(&heavy).is_err(), "100 x 60 fields is over 5000");
    }

    #[test]
    fn a_doubling_fragment_chain_is_measured_once_per_fragment_and_refused() {
        let mut query = String::from("fragment F0 on Thing { name }\n");
        for n in 1..=30 {
            query.push_str(&format!(
                "fragment F{n} on Thing {{ ...F{m} ...F{m} }}\n",
                m = n - 1
            ));
        }
        query.push_str("{ timeline(first: 1) { nodes { ...F30 } } }");
        let started = std::time::Instant::now();
        let err = measure(&query).expect_err("2^30 fields");
        assert_eq!(err.code, crate::error::Code::LimitExceeded);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn an_empty_page_still_counts_what_it_selects() {
        let mut query = String::from("fragment F0 on Thing { name }\n");
        for n in 1..=20 {
            query.push_str(&format!(
                "fragment F{n} on Thing {{ ...F{m} ...F{m} }}\n",
                m = n - 1
            ));
        }
        query.push_str("{ timeline(first: 0) { nodes { ...F20 } } }");
        assert!(measure(&query).is_err());
    }
}

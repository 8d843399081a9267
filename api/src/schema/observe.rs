//! Codes, limits and metrics for every request. Over WebSocket they run as the schema's one
//! extension; over HTTP the handler calls the same functions itself, because any extension makes
//! async-graphql send every field of a page through its extension chain.

use super::error::code;
use super::limits::{self, QueryLimits};
use crate::metrics::Metrics;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerResult, Value, Variables};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Codes, limits and counts every request; without metrics (printing the SDL) it does not
/// count.
pub struct Observe {
    /// Where to record.
    pub metrics: Option<Metrics>,
    /// What a request may ask for.
    pub limits: QueryLimits,
}

impl ExtensionFactory for Observe {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObserveRequest {
            metrics: self.metrics.clone(),
            limits: self.limits,
            operation: Mutex::new(None),
        })
    }
}

struct ObserveRequest {
    metrics: Option<Metrics>,
    limits: QueryLimits,
    operation: Mutex<Option<String>>,
}

/// Gives every error without a code one: async-graphql's own (parsing, validation, input
/// coercion) carry none, while every error Standoff raises itself has one.
pub fn tag_codes(response: &mut Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            let code = if limits::is_limit_message(&error.message) {
                code::LIMIT_EXCEEDED
            } else {
                code::BAD_USER_INPUT
            };
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", code);
        }
    }
}

/// Counts a finished request: by operation name, its latency, and its errors by code.
pub fn record(metrics: &Metrics, operation: Option<&str>, started: Instant, response: &Response) {
    let labels = metrics.operation(operation);
    metrics.requests.get_or_create(&labels).inc();
    metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    for error in &response.errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|ext| ext.get("code"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_else(|| code::INTERNAL.to_owned());
        metrics
            .errors
            .get_or_create(&crate::metrics::CodeLabels { code })
            .inc();
    }
}

/// Refuses a query text with more tokens than allowed, before it is parsed at all.
pub fn check_text(query: &str, limits: &QueryLimits) -> ServerResult<()> {
    let max = limits.max_tokens;
    if limits::count_tokens(query, max) > max {
        return Err(limits::exceeded(format!(
            "the query has more than {max} tokens"
        )));
    }
    Ok(())
}

#[async_trait::async_trait]
impl Extension for ObserveRequest {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let started = Instant::now();
        let mut response = next.run(ctx).await;
        tag_codes(&mut response);
        if let Some(metrics) = &self.metrics {
            let name = self
                .operation
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            record(metrics, name.as_deref(), started, &response);
        }
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Counting tokens first keeps a huge document from being parsed at all.
        check_text(query, &self.limits)?;
        let document = next.run(ctx, query, variables).await?;
        limits::check_document(&document, &self.limits)?;
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        *self.operation.lock().unwrap_or_else(|p| p.into_inner()) =
            operation_name.map(str::to_owned);
        next.run(ctx, operation_name).await
    }
}

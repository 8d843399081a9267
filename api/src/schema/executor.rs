//! Every operation runs through [`StandoffExecutor`], whatever its transport (HTTP, SSE,
//! either WebSocket subprotocol): the allow-list, the token count, one parse, omitted variables, the
//! limits, the run-time limit, error codes and metrics, in that order and in one place.
//!
//! The schema itself carries no extension: any extension sends every field of an answer
//! through async-graphql's extension chain, which costs a page of a hundred actions dearly.

use super::hub::{Hub, Live};
use super::limits::{self, QueryLimits, SchemaShape};
use super::persisted::query_hash;
use super::{SchemaOptions, StandoffSchema, variables};
use crate::error::{ApiError, Code, tag_codes};
use crate::metrics::{CodeLabels, Metrics};
use async_graphql::futures_util::stream::{self, BoxStream};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Data, Request, Response, ServerError, Value};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What preparing an operation learnt of it.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Query, mutation or subscription.
    pub ty: OperationType,
    /// The operation's name, for the metrics.
    pub name: Option<String>,
}

/// The schema with what every operation goes through before and after it runs.
#[derive(Clone)]
pub struct StandoffExecutor {
    schema: StandoffSchema,
    limits: QueryLimits,
    shape: Arc<SchemaShape>,
    allow_list: Option<Arc<HashSet<String>>>,
    metrics: Metrics,
    timeout: Duration,
    hub: Hub,
    documents: Documents,
}

/// Documents already parsed and checked, by query text: dashboards and widgets send the same
/// few queries all day, and copying a parsed document costs a fraction of parsing it again.
type Documents = moka::sync::Cache<String, Arc<ExecutableDocument>>;

/// Most bytes of query text whose documents are kept: hundreds of dashboard-sized queries. A
/// parsed document takes ten to twenty times its text, so this holds a few megabytes.
const DOCUMENT_TEXT_BYTES: u64 = 256 << 10;

/// The longest query text whose document is kept: far above a dashboard's query, and small
/// enough that no entry outweighs the cache. A larger text is parsed each time it comes; kept,
/// it would sit in memory until the cache next tidies up, which many distinct long texts
/// (a query padded with a comment) would turn into hundreds of megabytes.
const LARGEST_KEPT_TEXT: usize = (DOCUMENT_TEXT_BYTES / 16) as usize;

impl StandoffExecutor {
    /// Wraps `schema`, limiting each query or mutation to `timeout`; a live subscriber may
    /// fall `backlog` answers behind the others asking its question.
    pub fn new(
        schema: StandoffSchema,
        options: &SchemaOptions,
        metrics: Metrics,
        timeout: Duration,
        backlog: usize,
    ) -> Self {
        Self {
            shape: Arc::new(SchemaShape::from_sdl(&schema.sdl())),
            schema,
            limits: options.limits,
            allow_list: options.allow_list.clone(),
            hub: Hub::new(
                metrics.subscriptions.clone(),
                metrics.subscription_executions.clone(),
                backlog,
            ),
            metrics,
            timeout,
            documents: moka::sync::Cache::builder()
                .max_capacity(DOCUMENT_TEXT_BYTES)
                .weigher(|text: &String, _| u32::try_from(text.len()).unwrap_or(u32::MAX))
                .build(),
        }
    }

    /// Checks a request and parses it once (execution reuses the document): the allow-list,
    /// the token count before parsing, omitted variables, then the limits.
    pub fn prepare(&self, request: &mut Request) -> Result<Prepared, ServerError> {
        if let Some(hashes) = &self.allow_list
            && !hashes.contains(&query_hash(&request.query))
        {
            return Err(ApiError::new(
                Code::Forbidden,
                "this server runs only registered operations",
            )
            .into_server_error());
        }
        limits::check_text(&request.query, &self.limits).map_err(ApiError::into_server_error)?;
        let mut document = match self.documents.get(&request.query) {
            Some(parsed) => ExecutableDocument::clone(&parsed),
            None => {
                let parsed = async_graphql::parser::parse_query(&request.query)?;
                super::directives::check(&parsed).map_err(ApiError::into_server_error)?;
                if request.query.len() <= LARGEST_KEPT_TEXT {
                    self.documents
                        .insert(request.query.clone(), Arc::new(parsed.clone()));
                }
                parsed
            }
        };
        variables::drop_omitted(
            &mut document,
            request.operation_name.as_deref(),
            &request.variables,
        );
        limits::check_document(&document, &request.variables, &self.limits, &self.shape)
            .map_err(ApiError::into_server_error)?;
        let selected = match (&document.operations, request.operation_name.as_deref()) {
            (DocumentOperations::Single(op), _) => Some((op.node.ty, None)),
            (DocumentOperations::Multiple(map), Some(wanted)) => map
                .iter()
                .find(|(name, _)| name.as_str() == wanted)
                .map(|(name, op)| (op.node.ty, Some(name.to_string()))),
            (DocumentOperations::Multiple(map), None) => map
                .iter()
                .next()
                .filter(|_| map.len() == 1)
                .map(|(name, op)| (op.node.ty, Some(name.to_string()))),
        };
        request.set_parsed_query(document);
        // An unknown operation name is async-graphql's to report; it runs nothing.
        let (ty, named) = selected.unwrap_or((OperationType::Query, None));
        Ok(Prepared {
            ty,
            name: request.operation_name.clone().or(named),
        })
    }

    /// Runs a prepared query or mutation within the run-time limit.
    pub async fn run(&self, request: Request, prepared: &Prepared) -> Response {
        self.limited(self.schema.execute(request), prepared).await
    }

    /// Awaits an operation's one answer within the run-time limit, then codes and counts it.
    async fn limited(
        &self,
        answer: impl std::future::Future<Output = Response>,
        prepared: &Prepared,
    ) -> Response {
        let started = Instant::now();
        let mut response = match tokio::time::timeout(self.timeout, answer).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![
                ApiError::limit(format!(
                    "the request ran longer than {} s and was stopped",
                    self.timeout.as_secs()
                ))
                .into_server_error(),
            ]),
        };
        tag_codes(&mut response);
        self.record(prepared.name.as_deref(), started, &response);
        response
    }

    /// Counts a query answered from the shared cache, like one that ran: a request served.
    pub fn count_kept(&self, prepared: &Prepared) {
        self.record(
            prepared.name.as_deref(),
            Instant::now(),
            &Response::default(),
        );
    }

    /// A refused request's answer, counted like any other.
    pub fn refused(&self, error: ServerError) -> Response {
        let mut response = Response::from_errors(vec![error]);
        tag_codes(&mut response);
        self.record(None, Instant::now(), &response);
        response
    }

    /// Counts a finished request: by operation name, its latency, and its errors by code.
    fn record(&self, operation: Option<&str>, started: Instant, response: &Response) {
        let labels = self
            .metrics
            .operation(operation, response.errors.is_empty());
        self.metrics.requests.get_or_create(&labels).inc();
        self.metrics
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
                .unwrap_or_else(|| Code::Internal.as_str().to_owned());
            self.metrics
                .errors
                .get_or_create(&CodeLabels { code })
                .inc();
        }
    }
    /// Runs an operation sent over a live transport (a WebSocket, an SSE stream): a query or
    /// mutation's one answer, or a subscription's answers, shared with everyone asking the
    /// same question where they can be.
    pub fn live(&self, mut request: Request, session: Arc<Data>) -> BoxStream<'static, Live> {
        let prepared = match self.prepare(&mut request) {
            Ok(prepared) => prepared,
            Err(error) => {
                return stream::once(std::future::ready(Live::Own(Box::new(self.refused(error)))))
                    .boxed();
            }
        };
        if prepared.ty != OperationType::Subscription {
            // One answer, limited and counted like an HTTP request's.
            let this = self.clone();
            let mut answers = self
                .schema
                .execute_stream_with_session_data(request, session);
            return stream::once(async move {
                let answer = async move { answers.next().await.unwrap_or_default() };
                Live::Own(Box::new(this.limited(answer, &prepared).await))
            })
            .boxed();
        }
        self.record(
            prepared.name.as_deref(),
            Instant::now(),
            &Response::default(),
        );
        self.hub.subscribe(&self.schema, request, session)
    }
}

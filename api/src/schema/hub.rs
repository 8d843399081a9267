//! Live subscriptions shared by question. Every subscriber to the same operation text,
//! variables and visibility joins one running execution, so each event is resolved once
//! however many listen, and an idle subscriber holds a broadcast receiver, not an execution
//! of its own. A subscription that resumes from a cursor (`after`, SSE's `Last-Event-ID`)
//! runs on its own: its past is its own, and it has to be replayed before it goes live.

use super::StandoffSchema;
use super::subscription::{ResumeFrom, StreamCursor};
use super::viewer::Viewer;
use crate::error::{ApiError, tag_codes};
use crate::metrics::GaugeGuard;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection};
use async_graphql::{Data, Request, Response, Variables};
use async_graphql_value::{ConstValue, Value};
use futures_util::StreamExt;
use prometheus_client::metrics::gauge::Gauge;
use standoff_core::filter::Visibility;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// Answers a subscriber may fall behind before it is told to resubscribe from its last cursor.
const BEHIND: usize = 1024;

/// What makes two subscriptions the same question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    query: String,
    operation: Option<String>,
    variables: String,
    visibility: Visibility,
}

/// One event's answer, resolved once, and the cursor it carries (for SSE's `id:`).
struct Answer {
    response: Response,
    cursor: Option<String>,
}

/// A running execution and how many subscribers it serves.
struct Group {
    answers: broadcast::Sender<Arc<Answer>>,
    members: usize,
    /// Tells this group from a later one asking the same question.
    generation: u64,
    driver: tokio::task::AbortHandle,
}

#[derive(Default)]
struct Groups {
    running: HashMap<Arc<Question>, Group>,
    generations: u64,
}

/// The instance's shared subscriptions.
#[derive(Clone)]
pub struct Hub {
    groups: Arc<Mutex<Groups>>,
    /// Subscriptions open, shared or not.
    active: Gauge,
    /// Executions running: one per shared question, one per subscription resuming alone.
    running: Gauge,
}

impl Hub {
    /// An empty hub counting open subscriptions in `active` and executions in `running`.
    pub fn new(active: Gauge, running: Gauge) -> Self {
        Self {
            groups: Arc::default(),
            active,
            running,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Groups> {
        self.groups.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The answers to a prepared (parsed and checked) subscription.
    pub fn subscribe(
        &self,
        schema: &StandoffSchema,
        mut request: Request,
        session: Arc<Data>,
    ) -> BoxStream<'static, Response> {
        let counted = GaugeGuard::hold(&self.active);
        let operation = request.operation_name.clone();
        let variables = request.variables.clone();
        let resumes = found::<ResumeFrom>(&session).is_some()
            || request.parsed_query().map_or(true, |document| {
                asks_for_a_past(document, operation.as_deref(), &variables)
            });
        if resumes {
            let own = GaugeGuard::hold(&self.running);
            return schema
                .execute_stream_with_session_data(request, session)
                .map(move |mut response| {
                    let _counted = (&counted, &own);
                    tag_codes(&mut response);
                    response
                })
                .boxed();
        }
        let question = Arc::new(Question {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
            visibility: found::<Viewer>(&session).map_or(Visibility::Public, Viewer::visibility),
        });
        let told = found::<StreamCursor>(&session).cloned();
        let mut groups = self.lock();
        let (receiver, generation) = match groups.running.get_mut(&*question) {
            Some(group) => {
                group.members += 1;
                (group.answers.subscribe(), group.generation)
            }
            None => {
                groups.generations += 1;
                let generation = groups.generations;
                let (answers, receiver) = broadcast::channel(BEHIND);
                // The shared execution learns each event's cursor through its own slot; the
                // subscriber's, if it has one, would name only the first.
                let cursor = StreamCursor(Arc::new(Mutex::new(None)));
                request.data.insert(cursor.clone());
                let stream = schema.execute_stream_with_session_data(request, session);
                let driver = tokio::spawn(drive(
                    stream,
                    answers.clone(),
                    cursor,
                    self.clone(),
                    question.clone(),
                    generation,
                ))
                .abort_handle();
                self.running.inc();
                groups.running.insert(
                    question.clone(),
                    Group {
                        answers,
                        members: 1,
                        generation,
                        driver,
                    },
                );
                (receiver, generation)
            }
        };
        drop(groups);
        let member = Member {
            hub: self.clone(),
            question,
            generation,
            _counted: counted,
        };
        futures_util::stream::unfold(Some((receiver, member, told)), |state| async move {
            let (mut receiver, member, told) = state?;
            match receiver.recv().await {
                Ok(answer) => {
                    if let (Some(told), Some(cursor)) = (&told, &answer.cursor) {
                        *told.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(cursor.clone());
                    }
                    let response = copy(&answer.response);
                    Some((response, Some((receiver, member, told))))
                }
                Err(RecvError::Lagged(_)) => {
                    let mut response = Response::from_errors(vec![
                        ApiError::limit(format!(
                            "this subscriber fell more than {BEHIND} events behind; \
                                 subscribe again with `after` set to the last cursor it received"
                        ))
                        .into_server_error(),
                    ]);
                    tag_codes(&mut response);
                    Some((response, None))
                }
                Err(RecvError::Closed) => None,
            }
        })
        .boxed()
    }

    /// One subscriber of `question`'s group left; the last one stops its execution.
    fn leave(&self, question: &Question, generation: u64) {
        let mut groups = self.lock();
        if let Some(group) = groups.running.get_mut(question)
            && group.generation == generation
        {
            group.members = group.members.saturating_sub(1);
            if group.members == 0 {
                group.driver.abort();
                groups.running.remove(question);
                self.running.dec();
            }
        }
    }

    /// The group's execution ended (its one error was sent, or the server is stopping).
    fn ended(&self, question: &Question, generation: u64) {
        let mut groups = self.lock();
        if groups
            .running
            .get(question)
            .is_some_and(|group| group.generation == generation)
        {
            groups.running.remove(question);
            self.running.dec();
        }
    }
}

/// One subscriber's place in its group, given up when its stream is dropped.
struct Member {
    hub: Hub,
    question: Arc<Question>,
    generation: u64,
    _counted: GaugeGuard,
}

impl Drop for Member {
    fn drop(&mut self) {
        self.hub.leave(&self.question, self.generation);
    }
}

/// Runs a group's execution, sending each answer once to every member.
async fn drive(
    mut stream: BoxStream<'static, Response>,
    answers: broadcast::Sender<Arc<Answer>>,
    cursor: StreamCursor,
    hub: Hub,
    question: Arc<Question>,
    generation: u64,
) {
    while let Some(mut response) = stream.next().await {
        tag_codes(&mut response);
        let cursor = cursor.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        // No member left is the leaver's to clean up.
        let _ = answers.send(Arc::new(Answer { response, cursor }));
    }
    hub.ended(&question, generation);
}

/// A member's own copy of a shared answer (async-graphql's transports take it by value).
fn copy(answer: &Response) -> Response {
    let mut response = Response::new(answer.data.clone());
    response.errors.clone_from(&answer.errors);
    response.extensions.clone_from(&answer.extensions);
    response
}

/// The value of type `T` in `data`, if there is one.
fn found<T: Any>(data: &Data) -> Option<&T> {
    data.get(&TypeId::of::<T>())
        .and_then(|value| value.downcast_ref::<T>())
}

/// Whether the chosen operation may replay a past of its own: an `after` argument that is not
/// null on a root field, or a root selection this check does not look inside (a fragment).
fn asks_for_a_past(
    document: &ExecutableDocument,
    operation: Option<&str>,
    variables: &Variables,
) -> bool {
    let chosen = match (&document.operations, operation) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(map), Some(name)) => map
            .iter()
            .find(|(n, _)| n.as_str() == name)
            .map(|(_, op)| op),
        (DocumentOperations::Multiple(map), None) if map.len() == 1 => map.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    };
    let Some(operation) = chosen else {
        return true;
    };
    operation
        .node
        .selection_set
        .node
        .items
        .iter()
        .any(|item| match &item.node {
            Selection::Field(field) => match field.node.get_argument("after").map(|a| &a.node) {
                None | Some(Value::Null) => false,
                Some(Value::Variable(name)) => variables
                    .get(name)
                    .is_some_and(|value| *value != ConstValue::Null),
                Some(_) => true,
            },
            _ => true,
        })
}

//! Live subscriptions shared by question. Every subscriber to the same operation text,
//! variables and viewer (anyone, or one editor) joins one running execution, so each event is
//! resolved once however many listen, and an idle subscriber holds a broadcast receiver, not an
//! execution of its own. A subscription that resumes from a cursor (`after`, SSE's
//! `Last-Event-ID`) runs on its own: its past is its own, and it has to be replayed before it
//! goes live. So does a subscriber that falls behind its group (it replays from the last answer
//! it was given) or joins one just as it ends.

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
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

/// The most answers a member may fall behind: tokio's broadcast channel sets aside every slot
/// when a group starts.
pub const MAX_BACKLOG: usize = 65_536;

/// What makes two subscriptions the same question.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Question {
    query: String,
    operation: Option<String>,
    variables: String,
    visibility: Visibility,
    /// Whose token an editor's subscription runs with: editors share only with themselves, so
    /// an execution never runs as someone else.
    editor: Option<String>,
}

/// What a subscriber needs to ask the question on its own.
struct Replay {
    query: String,
    operation: Option<String>,
    variables: Variables,
    document: ExecutableDocument,
}

/// One event's answer, resolved and serialised once: the JSON every member sends as it is,
/// and the cursor it carries (for SSE's `id:`).
pub struct Answer {
    json: String,
    cursor: Option<String>,
}

/// One answer sent over a live transport: a subscription's, shared with everyone asking the
/// same question, or one of its own (a query's, a refusal, a subscription running alone).
pub enum Live {
    /// Resolved and serialised once for every member of a group.
    Shared(Arc<Answer>),
    /// Resolved for this subscription alone (boxed: a shared answer is a pointer).
    Own(Box<Response>),
}

impl Live {
    /// The answer as GraphQL's JSON (`{"data":...}`): a shared answer's own bytes.
    pub fn json(&self) -> Cow<'_, str> {
        match self {
            Self::Shared(answer) => Cow::Borrowed(&answer.json),
            Self::Own(response) => Cow::Owned(to_json(response)),
        }
    }
}

/// A running execution and how many subscribers it serves.
struct Group {
    answers: broadcast::Sender<Arc<Answer>>,
    members: usize,
    /// Tells this group from a later one asking the same question.
    generation: u64,
    driver: tokio::task::AbortHandle,
    replay: Arc<Replay>,
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
    /// Answers a member may fall behind its group before it goes on alone.
    backlog: usize,
}

impl Hub {
    /// An empty hub counting open subscriptions in `active` and executions in `running`,
    /// whose members may fall `backlog` answers (1 to [`MAX_BACKLOG`]) behind their group.
    pub fn new(active: Gauge, running: Gauge, backlog: usize) -> Self {
        Self {
            groups: Arc::default(),
            active,
            running,
            backlog: backlog.clamp(1, MAX_BACKLOG),
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
    ) -> BoxStream<'static, Live> {
        let operation = request.operation_name.clone();
        let variables = request.variables.clone();
        let resumes = found::<ResumeFrom>(&session).is_some()
            || request.parsed_query().map_or(true, |document| {
                asks_for_a_past(document, operation.as_deref(), &variables)
            });
        if resumes {
            return self.alone(schema, request, session);
        }
        let Ok(document) = request.parsed_query().cloned() else {
            return self.alone(schema, request, session);
        };
        let viewer = found::<Viewer>(&session);
        let question = Arc::new(Question {
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
            visibility: viewer.map_or(Visibility::Public, Viewer::visibility),
            editor: viewer.and_then(|v| v.0.as_ref()).map(|e| e.name.clone()),
        });
        let told = found::<StreamCursor>(&session).cloned();
        let mut groups = self.lock();
        let next_generation = groups.generations + 1;
        let (question, receiver, generation, replay) = match groups.running.entry(question) {
            // A member keeps the group's copy of the question, not its own: the query text of
            // a widget's subscription is most of a kilobyte.
            Entry::Occupied(mut joined) => {
                let question = joined.key().clone();
                let group = joined.get_mut();
                group.members += 1;
                (
                    question,
                    group.answers.subscribe(),
                    group.generation,
                    group.replay.clone(),
                )
            }
            Entry::Vacant(new) => {
                let generation = next_generation;
                let question = new.key().clone();
                let (answers, receiver) = broadcast::channel(self.backlog);
                let replay = Arc::new(Replay {
                    query: request.query.clone(),
                    operation: request.operation_name.clone(),
                    variables: request.variables.clone(),
                    document,
                });
                // The shared execution learns each event's cursor through its own slot; the
                // subscriber's, if it has one, would name only the first.
                let cursor = StreamCursor(Arc::new(Mutex::new(None)));
                request.data.insert(cursor.clone());
                let stream = schema.execute_stream_with_session_data(request, session.clone());
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
                new.insert(Group {
                    answers,
                    members: 1,
                    generation,
                    driver,
                    replay: replay.clone(),
                });
                groups.generations = generation;
                (question, receiver, generation, replay)
            }
        };
        drop(groups);
        let member = Member {
            hub: self.clone(),
            question,
            generation,
            _counted: GaugeGuard::hold(&self.active),
            schema: schema.clone(),
            session,
            replay,
        };
        let listening = Listening {
            receiver,
            member,
            told,
            last: None,
        };
        let backlog = self.backlog;
        futures_util::stream::unfold(
            Some(Step::Shared(Box::new(listening))),
            move |step| async move {
                match step? {
                    Step::Alone(mut stream) => {
                        let response = stream.next().await?;
                        Some((response, Some(Step::Alone(stream))))
                    }
                    Step::Shared(mut listening) => match listening.receiver.recv().await {
                        Ok(answer) => {
                            if let (Some(told), Some(cursor)) = (&listening.told, &answer.cursor) {
                                *told.0.lock().unwrap_or_else(|p| p.into_inner()) =
                                    Some(cursor.clone());
                            }
                            listening.last = Some(answer.clone());
                            Some((Live::Shared(answer), Some(Step::Shared(listening))))
                        }
                        // Fallen behind the others: it reads what it missed from the log on its
                        // own, after the last answer it was given, and stays on its own.
                        Err(RecvError::Lagged(_)) => {
                            let resume = listening.last.as_ref().and_then(|a| a.cursor.clone());
                            let Some(resume) = resume else {
                                let mut response = Response::from_errors(vec![
                                    ApiError::limit(format!(
                                        "this subscriber fell more than {backlog} events behind \
                                     before its first; subscribe again"
                                    ))
                                    .into_server_error(),
                                ]);
                                tag_codes(&mut response);
                                return Some((Live::Own(Box::new(response)), None));
                            };
                            let mut stream = listening.member.go_alone(Some(resume));
                            let response = stream.next().await?;
                            Some((response, Some(Step::Alone(stream))))
                        }
                        // The group ended before it told this subscriber anything (it joined as
                        // the group's one answer, an error, went out): it asks on its own.
                        Err(RecvError::Closed) if listening.last.is_none() => {
                            let mut stream = listening.member.go_alone(None);
                            let response = stream.next().await?;
                            Some((response, Some(Step::Alone(stream))))
                        }
                        Err(RecvError::Closed) => None,
                    },
                }
            },
        )
        .boxed()
    }

    /// Runs a subscription on its own, counted as a subscription and an execution.
    fn alone(
        &self,
        schema: &StandoffSchema,
        request: Request,
        session: Arc<Data>,
    ) -> BoxStream<'static, Live> {
        let counted = (
            GaugeGuard::hold(&self.active),
            GaugeGuard::hold(&self.running),
        );
        schema
            .execute_stream_with_session_data(request, session)
            .map(move |mut response| {
                let _counted = &counted;
                tag_codes(&mut response);
                Live::Own(Box::new(response))
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
    schema: StandoffSchema,
    session: Arc<Data>,
    replay: Arc<Replay>,
}

impl Member {
    /// Leaves the group and runs the question on its own, replaying after `resume`.
    fn go_alone(self, resume: Option<String>) -> BoxStream<'static, Live> {
        let mut request =
            Request::new(self.replay.query.clone()).variables(self.replay.variables.clone());
        request.operation_name.clone_from(&self.replay.operation);
        request.set_parsed_query(self.replay.document.clone());
        if let Some(cursor) = resume {
            request.data.insert(ResumeFrom(cursor));
        }
        let (hub, schema, session) = (self.hub.clone(), self.schema.clone(), self.session.clone());
        drop(self);
        hub.alone(&schema, request, session)
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        self.hub.leave(&self.question, self.generation);
    }
}

/// A member listening to its group: the last answer it was given, and where an SSE stream
/// learns each answer's cursor.
struct Listening {
    receiver: broadcast::Receiver<Arc<Answer>>,
    member: Member,
    told: Option<StreamCursor>,
    last: Option<Arc<Answer>>,
}

/// Where a subscriber's stream is.
enum Step {
    Shared(Box<Listening>),
    Alone(BoxStream<'static, Live>),
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
        let json = to_json(&response);
        // No member left is the leaver's to clean up.
        let _ = answers.send(Arc::new(Answer { json, cursor }));
    }
    hub.ended(&question, generation);
}

/// An answer's JSON; a `Response` holds nothing serde could refuse.
fn to_json(response: &Response) -> String {
    serde_json::to_string(response).unwrap_or_else(|_| "{}".to_owned())
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
                Some(Value::Variable(name)) => match variables.get(name) {
                    Some(value) => *value != ConstValue::Null,
                    // Omitted: its default, if it has one, is what the operation runs with.
                    None => operation.node.variable_definitions.iter().any(|d| {
                        d.node.name.node == *name
                            && d.node
                                .default_value
                                .as_ref()
                                .is_some_and(|v| v.node != ConstValue::Null)
                    }),
                },
                Some(_) => true,
            },
            _ => true,
        })
}

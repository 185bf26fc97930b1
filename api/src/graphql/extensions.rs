//! Schema extensions: one span per operation named by its operation name (never
//! the query text or variables), and an `extensions.code` on every error.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};
use futures::StreamExt;
use futures::stream::BoxStream;
use shared_types::ErrorCode;
use tracing::Instrument;

/// Longest operation name recorded on a span.
const MAX_NAME: usize = 64;

pub struct Observability;

impl ExtensionFactory for Observability {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ObservabilityExtension)
    }
}

struct ObservabilityExtension;

fn operation_span(name: Option<&str>) -> tracing::Span {
    let name: String = name.unwrap_or("anonymous").chars().take(MAX_NAME).collect();
    tracing::info_span!(
        "graphql.operation",
        otel.name = %format!("graphql {name}"),
        graphql.operation.name = %name,
    )
}

#[async_trait::async_trait]
impl Extension for ObservabilityExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        for error in &mut response.errors {
            assign_code(error, ErrorCode::BadRequest);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream)
            .map(|mut response| {
                for error in &mut response.errors {
                    assign_code(error, ErrorCode::BadRequest);
                }
                response
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|mut error| {
            assign_code(&mut error, ErrorCode::GraphqlParseFailed);
            error
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|mut errors| {
            for error in &mut errors {
                let code = if error.message.contains("nested too deep") {
                    ErrorCode::QueryTooDeep
                } else if error.message.contains("too complex") {
                    ErrorCode::QueryTooComplex
                } else {
                    ErrorCode::GraphqlValidationFailed
                };
                assign_code(error, code);
            }
            errors
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let span = operation_span(operation_name);
        next.run(ctx, operation_name).instrument(span).await
    }
}

/// Sets `extensions.code` where the error has none: the fallback, except for the
/// few messages async-graphql raises itself, which get their own codes.
fn assign_code(error: &mut ServerError, fallback: ErrorCode) {
    let has_code = error
        .extensions
        .as_ref()
        .is_some_and(|e| e.get("code").is_some());
    if has_code {
        return;
    }
    let code = if error.message.starts_with("Unknown operation named")
        || error.message.starts_with("Operation name required")
    {
        ErrorCode::UnknownOperation
    } else {
        fallback
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
}

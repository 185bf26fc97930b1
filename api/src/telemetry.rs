//! Logs and traces. JSON logs by default; spans go to an OTLP collector when
//! `telemetry.otlp_endpoint` is set. Only identifiers are ever recorded: personal
//! data and content are wrapped in [`crate::redact::Sensitive`], whose `Debug` and
//! `Display` print a placeholder.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetrySettings};

/// Flushes spans on drop.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            // Nothing useful can be done with a failed flush at exit.
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber for the binary.
pub fn init(settings: &TelemetrySettings) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_new(&settings.log_filter)?;
    let provider = match &settings.otlp_endpoint {
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!(
                    "{}/v1/traces",
                    endpoint.as_str().trim_end_matches('/')
                ))
                .build()?;
            Some(tracer_provider(settings, exporter))
        }
        None => None,
    };
    let otel = provider
        .as_ref()
        .map(|p| otel_layer(p.tracer(settings.service_name.clone())));
    let fmt = match settings.log_format {
        LogFormat::Json => json_log_layer(std::io::stdout).boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().boxed(),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel)
        .try_init()?;
    Ok(TelemetryGuard { provider })
}

/// The OTLP/HTTP (protobuf) span exporter for a collector at `endpoint`.
pub fn otlp_exporter(endpoint: &url::Url) -> anyhow::Result<opentelemetry_otlp::SpanExporter> {
    Ok(opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!(
            "{}/v1/traces",
            endpoint.as_str().trim_end_matches('/')
        ))
        .build()?)
}

/// A tracer provider exporting in batches to `exporter`.
pub fn tracer_provider(
    settings: &TelemetrySettings,
    exporter: impl opentelemetry_sdk::trace::SpanExporter + 'static,
) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            opentelemetry_sdk::Resource::builder()
                .with_service_name(settings.service_name.clone())
                .build(),
        )
        .build()
}

/// The layer that turns `tracing` spans into OpenTelemetry spans.
pub fn otel_layer<S>(tracer: opentelemetry_sdk::trace::Tracer) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer().with_tracer(tracer)
}

/// JSON log lines with the current span's fields, written to `writer`.
pub fn json_log_layer<S, W>(writer: W) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(writer)
}

//! The `caucus` binary: one binary, several roles.

use std::path::PathBuf;

use anyhow::Context;
use caucus_api::app::Application;
use caucus_api::config::Settings;
use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(
    name = "caucus",
    version,
    about = "Caucus, the confidential mediation platform"
)]
struct Cli {
    /// A TOML configuration file layered over the defaults.
    #[arg(long, global = true, env = "CAUCUS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (and the portals, when configured).
    Serve,
    /// Run the job worker (email and other background work).
    Worker,
    /// Apply database migrations as the owner role (database.migration_url).
    Migrate,
    /// Seed the demo organization and accounts (idempotent).
    Seed,
    /// Print the GraphQL schema (SDL) that is checked in as schema.graphql.
    Schema,
    /// Create an organization and invite its first org admin by email (the
    /// email goes out when a worker runs).
    OrgCreate {
        /// Sign-in address: lower-case letters, digits and hyphens.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin_email: String,
        /// standard, professional or enterprise.
        #[arg(long, default_value = "standard")]
        tier: String,
        /// Language of the invitation email: en or es.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// Add a single sign-on connection to an organization, unless one with the
    /// same issuer and client id is there already.
    SsoConnect {
        /// The organization's slug or id.
        #[arg(long)]
        org: String,
        /// The name on the sign-in button.
        #[arg(long)]
        name: String,
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// The client secret, read from this environment variable (never an
        /// argument: those show in process lists). Absent: a public client.
        #[arg(long)]
        client_secret_env: Option<String>,
        /// Email domains whose verified addresses may sign in (repeat).
        #[arg(long = "domain", required = true)]
        domains: Vec<String>,
        /// Role of people new to the organization, e.g. mediator.
        #[arg(long, default_value = "mediator")]
        role: String,
    },
    /// Verify an organization's audit-log hash chain; reports the first broken link.
    AuditVerify {
        /// The organization's slug or id.
        #[arg(long)]
        org: String,
    },
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("caucus: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", caucus_api::graphql::sdl());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let _telemetry = caucus_api::telemetry::init(&settings.telemetry)?;
        match cli.command {
            Command::Serve => serve(settings).await,
            Command::Worker => worker(settings).await,
            Command::Migrate => {
                let owner = owner_url(&settings)?;
                caucus_api::db::migrate(&owner, settings.database.url.expose_secret()).await?;
                tracing::info!("migrations applied");
                Ok(())
            }
            Command::Seed => caucus_api::seed::seed(&owner_url(&settings)?).await,
            Command::AuditVerify { org } => audit_verify(&settings, &org).await,
            Command::OrgCreate {
                slug,
                name,
                admin_email,
                tier,
                language,
            } => {
                let state = caucus_api::app::connect(settings).await?;
                let locale = shared_types::Locale::parse(&language)
                    .context("--language must be en or es")?;
                let id = caucus_api::orgs::service::create(
                    &state.db,
                    &caucus_api::audit::ClientInfo::default(),
                    None,
                    caucus_api::orgs::service::NewOrganization {
                        slug,
                        name,
                        tier,
                        admin_email,
                        admin_locale: locale,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                println!("organization {id} created; its admin's invitation is queued");
                Ok(())
            }
            Command::SsoConnect {
                org,
                name,
                issuer,
                client_id,
                client_secret_env,
                domains,
                role,
            } => {
                let owner = owner_url(&settings)?;
                let org_id = match uuid::Uuid::parse_str(&org) {
                    Ok(id) => id,
                    Err(_) => caucus_api::seed::org_id_by_slug(&owner, &org)
                        .await?
                        .with_context(|| format!("no organization with slug {org:?}"))?,
                };
                let role = caucus_api::authz::RoleKey::parse(&role)
                    .with_context(|| format!("unknown role {role:?}"))?;
                let secret = client_secret_env
                    .map(|var| std::env::var(&var).with_context(|| format!("{var} is not set")))
                    .transpose()?;
                let state = caucus_api::app::connect(settings).await?;
                let created = caucus_api::identity::sso::connect_once(
                    &state.db,
                    &state.data_key,
                    org_id,
                    caucus_api::identity::sso::NewConnection {
                        name,
                        issuer,
                        client_id,
                        client_secret: secret.map(caucus_api::redact::Sensitive::new),
                        email_domains: domains,
                        default_role: role,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                match created {
                    Some(id) => println!("single sign-on connection {id} added"),
                    None => println!("that single sign-on connection is there already"),
                }
                Ok(())
            }
            Command::Schema => Ok(()),
        }
    })
}

fn owner_url(settings: &Settings) -> anyhow::Result<String> {
    settings
        .database
        .migration_url
        .as_ref()
        .map(|u| u.expose_secret().to_owned())
        .context("database.migration_url (CAUCUS__DATABASE__MIGRATION_URL) is required here")
}

async fn audit_verify(settings: &Settings, org: &str) -> anyhow::Result<()> {
    use caucus_api::audit::chain::{Verdict, verify};
    let owner = owner_url(settings)?;
    let org_id = match uuid::Uuid::parse_str(org) {
        Ok(id) => id,
        Err(_) => caucus_api::seed::org_id_by_slug(&owner, org)
            .await?
            .with_context(|| format!("no organization with slug {org:?}"))?,
    };
    match verify(&owner, org_id).await? {
        Verdict::Intact { entries } => {
            println!("audit log of {org_id}: intact, {entries} entries");
            Ok(())
        }
        Verdict::Broken { seq, id, reason } => {
            anyhow::bail!("audit log of {org_id}: broken at entry {seq} ({id}): {reason}")
        }
    }
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let state = caucus_api::app::connect(settings).await?;
    let worker = caucus_api::jobs::worker::Worker::new(state)?;
    tracing::info!("worker running");
    worker.run(shutdown_signal()).await;
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(addr = %app.api_addr()?, "API listening");
    for addr in app.portal_addrs()? {
        tracing::info!(addr = %addr, "portal listening");
    }
    app.run(shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

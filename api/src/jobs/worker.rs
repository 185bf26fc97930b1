//! The worker: claims jobs in batches and runs each in its organization. It runs
//! as `caucus worker`, and in-process beside `caucus serve` when
//! `worker.in_process` is set (the default for one machine).

use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::EntityTrait;
use shared_types::Locale;
use uuid::Uuid;

use crate::config::WorkerSettings;
use crate::crypto::tenant::TenantKey;
use crate::db::{TenantScope, TenantTx};
use crate::email::{Mailer, templates};
use crate::entities::{profile, user};
use crate::identity::invitations;
use crate::identity::links::LinkPurpose;
use crate::jobs::{self, ClaimedJob, JobKind, faults};
use crate::orgs::service::{self as orgs, OrgSettings};
use crate::redact::Sensitive;
use crate::scheduling::notify;
use crate::sms::Sms;
use crate::state::AppState;

/// A uuid field of a job's payload.
fn payload_id(job: &ClaimedJob, field: &str) -> anyhow::Result<Uuid> {
    job.payload
        .get(field)
        .and_then(|v| v.as_str())
        .and_then(|v| Uuid::parse_str(v).ok())
        .with_context(|| format!("payload without {field}"))
}

/// Whom an email goes to, and in whose name: read in the job's transaction.
struct Recipient {
    email: Sensitive<String>,
    /// Suspended and deleted accounts get no email.
    active: bool,
    locale: Locale,
    timezone: String,
    org_name: String,
    brand_color: String,
}

async fn recipient(tx: &TenantTx, user_id: Uuid) -> anyhow::Result<Recipient> {
    let (account, profile) = user::Entity::find_by_id(user_id)
        .find_also_related(profile::Entity)
        .one(tx.conn())
        .await
        .context("loading the recipient")?
        .context("the recipient no longer exists")?;
    let org = orgs::current(tx)
        .await
        .map_err(|e| anyhow::anyhow!("loading the organization: {}", e.message()))?;
    let settings = OrgSettings::from_json(&org.settings_json);
    Ok(Recipient {
        active: account.status == "active",
        email: Sensitive::new(account.email),
        locale: profile
            .as_ref()
            .and_then(|p| Locale::parse(&p.locale))
            .unwrap_or_default(),
        timezone: profile.map_or_else(|| "UTC".to_owned(), |p| p.timezone),
        brand_color: settings.brand_color().to_owned(),
        org_name: org.name,
    })
}

pub struct Worker {
    state: AppState,
    mailer: Mailer,
    sms: Sms,
    settings: WorkerSettings,
}

impl Worker {
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        let mailer = Mailer::new(&state.settings.email)?;
        let sms = Sms::from_settings(&state.settings.sms, &state.data_key)?;
        let settings = state.settings.worker.clone();
        Ok(Self {
            state,
            mailer,
            sms,
            settings,
        })
    }

    /// Claims and runs one batch; returns how many jobs it ran.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let batch = jobs::claim(
            &self.state.db,
            self.settings.batch_size,
            Duration::from_secs(self.settings.lease_secs),
        )
        .await
        .map_err(|e| anyhow::anyhow!("claiming jobs: {}", e.message()))?;
        for job in &batch {
            let span = tracing::info_span!("job", job.id = %job.id, job.kind = %job.kind, org_id = %job.org_id, attempt = job.attempts);
            let _entered = span.enter();
            let outcome = self.handle(job).await;
            let recorded = match outcome {
                Ok(()) => jobs::complete(&self.state.db, job).await,
                Err(error) if faults::is_simulated_crash(&error) => {
                    // Tests only: as if the process died here, nothing is
                    // recorded and the lease runs out.
                    tracing::info!("simulated crash: the job's outcome is left unrecorded");
                    continue;
                }
                Err(error) if jobs::is_permanent(&error) => {
                    jobs::give_up(&self.state.db, job, &error.to_string()).await
                }
                Err(error) => {
                    // The outermost context only: our own words, never content.
                    let reason = error.to_string();
                    tracing::info!(reason = %reason, "job attempt failed");
                    jobs::fail(&self.state.db, job, &reason).await
                }
            };
            // A lost lease is logged where it is found (`jobs::record`).
            if let Err(error) = recorded {
                tracing::error!(error = %error.message(), "could not record a job's outcome");
            }
        }
        Ok(batch.len())
    }

    /// Runs until `stop` resolves.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let idle = Duration::from_millis(self.settings.poll_interval_ms);
        loop {
            let ran = match self.run_once().await {
                Ok(n) => n,
                Err(error) => {
                    tracing::warn!(error = %error, "worker batch failed");
                    0
                }
            };
            let pause = if ran == 0 { idle } else { Duration::ZERO };
            tokio::select! {
                () = &mut stop => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// The transaction a job runs in: its organization, as `user_id` if given.
    async fn job_tx(&self, job: &ClaimedJob, user_id: Option<Uuid>) -> anyhow::Result<TenantTx> {
        self.state
            .db
            .tenant(TenantScope {
                org_id: job.org_id,
                user_id,
            })
            .await
            .context("opening the job's transaction")
    }

    /// Runs one claimed job (without recording its outcome: [`Self::run_once`]
    /// does that). Public so tests can run one job on two workers at once.
    pub async fn handle(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        match JobKind::parse(&job.kind) {
            Some(JobKind::SignInNotice) => self.sign_in_notice(job).await,
            Some(JobKind::Invitation) => self.invitation(job).await,
            Some(JobKind::EmailLink) => self.email_link(job).await,
            Some(JobKind::AssignmentDeadline) => self.assignment_deadline(job).await,
            Some(JobKind::TaskReminder) => self.task_reminder(job).await,
            Some(JobKind::WaitlistOfferLapsed) => self.waitlist_offer_lapsed(job).await,
            Some(
                JobKind::SessionNotice
                | JobKind::SessionReminder
                | JobKind::SmsSessionNotice
                | JobKind::SmsSessionReminder,
            ) => notify::deliver(&self.state, &self.mailer, &self.sms, job).await,
            Some(JobKind::CalendarSync) => {
                crate::scheduling::caldav::run_sync(&self.state, job).await
            }
            Some(JobKind::VideoClose) => {
                let tx = self.job_tx(job, None).await?;
                crate::video::revoke::run_close(&self.state, tx, job).await
            }
            Some(JobKind::CaucusTimer) => {
                let tx = self.job_tx(job, None).await?;
                crate::video::caucus::run_timer(&self.state, tx, job).await
            }
            Some(JobKind::JoinLink) => {
                let tx = self.job_tx(job, None).await?;
                crate::video::invite::run(&self.state, &self.mailer, tx, job).await
            }
            Some(JobKind::VideoEvict) => {
                let tx = self.job_tx(job, None).await?;
                crate::video::revoke::run_evict(&self.state, tx, job).await
            }
            None => bail!("unknown job kind"),
        }
    }

    /// Gives the invitation a fresh link token and emails it. A retry after a
    /// crash issues a new token, so only the latest email's link works.
    async fn invitation(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let id: Uuid = payload_id(job, "invitationId")?;
        let tx = self.job_tx(job, None).await?;
        let issued = invitations::issue_token(&tx, id)
            .await
            .map_err(|e| anyhow::anyhow!("issuing the invitation's token: {}", e.message()))?;
        let Some((invitation, token)) = issued else {
            // Accepted, withdrawn or expired meanwhile: nothing to send.
            return Ok(());
        };
        let org = orgs::current(&tx)
            .await
            .map_err(|e| anyhow::anyhow!("loading the organization: {}", e.message()))?;
        tx.commit().await.context("closing the job's transaction")?;
        let email = &self.state.settings.email;
        let base = if invitation.role.is_staff() {
            &email.admin_portal_url
        } else {
            &email.client_portal_url
        };
        // The token travels in the fragment: browsers never send it to a server
        // or put it in a Referer.
        let link = format!(
            "{}/invitation#{}",
            base.as_str().trim_end_matches('/'),
            token.expose()
        );
        let settings = OrgSettings::from_json(&org.settings_json);
        let message = templates::invitation(
            invitation.locale,
            &org.name,
            settings.brand_color(),
            invitation.role,
            &link,
            invitation.expires_at,
        );
        self.mailer
            .send(&invitation.email, message)
            .await
            .context("sending the invitation")
    }

    /// Issues a password-reset or sign-in link and emails it. A retry issues a
    /// new link, which replaces the earlier one.
    async fn email_link(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let user_id: Uuid = payload_id(job, "userId")?;
        let purpose: LinkPurpose = job
            .payload
            .get("purpose")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .context("payload without a link purpose")?;
        let tx = self.job_tx(job, Some(user_id)).await?;
        let to = recipient(&tx, user_id).await?;
        let roles = crate::identity::service::roles_of(&tx, user_id)
            .await
            .map_err(|e| anyhow::anyhow!("loading roles: {}", e.message()))?;
        tx.commit().await.context("closing the job's transaction")?;
        if !to.active {
            return Ok(());
        }
        let token = self
            .state
            .links
            .issue(purpose, user_id, job.org_id)
            .await
            .context("issuing the link")?;
        let email = &self.state.settings.email;
        let base = if roles.iter().any(|r| r.is_staff()) {
            &email.admin_portal_url
        } else {
            &email.client_portal_url
        };
        let link = format!(
            "{}{}#{}",
            base.as_str().trim_end_matches('/'),
            purpose.path(),
            token.expose()
        );
        let message = templates::link(to.locale, purpose, &to.org_name, &to.brand_color, &link);
        self.mailer
            .send(&to.email, message)
            .await
            .context("sending the link")
    }

    /// Confirms a proposed mediator nobody objected to by the deadline.
    async fn assignment_deadline(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let id: Uuid = payload_id(job, "assignmentId")?;
        let tx = self.job_tx(job, None).await?;
        let key = TenantKey::of(&tx, &self.state.data_key)
            .await
            .map_err(|e| anyhow::anyhow!("loading the tenant key: {}", e.message()))?;
        crate::cases::assignment::deadline_passed(&tx, &key, id)
            .await
            .map_err(|e| anyhow::anyhow!("closing the proposal: {}", e.message()))?;
        tx.commit().await.context("closing the job's transaction")
    }

    /// An earlier time's hold ran out: lapse it and offer the mediator's
    /// free time to the next waiting case.
    async fn waitlist_offer_lapsed(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let mediator: Uuid = payload_id(job, "mediatorId")?;
        let tx = self.job_tx(job, None).await?;
        crate::scheduling::waitlist::offer_next(&tx, mediator, chrono::Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("offering the freed time: {}", e.message()))?;
        tx.commit().await.context("closing the job's transaction")
    }

    /// Tells a task's assignee that it is due; says nothing of the task.
    async fn task_reminder(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let id: Uuid = payload_id(job, "taskId")?;
        let tx = self.job_tx(job, None).await?;
        let target = crate::cases::tasks::reminder_target(&tx, id)
            .await
            .map_err(|e| anyhow::anyhow!("loading the task: {}", e.message()))?;
        let Some((assignee, case_id, due_at)) = target else {
            // Done (or gone) meanwhile: nothing to remind.
            return Ok(());
        };
        let to = recipient(&tx, assignee).await?;
        tx.commit().await.context("closing the job's transaction")?;
        if !to.active {
            return Ok(());
        }
        let link = format!(
            "{}/cases/{case_id}",
            self.state
                .settings
                .email
                .admin_portal_url
                .as_str()
                .trim_end_matches('/')
        );
        let message = templates::task_due(
            to.locale,
            &to.org_name,
            &to.brand_color,
            due_at,
            &to.timezone,
            &link,
        );
        self.mailer
            .send(&to.email, message)
            .await
            .context("sending the task reminder")
    }

    async fn sign_in_notice(&self, job: &ClaimedJob) -> anyhow::Result<()> {
        let user_id: Uuid = payload_id(job, "userId")?;
        let tx = self.job_tx(job, Some(user_id)).await?;
        let to = recipient(&tx, user_id).await?;
        tx.commit().await.context("closing the job's transaction")?;
        if !to.active {
            return Ok(());
        }
        let message = templates::sign_in_notice(to.locale, &to.org_name, &to.brand_color);
        self.mailer
            .send(&to.email, message)
            .await
            .context("sending the sign-in notice")
    }
}

//! The job queue and email: transactional enqueue, leases, retries, the
//! dead-letter queue, and real delivery to the SMTP catcher.

use std::time::Duration;

use caucus_api::authz::RoleKey;
use caucus_api::db::TenantScope;
use caucus_api::jobs;
use caucus_api::testkit::{self, TestApp};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;

use crate::support::{
    Client, PASSWORD, assert_ok, error_code, mail_body, mailpit_messages, org_with, wait_for_mail,
};

/// The first column of the one row `sql` returns, read as the owner.
async fn owner_value<T: sea_orm::TryGetable>(app: &TestApp, sql: &str) -> T {
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<T>(0)
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    owner_value(app, sql).await
}

fn no_worker(s: &mut caucus_api::config::Settings) {
    s.worker.in_process = false;
}

/// Enqueues `count` jobs of `kind` for `org` in one committed transaction.
async fn enqueue(app: &TestApp, org: &str, kind: &str, count: usize, max_attempts: i32) {
    let tx = app
        .state
        .db
        .tenant(TenantScope {
            org_id: org.parse().unwrap(),
            user_id: None,
        })
        .await
        .unwrap();
    for _ in 0..count {
        jobs::enqueue(&tx, kind, json!({}), max_attempts)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists() {
    let app = testkit::spawn_with(no_worker).await;
    let (org, _) = org_with(&app, "txjobs", &[RoleKey::OrgAdmin]).await;
    let scope = TenantScope {
        org_id: org.parse().unwrap(),
        user_id: None,
    };
    let tx = app.state.db.tenant(scope).await.unwrap();
    jobs::enqueue(&tx, "test.rolled_back", json!({}), 3)
        .await
        .unwrap();
    drop(tx);
    let tx = app.state.db.tenant(scope).await.unwrap();
    jobs::enqueue(&tx, "test.committed", json!({}), 3)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE kind = 'test.rolled_back'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE kind = 'test.committed'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn claims_are_exclusive_and_a_crashed_workers_lease_expires() {
    let app = testkit::spawn_with(no_worker).await;
    let (org, _) = org_with(&app, "leases", &[RoleKey::OrgAdmin]).await;
    enqueue(&app, &org, "test.lease", 10, 3).await;
    // Two workers claiming at once never get the same job.
    let (a, b) = tokio::join!(
        jobs::claim(&app.state.db, 6, Duration::from_secs(1)),
        jobs::claim(&app.state.db, 6, Duration::from_secs(1)),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 10);
    assert!(a.iter().all(|x| b.iter().all(|y| x.id != y.id)));
    assert!(
        jobs::claim(&app.state.db, 10, Duration::from_secs(1))
            .await
            .unwrap()
            .is_empty()
    );
    // Nobody completes them (the workers "crashed"): after the lease they are
    // claimed again, as a second attempt.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let again = jobs::claim(&app.state.db, 10, Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(again.len(), 10);
    assert!(again.iter().all(|j| j.attempts == 2));
    for job in &again {
        assert_eq!(
            jobs::complete(&app.state.db, job).await.unwrap(),
            jobs::Recorded::Done
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM jobs WHERE status = 'done'").await,
        10
    );
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_record_over_the_next_claim() {
    let app = testkit::spawn_with(no_worker).await;
    let (org, _) = org_with(&app, "fence", &[RoleKey::OrgAdmin]).await;
    enqueue(&app, &org, "test.fence", 1, 3).await;
    let state = || {
        owner_value::<String>(
            &app,
            "SELECT (status || ':' || attempts || ':' || coalesce(last_error, '-'))::text FROM jobs WHERE kind = 'test.fence'",
        )
    };

    // The first worker's lease runs out; a second claims the job again.
    let first = jobs::claim(&app.state.db, 1, Duration::from_secs(1))
        .await
        .unwrap()
        .remove(0);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let second = jobs::claim(&app.state.db, 1, Duration::from_secs(30))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(second.id, first.id);
    assert!(second.claim > first.claim);

    // The first worker comes back: none of its outcomes is recorded.
    for outcome in [
        jobs::complete(&app.state.db, &first).await,
        jobs::fail(&app.state.db, &first, "late failure").await,
        jobs::give_up(&app.state.db, &first, "late give-up").await,
    ] {
        assert_eq!(outcome.unwrap(), jobs::Recorded::LeaseLost);
    }
    assert_eq!(state().await, "running:2:-");

    // The second claim's failure is recorded once; it cannot then also
    // complete, since the job is no longer running under it.
    assert_eq!(
        jobs::fail(&app.state.db, &second, "second attempt failed")
            .await
            .unwrap(),
        jobs::Recorded::Done
    );
    assert_eq!(state().await, "queued:2:second attempt failed");
    assert_eq!(
        jobs::complete(&app.state.db, &second).await.unwrap(),
        jobs::Recorded::LeaseLost
    );
    assert_eq!(state().await, "queued:2:second attempt failed");
}

#[tokio::test]
async fn failing_jobs_back_off_then_die_and_admins_can_retry_them() {
    let app = testkit::spawn_with(no_worker).await;
    let (org, emails) = org_with(
        &app,
        "deadletter",
        &[RoleKey::OrgAdmin, RoleKey::CaseManager],
    )
    .await;
    enqueue(&app, &org, "test.unknown_kind", 1, 2).await;
    let worker = caucus_api::jobs::worker::Worker::new(app.state.clone()).unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    // Backed off: not ready again at once.
    assert_eq!(worker.run_once().await.unwrap(), 0);
    assert_eq!(count(&app, "SELECT count(*) FROM jobs WHERE status = 'queued' AND run_at > now() + interval '1 second'").await, 1);
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared("UPDATE jobs SET run_at = now()")
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM jobs WHERE status = 'dead' AND attempts = 2"
        )
        .await,
        1
    );

    let mut admin = Client::new(&app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    let dead = admin
        .gql("{ deadJobs { id kind attempts lastError } }", json!({}))
        .await;
    let list = dead["data"]["deadJobs"].as_array().unwrap().clone();
    let job = list
        .iter()
        .find(|j| j["kind"] == "test.unknown_kind")
        .unwrap();
    assert_eq!(job["attempts"], 2);
    assert_eq!(job["lastError"], "unknown job kind");
    let mut manager = Client::new(&app);
    assert_ok(&manager.sign_in(&emails[1], PASSWORD).await);
    assert_eq!(
        error_code(&manager.gql("{ deadJobs { id } }", json!({})).await),
        "FORBIDDEN"
    );
    let retried = admin
        .gql(
            "mutation R($id: ID!) { retryJob(id: $id) }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(retried["data"]["retryJob"], true);
    assert_eq!(count(&app, "SELECT count(*) FROM jobs WHERE kind = 'test.unknown_kind' AND status = 'queued' AND attempts = 0").await, 1);
    let again = admin
        .gql(
            "mutation R($id: ID!) { retryJob(id: $id) }",
            json!({ "id": job["id"] }),
        )
        .await;
    assert_eq!(
        error_code(&again),
        "NOT_FOUND",
        "only dead jobs are retried"
    );
}

#[tokio::test]
async fn a_sign_in_from_a_new_browser_sends_one_branded_notice_in_the_users_language() {
    let app = testkit::spawn().await;
    let (_, emails) = org_with(&app, "notice", &[RoleKey::Mediator]).await;
    let owner = Database::connect(app.db.owner_url.clone()).await.unwrap();
    owner
        .execute_unprepared("UPDATE profiles SET locale = 'es'")
        .await
        .unwrap();
    let mut client = Client::new(&app);
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    let messages = wait_for_mail(&emails[0], 1).await;
    assert_eq!(
        messages[0]["Subject"],
        "Nuevo inicio de sesión en su cuenta de Caucus"
    );
    let full = mail_body(&messages[0]).await;
    let (text, html) = (
        full["Text"].as_str().unwrap(),
        full["HTML"].as_str().unwrap(),
    );
    assert!(text.contains("Org notice"), "{text}");
    assert!(html.contains("#1f4e79") && html.contains("lang=\"es\""));
    assert!(text.contains("Nunca contiene detalles de su caso"));
    // The same browser signing in again is not news.
    assert_ok(&client.sign_in(&emails[0], PASSWORD).await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mailpit_messages(&emails[0]).await.len(), 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM jobs WHERE status = 'done'").await,
        1
    );
}

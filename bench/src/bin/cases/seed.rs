//! Seeding the organizations of `cases` with set-based SQL as the owner.
//!
//! Every row id is computed, `{org:08x}-{kind:04x}-4000-8000-{n:012x}`, the
//! same in SQL (`pg_temp.bid`) and here, so this process can seal each value
//! for the row it will belong to before the row exists: the API binds every
//! ciphertext to its row (`case:{id}:title`, `party:{id}:name`, …). Sealed
//! values come from a temporary table `bench_seal (kind, k, v)` that the
//! inserts join: for the measured organization one value per row (every one
//! opens), for the others a pool of `POOL` values per kind sealed with their
//! own key (real ciphertext of the same sizes, bound to pooled rows, so it
//! would not open where it is reused; nothing reads those tenants).

use std::fmt::Write as _;
use std::time::Instant;

use anyhow::{Context, anyhow};
use caucus_api::cases::defaults::DISPUTE_TYPES;
use caucus_api::cases::templates;
use caucus_api::crypto::DataKey;
use caucus_api::crypto::tenant::TenantKey;
use caucus_api::db::{Db, TenantScope};
use caucus_api::identity::password;
use caucus_api::seed::seed_org;
use caucus_api::testkit::{self, TestDatabase};
use serde_json::json;
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use crate::PASSWORD;

/// Pooled sealed values per kind in the organizations nothing reads.
const POOL: u32 = 16;

/// Kinds of computed ids (and of sealed values, for the rows they seal).
const K_MEDIATOR: u32 = 2;
const K_CASE: u32 = 10;
const K_PARTY: u32 = 11;
const K_EVENT: u32 = 12;
const K_SUBMISSION: u32 = 13;
/// Sealed-value kinds without rows of their own.
const S_PARTY_EMAIL: u32 = 21;

/// The tables the seed fills in bulk: their foreign keys are dropped for the
/// load and added back (validated) after it.
pub const BULK_TABLES: &[&str] = &["cases", "parties", "case_events", "case_submissions"];

pub fn bid(org: u32, kind: u32, n: u32) -> Uuid {
    Uuid::from_u128(
        (u128::from(org) << 96)
            | (u128::from(kind) << 80)
            | (0x4000u128 << 64)
            | (0x8000u128 << 48)
            | u128::from(n),
    )
}

pub struct Shape {
    pub orgs: u32,
    pub cases: u32,
    pub mediators: u32,
}

pub struct Seeded {
    pub org_id: Uuid,
    pub mediator_id: Uuid,
    pub mediator_email: String,
    /// The measured mediator's cases, newest first.
    pub case_ids: Vec<Uuid>,
    pub secs: f64,
    pub rows: Vec<(String, i64)>,
}

pub fn mediator_email(org: u32, m: u32) -> String {
    format!("mediator{m}@org{org}.bench.caucus.test")
}

/// Which mediator leads case `i` (none for new intakes and triage), and the
/// status: statuses follow `(i / mediators) % 20` so each mediator holds every
/// status, and mediators `i % mediators`.
const CASE_SQL: &str = r#"
INSERT INTO cases (id, org_id, reference, dispute_type, template_id, status, title_sealed,
                   opened_at, status_changed_at, closed_at, archived_at, lead_mediator_id,
                   case_manager_id, outcome, outcome_at, created_by)
SELECT pg_temp.bid($1, 10, i), $2, 'B' || $1::int || '-' || lpad(i::text, 7, '0'), t.dispute_type, t.id,
       st.status, s.v,
       now() - i * interval '9 minutes', now() - i * interval '9 minutes' + interval '3 days',
       CASE WHEN st.status IN ('closed', 'archived') THEN now() - i * interval '9 minutes' + interval '40 days' END,
       CASE WHEN st.status = 'archived' THEN now() - i * interval '9 minutes' + interval '60 days' END,
       CASE WHEN st.status NOT IN ('intake', 'triage') THEN pg_temp.bid($1, 2, 1 + i % $3) END,
       pg_temp.bid($1, 3, 1 + i % 10),
       st.outcome,
       CASE WHEN st.outcome IS NOT NULL THEN now() - i * interval '9 minutes' + interval '30 days' END,
       pg_temp.bid($1, 4, 1 + i % 2000)
FROM generate_series(1, $4) i
CROSS JOIN LATERAL (SELECT (ARRAY['intake','triage','assigned','assigned','assigned','scheduling',
        'scheduling','scheduling','in_mediation','in_mediation','in_mediation','settled','settled',
        'impasse','closed','closed','closed','closed','archived','archived'])[1 + (i / $3) % 20] AS status) s0
CROSS JOIN LATERAL (SELECT s0.status,
        CASE WHEN s0.status IN ('settled', 'impasse') THEN s0.status
             WHEN s0.status IN ('closed', 'archived') THEN 'settled' END AS outcome) st
JOIN bench_templates t ON t.n = i % 5
JOIN bench_seal s ON s.kind = 10 AND s.k = CASE WHEN $5 THEN i ELSE i % 16 END
"#;

/// Parties 3i-2 (claimant, with an account), 3i-1 (respondent, invited) and,
/// on every fifth case, 3i (the claimant's counsel).
const PARTY_SQL: &str = r#"
INSERT INTO parties (id, org_id, case_id, user_id, party_type, side, represents_party_id,
                     name_sealed, email_sealed, email_hash, name_hash, verified_at,
                     verification_method, verified_by, invited_at, created_at)
SELECT pg_temp.bid($1, 11, j), $2, pg_temp.bid($1, 10, i),
       CASE WHEN r = 1 THEN pg_temp.bid($1, 4, 1 + i % 2000) END,
       (ARRAY['claimant', 'respondent', 'representative'])[r],
       (ARRAY['claimant', 'respondent', 'claimant'])[r],
       CASE WHEN r = 3 THEN pg_temp.bid($1, 11, j - 2) END,
       n.v, e.v, decode(md5('e' || $1::int || ':' || j), 'hex'), decode(md5('n' || $1::int || ':' || j), 'hex'),
       CASE WHEN r = 1 AND i % 3 <> 0 THEN now() - i * interval '9 minutes' + interval '1 day' END,
       CASE WHEN r = 1 AND i % 3 <> 0 THEN 'photo_id_video' END,
       CASE WHEN r = 1 AND i % 3 <> 0 THEN pg_temp.bid($1, 3, 1 + i % 10) END,
       CASE WHEN r = 2 THEN now() - i * interval '9 minutes' + interval '2 hours' END,
       now() - i * interval '9 minutes' + r * interval '1 minute'
FROM generate_series(1, $3) i
CROSS JOIN LATERAL generate_series(1, CASE WHEN i % 5 = 0 THEN 3 ELSE 2 END) r
CROSS JOIN LATERAL (SELECT 3 * i - 3 + r AS j) jj
JOIN bench_seal n ON n.kind = 11 AND n.k = CASE WHEN $4 THEN j ELSE j % 16 END
JOIN bench_seal e ON e.kind = 21 AND e.k = CASE WHEN $4 THEN j ELSE j % 16 END
"#;

/// Events 4i-3 .. 4i: filed, accepted (with the reviewer's sealed note),
/// assignment confirmed (staff), party invited (staff); three for cases
/// still in intake or triage.
const EVENT_SQL: &str = r#"
INSERT INTO case_events (id, org_id, case_id, actor_id, kind, visibility, detail, note_sealed, created_at)
SELECT pg_temp.bid($1, 12, 4 * i - 4 + r), c.org_id, c.id,
       CASE WHEN r = 1 THEN pg_temp.bid($1, 4, 1 + i % 2000) ELSE c.case_manager_id END,
       (ARRAY['case.filed', 'case.status_changed', 'party.invited', 'assignment.confirmed'])[r],
       (ARRAY['everyone', 'everyone', 'staff', 'staff'])[r],
       CASE r WHEN 2 THEN '{"from":"intake","to":"triage"}'::jsonb
              WHEN 4 THEN jsonb_build_object('mediatorId', c.lead_mediator_id)
              ELSE '{}'::jsonb END,
       CASE WHEN r = 2 THEN s.v END,
       c.opened_at + r * interval '1 hour'
FROM cases c
CROSS JOIN LATERAL (SELECT ('x' || right(c.id::text, 12))::bit(48)::bigint::int AS i) ii
CROSS JOIN LATERAL generate_series(1, CASE WHEN c.lead_mediator_id IS NULL THEN 3 ELSE 4 END) r
LEFT JOIN bench_seal s ON r = 2 AND s.kind = 12 AND s.k = CASE WHEN $3 THEN i ELSE i % 16 END
WHERE c.org_id = $2
"#;

const SUBMISSION_SQL: &str = r#"
INSERT INTO case_submissions (id, org_id, case_id, party_id, template_id, answers_sealed,
                              submitted_by, submitted_at)
SELECT pg_temp.bid($1, 13, i), c.org_id, c.id, pg_temp.bid($1, 11, 3 * i - 2), c.template_id, s.v,
       pg_temp.bid($1, 4, 1 + i % 2000), c.opened_at
FROM cases c
CROSS JOIN LATERAL (SELECT ('x' || right(c.id::text, 12))::bit(48)::bigint::int AS i) ii
JOIN bench_seal s ON s.kind = 13 AND s.k = CASE WHEN $3 THEN i ELSE i % 16 END
WHERE c.org_id = $2
"#;

const SETUP_SQL: &str = r#"
CREATE FUNCTION pg_temp.bid(o int, k int, n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  $$ SELECT (lpad(to_hex(o), 8, '0') || '-' || lpad(to_hex(k), 4, '0') || '-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid $$;
CREATE TEMP TABLE bench_seal (kind int NOT NULL, k int NOT NULL, v bytea NOT NULL, PRIMARY KEY (kind, k));
CREATE TEMP TABLE bench_templates (n int PRIMARY KEY, id uuid NOT NULL, dispute_type text NOT NULL);
"#;

/// Users of organization `$1` (number) / `$2` (id): mediators with roster
/// profiles, case managers, and claimants with accounts.
const USER_SQL: &str = r#"
WITH people AS (
  SELECT pg_temp.bid($1, k, n) AS id, k, n,
         CASE k WHEN 2 THEN 'mediator' || n WHEN 3 THEN 'manager' || n ELSE 'claimant' || n END
           || '@org' || $1::int || '.bench.caucus.test' AS email,
         CASE k WHEN 2 THEN 'mediator' WHEN 3 THEN 'case_manager' ELSE 'party' END AS role
  FROM (VALUES (2, $3::int), (3, 10), (4, 2000)) AS kinds(k, cnt)
  CROSS JOIN LATERAL generate_series(1, kinds.cnt) n
), u AS (
  INSERT INTO users (id, email, hashed_password) SELECT id, email, $4 FROM people RETURNING id
), p AS (
  INSERT INTO profiles (user_id, name, locale, timezone)
  SELECT id, initcap(role) || ' ' || n, CASE WHEN n % 4 = 0 THEN 'es' ELSE 'en' END, 'America/New_York'
  FROM people RETURNING user_id
), r AS (
  INSERT INTO user_roles (org_id, user_id, role_id)
  SELECT $2, people.id, roles.id FROM people JOIN roles ON roles.key = people.role RETURNING user_id
)
INSERT INTO mediator_profiles (org_id, user_id, specialties, languages, fee_band, max_active_cases)
SELECT $2, id, ((ARRAY['{family}', '{workplace,commercial}', '{landlord_tenant}', '{small_claims,family}'])[1 + n % 4])::text[],
       CASE WHEN n % 4 = 0 THEN ARRAY['en','es'] ELSE ARRAY['en'] END,
       (ARRAY['pro_bono','reduced','standard','premium'])[1 + n % 4], 500
FROM people WHERE k = 2
"#;

fn io(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("{e:?}")
}

/// COPY text of `(kind, k, v)` rows.
fn copy_rows(rows: &[(u32, u32, Vec<u8>)]) -> String {
    let mut out = String::with_capacity(rows.len() * 200);
    for (kind, k, v) in rows {
        let _ = write!(out, "{kind}\t{k}\t\\\\x");
        for b in v {
            let _ = write!(out, "{b:02x}");
        }
        out.push('\n');
    }
    out
}

/// Every sealed value organization `org` needs: one per row when `per_row`
/// (the measured organization), else `POOL` of each kind.
fn seals(
    key: &TenantKey,
    org: u32,
    cases: u32,
    per_row: bool,
) -> anyhow::Result<Vec<(u32, u32, Vec<u8>)>> {
    let seal = |text: &[u8], context: String| key.seal(text, context.as_bytes()).map_err(io);
    let case_keys: Vec<u32> = if per_row {
        (1..=cases).collect()
    } else {
        (0..POOL).collect()
    };
    let mut out = Vec::new();
    for &i in &case_keys {
        let title = format!("Dispute {i} between the Garcia and Okafor households");
        out.push((
            K_CASE,
            i,
            seal(
                title.as_bytes(),
                format!("case:{}:title", bid(org, K_CASE, i)),
            )?,
        ));
        // The note of the case's second event (4i - 2), the acceptance.
        let event = bid(org, K_EVENT, (4 * i).saturating_sub(2));
        out.push((
            K_EVENT,
            i,
            seal(
                b"Accepted after a call with the claimant.",
                format!("event:{event}:note"),
            )?,
        ));
        let answers = json!({
            "summary": format!("Case {i}: a disagreement about payments and the care of the children since the spring."),
            "started_on": "2026-03-14",
        });
        let submission = bid(org, K_SUBMISSION, i);
        out.push((
            K_SUBMISSION,
            i,
            seal(
                &serde_json::to_vec(&answers)?,
                format!("submission:{submission}"),
            )?,
        ));
    }
    // Parties 3i-2, 3i-1, and 3i on every fifth case.
    let party_keys: Vec<u32> = if per_row {
        (1..=3 * cases)
            .filter(|j| j % 3 != 0 || (j / 3) % 5 == 0)
            .collect()
    } else {
        (0..POOL).collect()
    };
    for j in party_keys {
        let id = bid(org, K_PARTY, j);
        let name = format!("Party {j} Hernandez-Smith");
        out.push((
            K_PARTY,
            j,
            seal(name.as_bytes(), format!("party:{id}:name"))?,
        ));
        let email = format!("party{j}@example.test");
        out.push((
            S_PARTY_EMAIL,
            j,
            seal(email.as_bytes(), format!("party:{id}:email"))?,
        ));
    }
    Ok(out)
}

async fn exec(conn: &mut PgConnection, sql: &str) -> anyhow::Result<()> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .with_context(|| sql.chars().take(80).collect::<String>())?;
    Ok(())
}

pub async fn seed(
    owner_url: &str,
    app_url: &str,
    database: &str,
    shape: &Shape,
) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let settings = testkit::settings(&TestDatabase {
        name: database.to_owned(),
        owner_url: owner_url.to_owned(),
        app_url: app_url.to_owned(),
    });
    let kek = DataKey::from_settings(&settings.security)?;
    let db = Db::connect(&settings.database).await?;
    let hash = password::hash_now(PASSWORD).map_err(io)?;
    let mut conn = PgConnection::connect(owner_url)
        .await
        .context("connecting as the owner")?;
    exec(&mut conn, SETUP_SQL).await?;
    let fks = drop_foreign_keys(&mut conn).await?;
    let mut org_ids = Vec::new();
    for org in 0..shape.orgs {
        let org_id = seed_org(
            owner_url,
            &format!("bench-{org}"),
            &format!("Bench Mediation {org}"),
            &[],
            PASSWORD,
        )
        .await?;
        org_ids.push(org_id);
        // The tenant key and default templates, made by the API's own code.
        let tx = db
            .tenant(TenantScope {
                org_id,
                user_id: None,
            })
            .await?;
        let key = TenantKey::of(&tx, &kek).await.map_err(io)?;
        templates::ensure_defaults(&tx).await.map_err(io)?;
        let mut template_ids = Vec::new();
        for dispute_type in DISPUTE_TYPES {
            let t = templates::current(&tx, dispute_type)
                .await
                .map_err(io)?
                .context("a default template is missing")?;
            template_ids.push((t.id, t.dispute_type));
        }
        tx.commit().await?;
        let org_n = i32::try_from(org)?;
        sqlx::query(USER_SQL)
            .bind(org_n)
            .bind(org_id)
            .bind(i32::try_from(shape.mediators)?)
            .bind(&hash)
            .execute(&mut conn)
            .await
            .context("seeding users")?;
        exec(&mut conn, "TRUNCATE bench_seal, bench_templates").await?;
        for (n, (id, dt)) in template_ids.iter().enumerate() {
            sqlx::query("INSERT INTO bench_templates VALUES ($1, $2, $3)")
                .bind(i32::try_from(n)?)
                .bind(id)
                .bind(dt)
                .execute(&mut conn)
                .await?;
        }
        let per_row = org == 0;
        let rows = seals(&key, org, shape.cases, per_row)?;
        let mut copy = conn
            .copy_in_raw("COPY bench_seal (kind, k, v) FROM STDIN")
            .await?;
        copy.send(copy_rows(&rows).into_bytes()).await?;
        copy.finish().await?;
        let cases = i32::try_from(shape.cases)?;
        let mediators = i32::try_from(shape.mediators)?;
        sqlx::query(CASE_SQL)
            .bind(org_n)
            .bind(org_id)
            .bind(mediators)
            .bind(cases)
            .bind(per_row)
            .execute(&mut conn)
            .await
            .context("seeding cases")?;
        sqlx::query(PARTY_SQL)
            .bind(org_n)
            .bind(org_id)
            .bind(cases)
            .bind(per_row)
            .execute(&mut conn)
            .await
            .context("seeding parties")?;
        sqlx::query(EVENT_SQL)
            .bind(org_n)
            .bind(org_id)
            .bind(per_row)
            .execute(&mut conn)
            .await
            .context("seeding the timeline")?;
        sqlx::query(SUBMISSION_SQL)
            .bind(org_n)
            .bind(org_id)
            .bind(per_row)
            .execute(&mut conn)
            .await
            .context("seeding intakes")?;
        eprintln!(
            "  organization {} of {} seeded ({:.0} s)",
            org + 1,
            shape.orgs,
            started.elapsed().as_secs_f64()
        );
    }
    eprintln!("  adding the foreign keys back (validated) ...");
    for (table, name, def) in &fks {
        exec(
            &mut conn,
            &format!("ALTER TABLE {table} ADD CONSTRAINT {name} {def}"),
        )
        .await?;
    }
    eprintln!("  VACUUM ANALYZE ...");
    for table in [
        "users",
        "profiles",
        "user_roles",
        "mediator_profiles",
        "intake_templates",
        "cases",
        "parties",
        "case_events",
        "case_submissions",
    ] {
        exec(&mut conn, &format!("VACUUM (ANALYZE) {table}")).await?;
    }
    let mut rows = Vec::new();
    for table in [
        "users",
        "cases",
        "parties",
        "case_events",
        "case_submissions",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await?;
        rows.push((table.to_owned(), n));
    }
    conn.close().await?;
    let org_id = org_ids[0];
    let mediator_id = bid(0, K_MEDIATOR, 1);
    let mut app = PgConnection::connect(owner_url).await?;
    let ids: Vec<(Uuid,)> = sqlx::query_as(
        "SELECT id FROM cases WHERE org_id = $1 AND lead_mediator_id = $2 ORDER BY opened_at DESC, id DESC",
    )
    .bind(org_id)
    .bind(mediator_id)
    .fetch_all(&mut app)
    .await?;
    app.close().await?;
    Ok(Seeded {
        org_id,
        mediator_id,
        mediator_email: mediator_email(0, 1),
        case_ids: ids.into_iter().map(|(id,)| id).collect(),
        secs: started.elapsed().as_secs_f64(),
        rows,
    })
}

/// Drops the foreign keys of the bulk tables, returning what re-adds them.
async fn drop_foreign_keys(
    conn: &mut PgConnection,
) -> anyhow::Result<Vec<(String, String, String)>> {
    let fks: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT conrelid::regclass::text, conname::text, pg_get_constraintdef(oid)
         FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY($1::regclass[]) ORDER BY 1, 2",
    )
    .bind(BULK_TABLES)
    .fetch_all(&mut *conn)
    .await?;
    for (table, name, _) in &fks {
        exec(conn, &format!("ALTER TABLE {table} DROP CONSTRAINT {name}")).await?;
    }
    Ok(fks)
}

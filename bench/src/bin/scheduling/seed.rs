//! Seeding `scheduling` with SQL as the owner: one organization (the
//! default scheduling rules: 15-minute buffer, 24 hours' notice, at most four
//! sessions a mediator-local day, 120-minute sessions, a 30-minute grid) with
//!
//! - mediator A (Mon–Fri 09:00–17:00, Europe/London) and their year:
//!   sessions of 60 minutes on other cases, at 09:00, 10:30, 12:00 and
//!   13:30 London time, four on most coming working days and three on every
//!   sixth (the only days with room left, at the cap), two a day in the past;
//!   and busy times from a connected calendar (45 minutes at 06:00, 07:30,
//!   17:30 and 19:00 every day, a whole day of time off every 29th day);
//! - the measured case of mediator A with four parties (two claimants, two
//!   respondents) with accounts in New York, Madrid, Kolkata and Chicago,
//!   each with windows on weekdays (07:30–10:00 and 12:00–16:30 UTC, the
//!   afternoon shifted by 15 minutes per party, one weekday in eleven left
//!   out per party);
//! - mediator B (every day 08:00–20:00, Europe/London, nothing booked) and
//!   one case per booking worker, each with a claimant and a respondent who
//!   gave no windows;
//! - case managers: one for the slot search, one per booking worker.
//!
//! Case titles and party names are sealed with the tenant key for the row
//! they belong to, as the API does (`case:{id}:title`, `party:{id}:name`).

use std::time::Instant;

use anyhow::{Context, anyhow};
use caucus_api::cases::defaults::DISPUTE_TYPES;
use caucus_api::cases::templates;
use caucus_api::crypto::DataKey;
use caucus_api::crypto::tenant::TenantKey;
use caucus_api::db::{Db, TenantScope};
use caucus_api::identity::password;
use caucus_api::scheduling::slots::{TimeRange, WeeklyHours};
use caucus_api::seed::seed_org;
use caucus_api::testkit::{self, TestDatabase};
use sqlx::{Connection as _, PgConnection};
use uuid::Uuid;

use crate::PASSWORD;

pub const MEDIATOR_ZONE: &str = "Europe/London";
/// The zones of the measured case's four parties, claimants first.
pub const PARTY_ZONES: [&str; 4] = [
    "America/New_York",
    "Europe/Madrid",
    "Asia/Kolkata",
    "America/Chicago",
];

pub struct Shape {
    pub sessions: u32,
    pub past_sessions: u32,
    pub busy: u32,
    pub windows: u32,
    pub bookers: usize,
}

pub struct Seeded {
    pub org_id: Uuid,
    pub mediator_b: Uuid,
    /// The measured case (mediator A).
    pub case_id: Uuid,
    /// One per booking worker (mediator B).
    pub booking_cases: Vec<Uuid>,
    /// Signs in for the slot search.
    pub reader_email: String,
    /// One per booking worker.
    pub booker_emails: Vec<String>,
    pub secs: f64,
    /// What the slot search reads: sessions of A from two days ago, busy
    /// rows ending after two days ago, windows of the case's parties.
    pub loaded: Vec<(&'static str, i64)>,
    pub rows: Vec<(&'static str, i64)>,
}

fn io(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("{e:?}")
}

fn email(who: &str) -> String {
    format!("{who}@scheduling.bench.caucus.test")
}

async fn exec(conn: &mut PgConnection, sql: &str) -> anyhow::Result<()> {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .with_context(|| sql.chars().take(80).collect::<String>())?;
    Ok(())
}

/// Users `$1` (ids), `$2` (emails), `$3` (roles), `$4` (zones), `$5` (hash).
const USER_SQL: &str = r#"
WITH people AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS p(id, email, role, zone)
), u AS (
  INSERT INTO users (id, email, hashed_password) SELECT id, email, $5 FROM people RETURNING id
), p AS (
  INSERT INTO profiles (user_id, name, locale, timezone)
  SELECT id, initcap(split_part(email, '@', 1)), 'en', zone FROM people RETURNING user_id
), r AS (
  INSERT INTO user_roles (org_id, user_id, role_id)
  SELECT $6, people.id, roles.id FROM people JOIN roles ON roles.key = people.role RETURNING user_id
)
INSERT INTO mediator_profiles (org_id, user_id, specialties, languages, fee_band, max_active_cases)
SELECT $6, id, '{family}'::text[], ARRAY['en'], 'standard', 500 FROM people WHERE role = 'mediator'
"#;

/// Cases: `$1` ids, `$2` references, `$3` sealed titles, `$4` mediators.
const CASE_SQL: &str = r#"
INSERT INTO cases (id, org_id, reference, dispute_type, template_id, status, title_sealed,
                   opened_at, status_changed_at, lead_mediator_id, case_manager_id, created_by)
SELECT c.id, $5, c.reference, $6, $7, 'scheduling', c.title, now() - interval '30 days',
       now() - interval '2 days', c.mediator, $8, $8
FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::uuid[]) AS c(id, reference, title, mediator)
"#;

/// Parties: `$1` ids, `$2` cases, `$3` users (or null), `$4` types, `$5` names.
const PARTY_SQL: &str = r#"
INSERT INTO parties (id, org_id, case_id, user_id, party_type, side, name_sealed, name_hash,
                     invited_at, created_at)
SELECT p.id, $6, p.case_id, p.user_id, p.kind, p.kind, p.name, decode(md5(p.id::text), 'hex'),
       now() - interval '20 days', now() - interval '20 days' + p.n::int * interval '1 second'
FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bytea[]) WITH ORDINALITY
     AS p(id, case_id, user_id, kind, name, n)
"#;

/// Mediator A's sessions on the other cases `$3`: `$4` in the coming working
/// days from tomorrow (four a day, three on every sixth), `$5` in the past
/// working days from yesterday back (two a day). 60 minutes each, blocked
/// with half the 15-minute buffer on each side.
const SESSION_SQL: &str = r#"
WITH coming AS (
  SELECT d, row_number() OVER (ORDER BY d) AS w FROM generate_series(1, 400) d
  WHERE extract(isodow FROM current_date + d) < 6
), future AS (
  SELECT ((current_date + d) + time '09:00' + p * interval '90 minutes') AT TIME ZONE 'Europe/London' AS starts
  FROM coming CROSS JOIN LATERAL generate_series(0, CASE WHEN w % 6 = 0 THEN 2 ELSE 3 END) p
  ORDER BY d, p LIMIT $4
), gone AS (
  SELECT ((current_date - d) + time '09:00' + p * interval '270 minutes') AT TIME ZONE 'Europe/London' AS starts
  FROM generate_series(1, 800) d CROSS JOIN generate_series(0, 1) p
  WHERE extract(isodow FROM current_date - d) < 6
  ORDER BY d, p LIMIT $5
), starts AS (
  SELECT starts, row_number() OVER (ORDER BY starts) AS n FROM (SELECT * FROM future UNION ALL SELECT * FROM gone) s
)
INSERT INTO sessions (id, org_id, case_id, mediator_id, scheduled_for, duration_minutes, blocked,
                      status, video_room_id, access_policy_json, booked_by, created_at)
SELECT gen_random_uuid(), $1, ($3::uuid[])[(1 + n % cardinality($3::uuid[]))::int], $2, starts, 60,
       tstzrange(starts - interval '450 seconds', starts + interval '3900 seconds'),
       'booked', 'room_bench_' || n, '{"lobby": true, "singleUseLinks": true}', $6,
       LEAST(now(), starts) - interval '30 days'
FROM starts
"#;

/// Mediator A's busy times: `$3` rows over the past and coming 12 months,
/// four a day (45 minutes at 06:00, 07:30, 17:30 and 19:00 London time); the
/// first of every 29th day is a whole day of time off instead.
const BUSY_SQL: &str = r#"
INSERT INTO mediator_busy (id, org_id, user_id, during, source)
SELECT gen_random_uuid(), $1, $2,
       CASE WHEN off THEN tstzrange(day::timestamp AT TIME ZONE 'Europe/London', (day + 1)::timestamp AT TIME ZONE 'Europe/London')
            ELSE tstzrange((day + at) AT TIME ZONE 'Europe/London', (day + at + interval '45 minutes') AT TIME ZONE 'Europe/London') END,
       CASE WHEN off THEN 'time_off' ELSE 'calendar' END
FROM generate_series(0, $3 - 1) i
CROSS JOIN LATERAL (SELECT current_date + (i / 4 - $3 / 8)::int AS day,
                           (ARRAY[time '06:00', time '07:30', time '17:30', time '19:00'])[1 + i % 4] AS at,
                           i % 4 = 0 AND (i / 4) % 29 = 0 AS off) x
"#;

/// The windows of the parties `$3` on case `$2`: two a weekday from
/// tomorrow, `$4` each.
const WINDOW_SQL: &str = r#"
INSERT INTO party_availability (id, org_id, case_id, party_id, during)
SELECT gen_random_uuid(), $1, $2, p.id, w.during
FROM unnest($3::uuid[]) WITH ORDINALITY AS p(id, k)
CROSS JOIN LATERAL (
  SELECT tstzrange(t0, t0 + CASE r WHEN 0 THEN interval '150 minutes' ELSE interval '270 minutes' END) AS during
  FROM generate_series(1, 1200) d
  CROSS JOIN generate_series(0, 1) r
  CROSS JOIN LATERAL (SELECT (current_date + d)::timestamp AT TIME ZONE 'UTC'
      + CASE r WHEN 0 THEN interval '450 minutes' ELSE interval '720 minutes' + (p.k - 1)::int * interval '15 minutes' END AS t0) t
  WHERE extract(isodow FROM current_date + d) < 6 AND (d + 3 * p.k) % 11 <> 0
  ORDER BY d, r LIMIT $4
) w
"#;

const WEEK_SQL: &str = r#"
INSERT INTO mediator_availability (org_id, user_id, time_zone, weekly_hours) VALUES ($1, $2, $3, $4)
"#;

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
    let org_id = seed_org(
        owner_url,
        "bench-scheduling",
        "Bench Scheduling",
        &[],
        PASSWORD,
    )
    .await?;
    let tx = db
        .tenant(TenantScope {
            org_id,
            user_id: None,
        })
        .await?;
    let key = TenantKey::of(&tx, &kek).await.map_err(io)?;
    templates::ensure_defaults(&tx).await.map_err(io)?;
    let dispute_type = DISPUTE_TYPES.first().context("no dispute types")?;
    let template = templates::current(&tx, dispute_type)
        .await
        .map_err(io)?
        .context("a default template is missing")?;
    tx.commit().await?;

    // Users.
    let mediator_a = Uuid::new_v4();
    let mediator_b = Uuid::new_v4();
    let reader = Uuid::new_v4();
    let mut users = vec![
        (mediator_a, email("mediator-a"), "mediator", MEDIATOR_ZONE),
        (mediator_b, email("mediator-b"), "mediator", MEDIATOR_ZONE),
        (reader, email("manager-0"), "case_manager", MEDIATOR_ZONE),
    ];
    let mut booker_emails = Vec::new();
    for n in 1..=shape.bookers {
        booker_emails.push(email(&format!("manager-{n}")));
        users.push((
            Uuid::new_v4(),
            email(&format!("manager-{n}")),
            "case_manager",
            MEDIATOR_ZONE,
        ));
    }
    let party_users: Vec<Uuid> = PARTY_ZONES.iter().map(|_| Uuid::new_v4()).collect();
    for (n, (id, zone)) in party_users.iter().zip(PARTY_ZONES).enumerate() {
        users.push((*id, email(&format!("party-{n}")), "party", zone));
    }
    let mut conn = PgConnection::connect(owner_url)
        .await
        .context("connecting as the owner")?;
    sqlx::query(USER_SQL)
        .bind(users.iter().map(|u| u.0).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.1.clone()).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.2.to_owned()).collect::<Vec<_>>())
        .bind(users.iter().map(|u| u.3.to_owned()).collect::<Vec<_>>())
        .bind(&hash)
        .bind(org_id)
        .execute(&mut conn)
        .await
        .context("seeding users")?;

    // Working weeks.
    let nine_to_five = TimeRange::hm(9, 0, 17, 0).context("09:00–17:00")?;
    let eight_to_eight = TimeRange::hm(8, 0, 20, 0).context("08:00–20:00")?;
    let weeks = [
        (mediator_a, WeeklyHours::weekdays(&[nine_to_five])),
        (
            mediator_b,
            WeeklyHours {
                days: std::array::from_fn(|_| vec![eight_to_eight]),
            },
        ),
    ];
    for (mediator, hours) in &weeks {
        sqlx::query(WEEK_SQL)
            .bind(org_id)
            .bind(mediator)
            .bind(MEDIATOR_ZONE)
            .bind(serde_json::to_value(hours)?)
            .execute(&mut conn)
            .await
            .context("seeding a working week")?;
    }

    // Cases: the measured one, the others of mediator A, the booking ones.
    let case_id = Uuid::new_v4();
    let others: Vec<Uuid> = (0..(shape.sessions / 5).max(1))
        .map(|_| Uuid::new_v4())
        .collect();
    let booking_cases: Vec<Uuid> = (0..shape.bookers).map(|_| Uuid::new_v4()).collect();
    let mut cases = vec![(case_id, mediator_a)];
    cases.extend(others.iter().map(|id| (*id, mediator_a)));
    cases.extend(booking_cases.iter().map(|id| (*id, mediator_b)));
    let mut titles = Vec::with_capacity(cases.len());
    for (n, (id, _)) in cases.iter().enumerate() {
        let title = format!("Dispute {n} between the Garcia and Okafor households");
        titles.push(
            key.seal(title.as_bytes(), format!("case:{id}:title").as_bytes())
                .map_err(io)?,
        );
    }
    sqlx::query(CASE_SQL)
        .bind(cases.iter().map(|c| c.0).collect::<Vec<_>>())
        .bind(
            (0..cases.len())
                .map(|n| format!("S-{n:06}"))
                .collect::<Vec<_>>(),
        )
        .bind(&titles)
        .bind(cases.iter().map(|c| c.1).collect::<Vec<_>>())
        .bind(org_id)
        .bind(*dispute_type)
        .bind(template.id)
        .bind(reader)
        .execute(&mut conn)
        .await
        .context("seeding cases")?;

    // Parties: four with accounts on the measured case, two without on each
    // booking case.
    let mut parties: Vec<(Uuid, Uuid, Option<Uuid>, &str)> = Vec::new();
    let kinds = ["claimant", "claimant", "respondent", "respondent"];
    for (user, kind) in party_users.iter().zip(kinds) {
        parties.push((Uuid::new_v4(), case_id, Some(*user), kind));
    }
    let measured_parties: Vec<Uuid> = parties.iter().map(|p| p.0).collect();
    for case in &booking_cases {
        for kind in ["claimant", "respondent"] {
            parties.push((Uuid::new_v4(), *case, None, kind));
        }
    }
    let mut names = Vec::with_capacity(parties.len());
    for (n, (id, ..)) in parties.iter().enumerate() {
        let name = format!("Party {n} Hernandez-Smith");
        names.push(
            key.seal(name.as_bytes(), format!("party:{id}:name").as_bytes())
                .map_err(io)?,
        );
    }
    sqlx::query(PARTY_SQL)
        .bind(parties.iter().map(|p| p.0).collect::<Vec<_>>())
        .bind(parties.iter().map(|p| p.1).collect::<Vec<_>>())
        .bind(parties.iter().map(|p| p.2).collect::<Vec<_>>())
        .bind(parties.iter().map(|p| p.3.to_owned()).collect::<Vec<_>>())
        .bind(&names)
        .bind(org_id)
        .execute(&mut conn)
        .await
        .context("seeding parties")?;

    // Mediator A's year, and the parties' windows.
    sqlx::query(SESSION_SQL)
        .bind(org_id)
        .bind(mediator_a)
        .bind(&others)
        .bind(i64::from(shape.sessions - shape.past_sessions))
        .bind(i64::from(shape.past_sessions))
        .bind(reader)
        .execute(&mut conn)
        .await
        .context("seeding sessions")?;
    sqlx::query(BUSY_SQL)
        .bind(org_id)
        .bind(mediator_a)
        .bind(i32::try_from(shape.busy)?)
        .execute(&mut conn)
        .await
        .context("seeding busy times")?;
    sqlx::query(WINDOW_SQL)
        .bind(org_id)
        .bind(case_id)
        .bind(&measured_parties)
        .bind(i64::from(shape.windows))
        .execute(&mut conn)
        .await
        .context("seeding windows")?;
    for table in [
        "users",
        "profiles",
        "user_roles",
        "cases",
        "parties",
        "sessions",
        "mediator_busy",
        "party_availability",
        "mediator_availability",
    ] {
        exec(&mut conn, &format!("VACUUM (ANALYZE) {table}")).await?;
    }
    let mut rows = Vec::new();
    for table in [
        "cases",
        "parties",
        "sessions",
        "mediator_busy",
        "party_availability",
    ] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await?;
        rows.push((table, n));
    }
    let loaded = loaded(&mut conn, mediator_a, case_id).await?;
    conn.close().await?;
    Ok(Seeded {
        org_id,
        mediator_b,
        case_id,
        booking_cases,
        reader_email: email("manager-0"),
        booker_emails,
        secs: started.elapsed().as_secs_f64(),
        loaded,
        rows,
    })
}

/// The rows a slot search on the case reads, with the API's own conditions.
async fn loaded(
    conn: &mut PgConnection,
    mediator: Uuid,
    case_id: Uuid,
) -> anyhow::Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    for (name, sql) in [
        (
            "sessions",
            "SELECT count(*) FROM sessions WHERE mediator_id = $1 AND status = 'booked' AND scheduled_for >= now() - interval '2 days'",
        ),
        (
            "busy",
            "SELECT count(*) FROM mediator_busy WHERE user_id = $1 AND upper(during) > now() - interval '2 days'",
        ),
    ] {
        let (n,): (i64,) = sqlx::query_as(sql)
            .bind(mediator)
            .fetch_one(&mut *conn)
            .await?;
        out.push((name, n));
    }
    let (n,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM party_availability WHERE case_id = $1 AND upper(during) > now()",
    )
    .bind(case_id)
    .fetch_one(&mut *conn)
    .await?;
    out.push(("windows", n));
    Ok(out)
}

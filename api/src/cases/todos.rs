//! What is waiting for the signed-in person on their own cases, across all
//! of them: an intake to finish, their side of a dispute to tell, a proposed
//! mediator to confirm or object to. The client portal shows it as "Your
//! to-do list". Only the reader's own parties and drafts are read, and only
//! identifiers, states and dates: no content.

use async_graphql::{Enum, ID, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::db::{self, TenantTx};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ToDoKind {
    /// A claimant intake begun and not yet filed.
    FinishIntake,
    /// The respondent has not told their side yet.
    TellYourSide,
    /// A mediator was proposed and this party has not answered.
    AnswerMediatorProposal,
    /// An earlier session time is held for the case, until `dueAt`.
    TakeEarlierTime,
}

#[derive(Debug, SimpleObject)]
pub struct ToDo {
    pub kind: ToDoKind,
    /// The case it concerns (none for an intake not yet filed).
    pub case_id: Option<ID>,
    pub case_reference: Option<String>,
    /// The draft to continue, for `FINISH_INTAKE`.
    pub draft_id: Option<ID>,
    pub dispute_type: String,
    /// When it must be done by, when there is a deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// When it became waiting, for ordering.
    pub since: DateTime<Utc>,
}

/// States in which a case still waits on its parties.
const OPEN: &str = "('intake', 'triage', 'assigned', 'scheduling', 'in_mediation')";

/// The reader's to-dos, deadlines first, then oldest first.
pub async fn for_user(tx: &TenantTx, user_id: Uuid) -> AppResult<Vec<ToDo>> {
    let sql = format!(
        "SELECT 'finish' AS kind, NULL::uuid AS case_id, NULL::text AS reference, d.id AS draft_id,
                t.dispute_type, NULL::timestamptz AS due_at, d.updated_at AS since
           FROM intake_drafts d JOIN intake_templates t ON t.id = d.template_id
          WHERE d.user_id = $1 AND d.case_id IS NULL
         UNION ALL
         SELECT 'tell', c.id, c.reference, d.id, c.dispute_type, NULL, p.created_at
           FROM parties p JOIN cases c ON c.id = p.case_id
           LEFT JOIN intake_drafts d ON d.case_id = c.id AND d.user_id = p.user_id
          WHERE p.user_id = $1 AND p.side = 'respondent' AND p.party_type = 'respondent'
            AND c.status IN {OPEN}
            AND NOT EXISTS (SELECT 1 FROM case_submissions s WHERE s.party_id = p.id)
         UNION ALL
         SELECT 'mediator', c.id, c.reference, NULL, c.dispute_type, a.response_deadline, a.created_at
           FROM case_assignments a JOIN cases c ON c.id = a.case_id
           JOIN parties p ON p.case_id = c.id AND p.user_id = $1
          WHERE a.status = 'proposed' AND c.status IN {OPEN}
            AND (a.response_deadline IS NULL OR a.response_deadline > now())
            AND NOT EXISTS (SELECT 1 FROM assignment_responses r
                             WHERE r.assignment_id = a.id AND r.party_id = p.id)
         UNION ALL
         SELECT 'earlier', c.id, c.reference, NULL, c.dispute_type, w.offer_expires_at, w.updated_at
           FROM session_waitlist w JOIN cases c ON c.id = w.case_id
          WHERE w.status = 'offered' AND w.offer_expires_at > now() AND c.status IN {OPEN}
            AND EXISTS (SELECT 1 FROM parties p WHERE p.case_id = c.id AND p.user_id = $1)
         ORDER BY due_at NULLS LAST, since
         LIMIT 100"
    );
    let rows = tx
        .conn()
        .query_all(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [user_id.into()],
        ))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let case_id: Option<Uuid> = row.try_get("", "case_id")?;
        let draft_id: Option<Uuid> = row.try_get("", "draft_id")?;
        out.push(ToDo {
            kind: match kind.as_str() {
                "finish" => ToDoKind::FinishIntake,
                "tell" => ToDoKind::TellYourSide,
                "earlier" => ToDoKind::TakeEarlierTime,
                _ => ToDoKind::AnswerMediatorProposal,
            },
            case_id: case_id.map(|id| ID(id.to_string())),
            case_reference: row.try_get("", "reference")?,
            draft_id: draft_id.map(|id| ID(id.to_string())),
            dispute_type: row.try_get("", "dispute_type")?,
            due_at: db::utc_opt(&row, "due_at")?,
            since: db::utc(&row, "since")?,
        });
    }
    Ok(out)
}

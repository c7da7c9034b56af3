//! A claim's rows written and read: the head, its lines, its events, its
//! status; the claim put back together for the 837P.

use crate::batch::{self, Batch};
use crate::claims::books::{Prepared, Version};
use crate::names::or_parsed;
use crate::platform::audit::current_actor;
use crate::write::next_ids;
use crate::{now_text, Result, StoreError};
use settle_domain::address::KeptAddress;
use settle_domain::claims::{split_person_name, ClaimFrequency, ClaimStatus, Finding, ServiceLine, Sex};
use settle_domain::codes::IcdCode;
use settle_domain::names::PersonName;
use settle_domain::Date;
use settle_x12::p837;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Clone, Debug)]
pub(super) struct ClaimHead {
    pub(super) claim_id: i64,
    pub(super) number: String,
    pub(super) status: ClaimStatus,
    pub(super) frequency: ClaimFrequency,
    pub(super) payer_claim_number: String,
    pub(super) replaces_claim_id: Option<i64>,
    pub(super) charged_entry_id: Option<i64>,
    /// For a secondary claim: the primary claim it follows.
    pub(super) primary_claim_id: Option<i64>,
}

pub(super) const HEAD: &str =
    "SELECT claim_id, claim_number, status, frequency, payer_claim_number, replaces_claim_id, charged_entry_id, primary_claim_id FROM claim WHERE org_id = $1";

pub(super) fn head_from_row(row: &AnyRow) -> Result<ClaimHead> {
    let status: String = row.try_get("status")?;
    let frequency: String = row.try_get("frequency")?;
    Ok(ClaimHead {
        claim_id: row.try_get("claim_id")?,
        number: row.try_get("claim_number")?,
        status: ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))?,
        frequency: ClaimFrequency::parse(&frequency).ok_or_else(|| StoreError::Corrupt(format!("claim frequency {frequency:?}")))?,
        payer_claim_number: row.try_get("payer_claim_number")?,
        replaces_claim_id: row.try_get("replaces_claim_id")?,
        charged_entry_id: row.try_get("charged_entry_id")?,
        primary_claim_id: row.try_get("primary_claim_id")?,
    })
}

pub(super) async fn claim_head(conn: &mut AnyConnection, org_id: i64, number: &str, for_update: &str) -> Result<ClaimHead> {
    let number = number.trim().to_ascii_uppercase();
    let row = sqlx::query(&format!("{HEAD} AND claim_number = $2{for_update}"))
        .bind(org_id)
        .bind(&number)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("claim", &number))?;
    head_from_row(&row)
}

pub(super) async fn claim_head_by_id(conn: &mut AnyConnection, org_id: i64, claim_id: i64) -> Result<ClaimHead> {
    let row = sqlx::query(&format!("{HEAD} AND claim_id = $2"))
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?;
    head_from_row(&row)
}

pub(super) fn diagnosis_text(diagnoses: &[IcdCode]) -> String {
    diagnoses.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(" ")
}

/// A new claim's id and number: `CLM-` and the id, passing over any
/// number already taken (an imported claim keeps the number its sender
/// gave it, which may look like one of ours).
pub(super) async fn next_claim(conn: &mut AnyConnection, org_id: i64) -> Result<(i64, String)> {
    loop {
        let claim_id = next_ids(conn, org_id, "claim", 1).await?;
        let number = format!("CLM-{claim_id:06}");
        if !claim_number_taken(conn, org_id, &number).await? {
            return Ok((claim_id, number));
        }
    }
}

/// Whether a claim in the books already has this number.
pub(super) async fn claim_number_taken(conn: &mut AnyConnection, org_id: i64, number: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 AS taken FROM claim WHERE org_id = $1 AND claim_number = $2")
        .bind(org_id)
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?
        .is_some())
}

pub(super) async fn insert_claim(
    conn: &mut AnyConnection,
    org_id: i64,
    claim_id: i64,
    number: &str,
    p: &Prepared,
    version: Version<'_>,
    replaces: Option<i64>,
) -> Result<()> {
    let Version { frequency, payer_claim_number } = version;
    let now = now_text();
    sqlx::query(
        "INSERT INTO claim (org_id, claim_id, claim_number, account_id, payer_key, coverage_key, billing_provider_key, rendering_provider_key, \
         place_of_service, frequency, replaces_claim_id, payer_claim_number, diagnoses, currency, total_minor, status, status_reason, findings, \
         scrubbed_on, charged_entry_id, batch_id, created_at, updated_at, facts) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'draft', '', '[]', NULL, NULL, NULL, $16, $16, $17)",
    )
    .bind(org_id)
    .bind(claim_id)
    .bind(number)
    .bind(p.account.account_id)
    .bind(p.coverage.payer.payer_key)
    .bind(p.coverage.coverage_key)
    .bind(p.billing.provider_key)
    .bind(p.rendering.as_ref().map(|r| r.provider_key))
    .bind(p.place.as_str())
    .bind(frequency.code())
    .bind(replaces)
    .bind(payer_claim_number)
    .bind(diagnosis_text(&p.diagnoses))
    .bind(p.account.currency.code())
    .bind(p.claim.stated_total.amount_minor())
    .bind(&now)
    .bind(crate::claims::facts_text(&p.claim.facts)?)
    .execute(&mut *conn)
    .await?;
    insert_lines(conn, org_id, claim_id, &p.lines).await?;
    // A void uses no authorization; a corrected claim takes over the uses
    // of the claim it replaces, so a visit is counted once.
    match (frequency, replaces) {
        (ClaimFrequency::Void, _) => Ok(()),
        (ClaimFrequency::Replacement, Some(old)) => {
            crate::claims::authorizations::keep_uses(conn, org_id, old, &[]).await?;
            crate::claims::authorizations::add_uses(conn, org_id, claim_id, &p.uses).await
        }
        _ => crate::claims::authorizations::add_uses(conn, org_id, claim_id, &p.uses).await,
    }
}

pub(super) async fn insert_lines(conn: &mut AnyConnection, org_id: i64, claim_id: i64, lines: &[ServiceLine]) -> Result<()> {
    for (i, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO claim_line (org_id, claim_id, line_no, date_of_service, procedure_code, modifiers, diagnosis_pointers, units_thousandths, charge_minor, place_of_service, item_id, facts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)",
        )
        .bind(org_id)
        .bind(claim_id)
        .bind(i as i64 + 1)
        .bind(l.date_of_service.to_string())
        .bind(l.procedure.as_str())
        .bind(l.modifiers.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(" "))
        .bind(l.diagnosis_pointers.iter().map(u8::to_string).collect::<Vec<_>>().join(" "))
        .bind(l.units.thousandths())
        .bind(l.charge.amount_minor())
        .bind(l.place_of_service.as_ref().map(|p| p.as_str().to_string()))
        .bind(crate::claims::facts_text(&l.facts)?)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Keeps a prepared claim's lines' facts (a number taken from an
/// authorization on file) and its uses, when it is scrubbed or sent
/// without its lines being written again.
pub(super) async fn keep_authorizations(conn: &mut AnyConnection, org_id: i64, claim_id: i64, p: &Prepared) -> Result<()> {
    for (i, l) in p.lines.iter().enumerate() {
        sqlx::query("UPDATE claim_line SET facts = $4 WHERE org_id = $1 AND claim_id = $2 AND line_no = $3")
            .bind(org_id)
            .bind(claim_id)
            .bind(i as i64 + 1)
            .bind(crate::claims::facts_text(&l.facts)?)
            .execute(&mut *conn)
            .await?;
    }
    crate::claims::authorizations::keep_uses(conn, org_id, claim_id, &p.uses).await
}

pub(super) async fn add_event(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str) -> Result<()> {
    let seq: i64 = sqlx::query("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) AS seq FROM claim_event WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("seq")?;
    sqlx::query("INSERT INTO claim_event (org_id, claim_id, seq, status, note, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(org_id)
        .bind(claim_id)
        .bind(seq)
        .bind(status.as_str())
        .bind(note)
        .bind(current_actor().name)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(super) async fn set_status(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str, findings: &[Finding]) -> Result<()> {
    sqlx::query("UPDATE claim SET status = $3, status_reason = $4, findings = $5, updated_at = $6 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(status.as_str())
        .bind(note)
        .bind(serde_json::to_string(findings)?)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    add_event(conn, org_id, claim_id, status, note).await
}

/// Marks many claims submitted in one file on the business day `on` (the
/// follow-up list counts from it): statuses, file, and an event each, in a
/// few statements whatever their number.
pub(super) async fn mark_submitted(conn: &mut AnyConnection, org_id: i64, claim_ids: &[i64], file_id: i64, on: settle_domain::Date, note: &str) -> Result<()> {
    let now = now_text();
    let actor = current_actor().name;
    for chunk in claim_ids.chunks(2_000) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query(&format!(
            "UPDATE claim SET status = 'submitted', status_reason = $2, batch_id = $3, updated_at = $4, submitted_on = $5 WHERE org_id = $1 AND claim_id IN ({list})"
        ))
        .bind(org_id)
        .bind(note)
        .bind(file_id)
        .bind(&now)
        .bind(on.to_string())
        .execute(&mut *conn)
        .await?;
        let seqs = sqlx::query(&format!(
            "SELECT claim_id, CAST(MAX(seq) AS BIGINT) AS seq FROM claim_event WHERE org_id = $1 AND claim_id IN ({list}) GROUP BY claim_id"
        ))
        .bind(org_id)
        .fetch_all(&mut *conn)
        .await?;
        let last: HashMap<i64, i64> = seqs.iter().map(|r| Ok((r.try_get("claim_id")?, r.try_get("seq")?))).collect::<Result<_>>()?;
        let mut batch = Batch::default();
        for id in chunk {
            batch.push(batch::ClaimEventRow {
                org_id: org_id.into(),
                claim_id: (*id).into(),
                seq: (last.get(id).copied().unwrap_or(0) + 1).into(),
                status: "submitted".into(),
                note: note.into(),
                actor: actor.clone().into(),
                at: now.clone().into(),
            });
        }
        batch.flush(conn, org_id).await?;
    }
    Ok(())
}

/// Moves a claim to `status` with a note, keeping its findings (an
/// acknowledgment, a submission, a remittance).
/// A note on the claim's history, its status unchanged.
pub(super) async fn note_event(conn: &mut AnyConnection, org_id: i64, claim_id: i64, note: &str) -> Result<()> {
    let status: String = sqlx::query("SELECT status FROM claim WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("status")?;
    let status = ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status}")))?;
    add_event(conn, org_id, claim_id, status, note).await
}

/// After a denial is written off: a denied or partly paid claim that owes
/// nothing more is closed (nothing was paid) or paid.
pub(super) async fn settle_claim_status(conn: &mut AnyConnection, org_id: i64, claim_id: i64) -> Result<()> {
    let row = sqlx::query(
        "SELECT c.status, CAST(COALESCE(SUM(o.balance_minor), 0) AS BIGINT) AS balance_minor FROM claim c LEFT JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.claim_id \
         LEFT JOIN open_item o ON o.org_id = l.org_id AND o.item_id = l.item_id WHERE c.org_id = $1 AND c.claim_id = $2 GROUP BY c.status",
    )
    .bind(org_id)
    .bind(claim_id)
    .fetch_one(&mut *conn)
    .await?;
    let (status, owed): (String, i64) = (row.try_get("status")?, row.try_get("balance_minor")?);
    if owed != 0 {
        return Ok(());
    }
    match ClaimStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("claim status {status:?}")))? {
        ClaimStatus::Denied => set_status_keep_findings(conn, org_id, claim_id, ClaimStatus::Closed, "closed: the denied amount was written off").await,
        ClaimStatus::PartiallyPaid => set_status_keep_findings(conn, org_id, claim_id, ClaimStatus::Paid, "paid: the denied rest was written off").await,
        _ => Ok(()),
    }
}

pub(super) async fn set_status_keep_findings(conn: &mut AnyConnection, org_id: i64, claim_id: i64, status: ClaimStatus, note: &str) -> Result<()> {
    sqlx::query("UPDATE claim SET status = $3, status_reason = $4, updated_at = $5 WHERE org_id = $1 AND claim_id = $2")
        .bind(org_id)
        .bind(claim_id)
        .bind(status.as_str())
        .bind(note)
        .bind(now_text())
        .execute(&mut *conn)
        .await?;
    add_event(conn, org_id, claim_id, status, note).await
}

pub(super) fn person(name: PersonName, date_of_birth: Option<Date>, sex: Sex, address: Option<&KeptAddress>) -> p837::PersonOut {
    let PersonName { last, first, middle, suffix } = name;
    p837::PersonOut {
        last,
        first,
        middle,
        suffix,
        date_of_birth,
        sex,
        address: address.and_then(KeptAddress::postal).cloned(),
    }
}

pub(super) fn claim_out(number: &str, head: &ClaimHead, p: &Prepared) -> Result<p837::ClaimOut> {
    let c = &p.coverage;
    let patient = person(
        or_parsed(p.patient.parts.as_ref(), &p.patient.name),
        p.patient.date_of_birth,
        p.patient.sex,
        p.patient.address.as_ref(),
    );
    let (subscriber, dependent) = if c.relationship == "self" {
        (patient, None)
    } else {
        let subscriber = person(or_parsed(c.subscriber_parts.as_ref(), &c.subscriber_name), None, Sex::Unknown, None);
        (subscriber, Some((c.relationship_code().to_string(), patient)))
    };
    let rendering = p.rendering.as_ref().filter(|r| r.npi != p.billing.npi).map(|r| {
        let (last, first) = split_person_name(&r.name);
        p837::RenderingOut {
            last: last.to_ascii_uppercase(),
            first: first.to_ascii_uppercase(),
            npi: r.npi.clone(),
            taxonomy: r.taxonomy.clone(),
        }
    });
    let other_coverage = p
        .others
        .iter()
        .map(|o| {
            let name = if o.relationship == "self" {
                or_parsed(p.patient.parts.as_ref(), &p.patient.name)
            } else {
                or_parsed(o.subscriber_parts.as_ref(), &o.subscriber_name)
            };
            let (last, first) = name.two_parts();
            p837::OtherCoverage {
                priority: o.priority_code(),
                relationship: o.relationship_code().to_string(),
                group_number: o.group_number.clone(),
                filing_indicator: o.payer.filing.code().to_string(),
                subscriber_last: last.to_ascii_uppercase(),
                subscriber_first: first.to_ascii_uppercase(),
                member_id: o.member_id.clone(),
                payer_name: o.payer.name.clone(),
                payer_id: o.payer.code.clone(),
                adjudication: None,
            }
        })
        .collect();
    Ok(p837::ClaimOut {
        claim_number: number.to_string(),
        total: p.claim.stated_total,
        place_of_service: p.place.as_str().to_string(),
        frequency: head.frequency,
        payer_claim_number: head.payer_claim_number.clone(),
        priority: c.priority_code(),
        filing_indicator: c.payer.filing.code().to_string(),
        group_number: c.group_number.clone(),
        subscriber,
        member_id: c.member_id.clone(),
        dependent,
        diagnoses: p.diagnoses.clone(),
        rendering,
        other_coverage,
        lines: p
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| p837::LineOut {
                control_number: format!("{number}-{}", i + 1),
                date_of_service: l.date_of_service,
                procedure: l.procedure.clone(),
                modifiers: l.modifiers.clone(),
                charge: l.charge,
                units: l.units,
                place_of_service: l.place_of_service.as_ref().map(|x| x.as_str().to_string()),
                diagnosis_pointers: l.diagnosis_pointers.clone(),
                facts: l.facts.clone(),
            })
            .collect(),
        facts: p.claim.facts.clone(),
    })
}

// ---------------------------------------------------------------- 837P in

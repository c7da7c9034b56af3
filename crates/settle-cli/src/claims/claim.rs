//! `settle claim ...`: enter visits as claims, see the scrubber's findings,
//! send ready claims as 837P, and read acknowledgments back.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use settle_domain::Date;
use settle_store::claims::{
    ClaimFilter, ClaimInput, ClaimView, CorrectClaim, EditClaim, ExportClaims, FindingView, ImportAcknowledgment, NewClaim, ScrubClaim, VoidClaim,
};
use settle_store::platform::Organisation;
use settle_store::Store;

use crate::output::rows;

fn rows_out(header: &[&str], table: &[Vec<String>]) -> Result<()> {
    rows(header, table, Format::Table)
}
use crate::Format;

#[derive(Subcommand, Debug)]
pub enum ClaimCommand {
    /// Check a visit (JSON) against payer, coverage, provider and code sets without saving it; exit 1 on errors.
    Scrub {
        file: PathBuf,
        /// The day to check timely filing against; today if absent.
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Enter a visit (JSON) as a claim: scrubbed at once, and charged to the payer if it is ready.
    Create {
        file: PathBuf,
        /// Save without scrubbing, to finish later.
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Replace a claim's codes and lines with a visit (JSON); scrubbed again.
    Edit {
        claim: String,
        file: PathBuf,
        #[arg(long)]
        draft: bool,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Scrub a saved claim again (after fixing a coverage or a provider).
    Rescrub {
        claim: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// A claim with its findings, lines and history.
    Show {
        claim: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Claims, newest first; `--status rejected` is the rejection worklist.
    List {
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        payer: Option<String>,
        #[arg(long)]
        account: Option<String>,
        /// Only claims whose number, account number or patient's name holds this text.
        #[arg(long)]
        search: Option<String>,
        /// How many claims to show, newest first (at most 5000); when more
        /// match, the command says how to see them.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=5000))]
        limit: i64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Start a corrected claim (frequency 7) for one the payer has.
    Correct {
        claim: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Void a claim (frequency 8 if the payer has it); its charges come off.
    Void {
        claim: String,
        #[arg(long)]
        reason: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Send every ready claim for a payer as one 837P file.
    Export {
        #[arg(long)]
        payer: String,
        /// Where to write the file; printed if absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Mark the interchange as production (ISA15 P) rather than test.
        #[arg(long)]
        production: bool,
        /// Only these of the payer's ready claims (every ready claim when none is named).
        claims: Vec<String>,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Read a 999 or 277CA and move the claims it names, or a 271 into the coverages it answers.
    Ack { file: PathBuf },
    /// Take in the claims of an 837P from another system (all or nothing), adding the patients, payers, providers and coverages it names.
    Import {
        file: PathBuf,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Post an 835 ERA: each claim's payment, write-downs and patient share; unmatched claims go to the exception list. Refused whole if it does not balance or was posted before.
    Remit {
        file: PathBuf,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// The underpayment worklist: lines paid below the payer's allowed amount (`settle fees import --payer`).
    Underpaid,
    /// The ERA exception list: claims a payer answered that were not posted, why, and what is held in suspense.
    Exceptions,
    /// Resolve an ERA exception (its ERA id and place, from `settle claim exceptions`): post it to the claim it answers, or return it to the payer.
    Resolve {
        remittance: i64,
        seq: i64,
        /// The claim this ERA claim answers; posted now, its payment taken out of suspense.
        #[arg(long, conflicts_with = "return_to_payer", required_unless_present = "return_to_payer")]
        claim: Option<String>,
        /// Not ours: what it paid becomes owed back to the payer.
        #[arg(long = "return")]
        return_to_payer: bool,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// Paid claims whose patient share a secondary coverage should see first.
    Secondaries,
    /// Start the secondary claim for a paid primary (the same visit, with the primary's answer in the 837P).
    Secondary {
        claim: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// The denial worklist: denied lines with their reasons in words, the next step and the appeal deadline.
    Denials {
        /// open (open and appealed, the default), appealed, corrected, written_off, resolved or all.
        #[arg(long)]
        status: Option<String>,
        /// Only this payer's.
        #[arg(long)]
        payer: Option<String>,
        /// Only denials with this reason code (50 or CO-50).
        #[arg(long)]
        reason: Option<String>,
        /// Each denial in full, reasons and remarks in words.
        #[arg(long)]
        long: bool,
    },
    /// Appeal a denial: it is marked appealed and the letter is written as PDF.
    Appeal {
        denial: i64,
        /// Why the payer should pay, printed in the letter.
        #[arg(long)]
        argument: String,
        /// Where to write the letter; appeal-<claim>.pdf if absent.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a denial off: its open amount is adjusted off as contractual.
    WriteOff {
        denial: i64,
        /// Why it is not worth working.
        #[arg(long)]
        memo: String,
        #[arg(long)]
        as_of: Option<Date>,
    },
    /// X12 files sent and received.
    Files,
    /// Write an X12 file Settle sent or received.
    File {
        id: i64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn read_input(path: &Path) -> Result<ClaimInput> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a visit (see `settle claim --help` and the README)", path.display()))
}

/// An X12 file's name and text.
fn read_x12(file: &Path) -> Result<(String, String)> {
    let body = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((name, body))
}

fn print_findings(findings: &[FindingView]) {
    for f in findings {
        let level = if f.level == "error" { "ERROR" } else { "warning" };
        println!("{level} {} ({}): {}", f.field, f.x12, f.message);
    }
}

fn print_claim(claim: &ClaimView) {
    println!(
        "{}  {}  {} ({})  {} {}  {}",
        claim.claim_number, claim.status, claim.account_number, claim.patient_name, claim.payer_code, claim.coverage_priority, claim.total
    );
    if !claim.status_reason.is_empty() {
        println!("  {}", claim.status_reason);
    }
    if !claim.payer_claim_number.is_empty() {
        println!("  the payer's claim number: {}", claim.payer_claim_number);
    }
    print_findings(&claim.findings);
}

pub async fn run(store: &Store, org: &Organisation, command: ClaimCommand, today: Date) -> Result<ExitCode> {
    match command {
        ClaimCommand::Scrub { file, as_of } => {
            let input = read_input(&file)?;
            let findings = store.check_claim(org, &input, as_of.unwrap_or(today)).await?;
            if findings.is_empty() {
                println!("{}: ready to send; no findings.", file.display());
                return Ok(ExitCode::SUCCESS);
            }
            print_findings(&findings);
            let errors = findings.iter().filter(|f| f.level == "error").count();
            if errors == 0 {
                println!("{}: ready to send, with {} warning(s) to look at.", file.display(), findings.len());
                Ok(ExitCode::SUCCESS)
            } else {
                println!("{}: not ready: {errors} error(s) to fix first.", file.display());
                Ok(ExitCode::FAILURE)
            }
        }
        ClaimCommand::Create { file, draft, as_of } => {
            let claim = read_input(&file)?;
            let view = store.create_claim(org, &NewClaim { claim, draft }, as_of.unwrap_or(today), None).await?;
            print_claim(&view);
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Edit { claim, file, draft, as_of } => {
            let input = read_input(&file)?;
            let view = store
                .edit_claim(
                    org,
                    &EditClaim {
                        claim_number: claim,
                        claim: input,
                        draft,
                    },
                    as_of.unwrap_or(today),
                    None,
                )
                .await?;
            print_claim(&view);
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Rescrub { claim, as_of } => {
            let view = store.scrub_claim(org, &ScrubClaim { claim_number: claim }, as_of.unwrap_or(today)).await?;
            print_claim(&view);
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Show { claim, format } => {
            let view = store.claim(org, &claim).await?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&view)?);
                return Ok(ExitCode::SUCCESS);
            }
            print_claim(&view);
            println!(
                "  billing NPI {}, rendering {}, place of service {}, frequency {}{}",
                view.billing_npi,
                view.rendering_npi.as_deref().unwrap_or("-"),
                view.place_of_service,
                view.frequency,
                view.replaces.as_deref().map(|r| format!(" (for {r})")).unwrap_or_default()
            );
            println!("  diagnoses: {}", view.diagnoses.join(", "));
            for (label, value) in view.facts.described() {
                println!("  {label}: {value}");
            }
            for l in &view.lines {
                let facts = l.facts.described();
                if !facts.is_empty() {
                    println!("  line {}: {facts}", l.line_no);
                }
            }
            let lines: Vec<Vec<String>> = view
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.line_no.to_string(),
                        l.date_of_service.clone(),
                        l.procedure_code.clone(),
                        l.modifiers.join(" "),
                        l.diagnosis_pointers.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
                        l.units.to_string(),
                        l.charge.clone(),
                        l.balance.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            rows(
                &["line", "date", "code", "modifiers", "pointers", "units", "charge", "payer owes"],
                &lines,
                format,
            )?;
            println!("history:");
            for e in &view.events {
                println!("  {}  {:<10} {}  ({})", e.at, e.status, e.note, e.actor);
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::List {
            status,
            payer,
            account,
            search,
            limit,
            format,
        } => {
            // One more than shown, to know whether any were left out.
            let mut claims = store
                .claims(
                    org,
                    &ClaimFilter {
                        status,
                        payer_code: payer,
                        account_number: account,
                        search,
                        limit: Some(limit + 1),
                        ..Default::default()
                    },
                )
                .await?;
            let left_out = claims.len() as i64 > limit;
            claims.truncate(limit as usize);
            let table: Vec<Vec<String>> = claims
                .iter()
                .map(|c| {
                    vec![
                        c.claim_number.clone(),
                        c.status.clone(),
                        c.account_number.clone(),
                        c.patient_name.clone(),
                        c.payer_code.clone(),
                        c.first_date_of_service.clone(),
                        c.total.clone(),
                        c.errors.to_string(),
                        c.status_reason.clone(),
                    ]
                })
                .collect();
            rows(
                &["claim", "status", "account", "patient", "payer", "service", "total", "errors", "why"],
                &table,
                format,
            )?;
            if left_out {
                eprintln!("Only the newest {limit} matching claims are shown; narrow with --status, --payer, --account or --search, or raise --limit.");
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Correct { claim, as_of } => {
            let view = store.correct_claim(org, &CorrectClaim { claim_number: claim }, as_of.unwrap_or(today)).await?;
            print_claim(&view);
            println!(
                "Edit it with `settle claim edit {} VISIT.json`; it goes with the next batch once ready.",
                view.claim_number
            );
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Void { claim, reason, as_of } => {
            let view = store
                .void_claim(org, &VoidClaim { claim_number: claim, reason }, as_of.unwrap_or(today))
                .await?;
            print_claim(&view);
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Export {
            payer,
            out,
            production,
            claims,
            as_of,
        } => {
            let outcome = store
                .export_claims(
                    org,
                    &ExportClaims {
                        payer_code: payer,
                        production,
                        claims,
                    },
                    as_of.unwrap_or(today),
                )
                .await?;
            for held in &outcome.held {
                println!("held back {}:", held.claim_number);
                print_findings(&held.findings);
            }
            if outcome.claims.is_empty() {
                println!("No claims sent: none ready for this payer.");
                return Ok(if outcome.held.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
            }
            match out {
                Some(path) => {
                    std::fs::write(&path, &outcome.body).with_context(|| format!("writing {}", path.display()))?;
                    println!(
                        "Wrote {} ({} claim(s), {} total, ISA13 {:09}, file {}).",
                        path.display(),
                        outcome.claims.len(),
                        outcome.total,
                        outcome.interchange_control,
                        outcome.file_id.unwrap_or_default()
                    );
                }
                None => print!("{}", outcome.body),
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Ack { file } => {
            let (name, body) = read_x12(&file)?;
            let outcome = store.import_acknowledgment(org, &ImportAcknowledgment { file_name: name, body }).await?;
            println!(
                "{} read: {} claim(s) changed, {} unchanged, {} not matched.",
                outcome.kind,
                outcome.applied.len(),
                outcome.unchanged.len(),
                outcome.unmatched.len()
            );
            for a in &outcome.applied {
                println!("  {} -> {}: {}", a.claim_number, a.status, a.note);
            }
            for a in &outcome.unchanged {
                println!("  {} stays {}: {}", a.claim_number, a.status, a.note);
            }
            for e in &outcome.eligibility {
                println!(
                    "  {} with {}: {} {} {}{}{}{}",
                    e.account_number,
                    e.payer_code,
                    e.status,
                    e.plan_name,
                    e.plan_begin.as_deref().map(|b| format!("from {b} ")).unwrap_or_default(),
                    e.copay.as_deref().map(|c| format!("copay {c} ")).unwrap_or_default(),
                    e.coinsurance_percent.as_deref().map(|c| format!("coinsurance {c}% ")).unwrap_or_default(),
                    e.deductible.as_deref().map(|c| format!("deductible {c}")).unwrap_or_default()
                );
            }
            for u in &outcome.unmatched {
                println!("  not matched: {u}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Import { file, as_of } => {
            let (name, body) = read_x12(&file)?;
            let outcome = store
                .import_837p(org, &settle_store::claims::Import837 { file_name: name, body }, as_of.unwrap_or(today))
                .await?;
            println!(
                "Imported {} claim(s); added {} patient account(s), {} payer(s), {} provider(s), {} coverage(s).",
                outcome.claims.len(),
                outcome.accounts_added.len(),
                outcome.payers_added.len(),
                outcome.providers_added.len(),
                outcome.coverages_added
            );
            for c in &outcome.claims {
                println!(
                    "  {} (theirs {}) {} {}{}",
                    c.claim_number,
                    c.their_number,
                    c.account_number,
                    c.status,
                    if c.errors > 0 {
                        format!(", {} error(s) to fix", c.errors)
                    } else {
                        String::new()
                    }
                );
            }
            if !outcome.not_kept.is_empty() {
                println!("Read but not kept (Settle has no place for these yet; keep the file if you need them):");
                for line in &outcome.not_kept {
                    println!("  {line}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Remit { file, as_of } => {
            let (name, body) = read_x12(&file)?;
            let outcomes = store
                .post_835(org, &settle_store::claims::Import835 { file_name: name, body }, as_of.unwrap_or(today))
                .await?;
            for r in &outcomes {
                println!(
                    "ERA {} ({}): {} claim(s) posted, {} in the exception list ({} held in suspense); provider-level adjustments {}.",
                    r.trace, r.amount, r.posted, r.exceptions, r.held_in_suspense, r.provider_adjustments
                );
                for c in &r.claims {
                    match c.outcome.as_str() {
                        "posted" => println!(
                            "  {} -> {}: paid {}, written down {}, patient {}",
                            c.claim_number.as_deref().unwrap_or(&c.their_claim_number),
                            c.status,
                            c.paid,
                            c.written_down,
                            c.patient
                        ),
                        _ => println!("  {} not posted: {}", c.their_claim_number, c.reason),
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Exceptions => {
            let rows: Vec<Vec<String>> = store
                .remit_exceptions(org)
                .await?
                .into_iter()
                .map(|x| {
                    vec![
                        x.remittance_id.to_string(),
                        x.seq.to_string(),
                        x.trace,
                        x.their_claim_number,
                        x.paid,
                        x.held,
                        x.reason,
                    ]
                })
                .collect();
            rows_out(&["era", "seq", "trace", "their claim", "paid", "in suspense", "why not posted"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Resolve {
            remittance,
            seq,
            claim,
            return_to_payer,
            note,
            as_of,
        } => {
            let cmd = settle_store::claims::ResolveRemitException {
                remittance_id: remittance,
                seq,
                claim_number: claim,
                return_to_payer,
                note,
            };
            let r = store.resolve_remit_exception(org, &cmd, as_of.unwrap_or(today)).await?;
            match r.outcome.as_str() {
                "posted" => println!(
                    "{} posted to {} -> {}: paid {}, written down {}, patient {}",
                    r.their_claim_number,
                    r.claim_number.unwrap_or_default(),
                    r.status,
                    r.paid,
                    r.written_down,
                    r.patient
                ),
                "returned" => println!("{}: {} owed back to the payer (refunds payable)", r.their_claim_number, r.paid),
                _ => println!("{}: closed (it paid nothing)", r.their_claim_number),
            }
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Secondaries => {
            let rows: Vec<Vec<String>> = store
                .secondaries_due(org)
                .await?
                .into_iter()
                .map(|d| {
                    vec![
                        d.claim_number,
                        d.account_number,
                        d.patient_name,
                        d.primary_payer,
                        d.secondary_payer,
                        d.patient_share,
                    ]
                })
                .collect();
            rows_out(&["claim", "account", "patient", "primary", "secondary", "patient share"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Secondary { claim, as_of } => {
            let c = store
                .bill_secondary(
                    org,
                    &settle_store::claims::BillSecondary { claim_number: claim.clone() },
                    as_of.unwrap_or(today),
                )
                .await?;
            println!(
                "{}: secondary claim to {} for {claim}, {}; `settle claim export --payer {}` sends it with the primary's answer.",
                c.claim_number, c.payer_name, c.status, c.payer_code
            );
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Underpaid => {
            let rows: Vec<Vec<String>> = store
                .underpayments(org)
                .await?
                .into_iter()
                .map(|u| {
                    vec![
                        u.claim_number,
                        u.line_no.to_string(),
                        u.procedure_code,
                        u.payer_code,
                        u.allowed,
                        u.paid,
                        u.patient,
                        u.short,
                        u.trace,
                    ]
                })
                .collect();
            rows_out(&["claim", "line", "code", "payer", "allowed", "paid", "patient", "short", "ERA"], &rows)?;
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Denials { status, payer, reason, long } => {
            let filter = settle_store::claims::DenialFilter {
                status,
                payer,
                reason,
                claim: None,
            };
            let denials = store.denials(org, &filter, today).await?;
            if long {
                for d in &denials {
                    println!(
                        "denial {}: {} line {} {} {} ({}) for {}, {} denied, {} owed; {}; appeal by {} ({} days)",
                        d.denial_id,
                        d.claim_number,
                        d.line_no.map(|n| n.to_string()).unwrap_or_default(),
                        d.procedure_code,
                        d.date_of_service,
                        d.payer_code,
                        d.patient_name,
                        d.amount,
                        d.open,
                        d.status,
                        d.appeal_by,
                        d.days_left
                    );
                    for r in d.reasons.iter().chain(&d.remarks) {
                        println!("  {}: {}", r.code, r.meaning);
                    }
                    println!("  next step: {}", d.next_step);
                }
                return Ok(ExitCode::SUCCESS);
            }
            let table: Vec<Vec<String>> = denials
                .into_iter()
                .map(|d| {
                    vec![
                        d.denial_id.to_string(),
                        d.claim_number,
                        d.line_no.map(|n| n.to_string()).unwrap_or_default(),
                        d.procedure_code,
                        d.payer_code,
                        d.amount,
                        d.open,
                        d.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>().join(" "),
                        d.next_step,
                        d.appeal_by,
                        d.status,
                    ]
                })
                .collect();
            rows_out(
                &[
                    "denial",
                    "claim",
                    "line",
                    "code",
                    "payer",
                    "denied",
                    "owed",
                    "reasons",
                    "next step",
                    "appeal by",
                    "status",
                ],
                &table,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Appeal { denial, argument, out } => {
            let letter = store
                .appeal_denial(org, &settle_store::claims::AppealDenial { denial_id: denial, argument }, today)
                .await?;
            let path = out.unwrap_or_else(|| PathBuf::from(format!("appeal-{}.pdf", letter.claim_number)));
            std::fs::write(&path, settle_pdf::letters::appeal_letter(&letter)).with_context(|| format!("writing {}", path.display()))?;
            println!("denial {denial} on claim {} appealed; the letter is in {}", letter.claim_number, path.display());
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::WriteOff { denial, memo, as_of } => {
            let d = store
                .write_off_denial(
                    org,
                    &settle_store::claims::WriteOffDenial {
                        denial_id: denial,
                        date: as_of.unwrap_or(today),
                        memo,
                    },
                )
                .await?;
            println!("denial {denial} on claim {}: {} written off", d.claim_number, d.amount);
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::Files => {
            let files = store.x12_files(org).await?;
            let table: Vec<Vec<String>> = files
                .iter()
                .map(|f| {
                    vec![
                        f.file_id.to_string(),
                        f.direction.clone(),
                        f.kind.clone(),
                        f.payer_code.clone().unwrap_or_default(),
                        format!("{:09}", f.interchange_control),
                        f.claim_count.to_string(),
                        f.total.clone(),
                        f.created_at.clone(),
                        f.summary.clone(),
                    ]
                })
                .collect();
            rows(
                &["file", "dir", "kind", "payer", "ISA13", "claims", "total", "at", "summary"],
                &table,
                Format::Table,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        ClaimCommand::File { id, out } => {
            let (_, body) = store.x12_file_body(org, id).await?;
            match out {
                Some(path) => std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{body}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum StatementCommand {
    /// Send the statements due: one per patient account with a balance after insurance and none within the cycle.
    Run {
        /// The statement date; today if absent.
        #[arg(long)]
        as_of: Option<Date>,
        /// Days between two statements to one account.
        #[arg(long, default_value_t = 30)]
        cycle_days: u32,
        /// The smallest balance worth a statement.
        #[arg(long, default_value = "5.00")]
        min_balance: String,
        /// Say what would be sent; send nothing.
        #[arg(long)]
        dry_run: bool,
        /// Write the day's statements into one PDF for printing and mailing.
        #[arg(long)]
        out: Option<PathBuf>,
        /// One patient's statement now, whatever the cycle and the smallest balance.
        #[arg(long)]
        account: Option<String>,
    },
    /// Statements sent, newest first.
    List {
        #[arg(long)]
        account: Option<String>,
    },
    /// Write one statement as PDF.
    Pdf {
        id: i64,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn statements(store: &Store, org: &Organisation, command: StatementCommand, today: Date) -> Result<ExitCode> {
    let table = |list: &[settle_store::claims::StatementSummary]| -> Result<()> {
        let table: Vec<Vec<String>> = list.iter().map(|s| s.cells()).collect();
        rows_out(&["statement", "account", "to", "date", "no.", "visits", "amount", "due"], &table)
    };
    match command {
        StatementCommand::Run {
            as_of,
            cycle_days,
            min_balance,
            dry_run,
            out,
            account,
        } => {
            let as_of = as_of.unwrap_or(today);
            let one = account.is_some();
            let outcome = store
                .run_statements(
                    org,
                    &settle_store::claims::StatementRun {
                        as_of,
                        cycle_days: Some(cycle_days),
                        min_balance: Some(min_balance),
                        dry_run,
                        account_number: account,
                    },
                )
                .await?;
            table(&outcome.statements)?;
            println!(
                "{} {} statement(s) for {} on {}; {} account(s) had one within the last {cycle_days} days",
                if dry_run { "Would send" } else { "Sent" },
                outcome.count,
                outcome.total,
                outcome.as_of,
                outcome.skipped_in_cycle
            );
            if let (Some(path), false, Some(made)) = (&out, dry_run, outcome.statements.first().filter(|_| one)) {
                let s = store.statement(org, made.statement_id).await?;
                std::fs::write(path, settle_pdf::letters::statement(&s)).with_context(|| format!("writing {}", path.display()))?;
                println!("statement {} for account {} is in {}", s.statement_number, s.account_number, path.display());
            } else if let (Some(path), false) = (out, dry_run) {
                let day = store.statements_of_day(org, as_of).await?;
                let pdf = settle_pdf::letters::statements(&day, &format!("Statements of {as_of}"));
                std::fs::write(&path, pdf).with_context(|| format!("writing {}", path.display()))?;
                println!("The day's {} statement(s) are in {}", day.len(), path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        StatementCommand::List { account } => {
            table(&store.statements(org, account.as_deref()).await?)?;
            Ok(ExitCode::SUCCESS)
        }
        StatementCommand::Pdf { id, out } => {
            let s = store.statement(org, id).await?;
            let path = out.unwrap_or_else(|| PathBuf::from(format!("statement-{}.pdf", s.statement_number)));
            std::fs::write(&path, settle_pdf::letters::statement(&s)).with_context(|| format!("writing {}", path.display()))?;
            println!("statement {} for account {} is in {}", s.statement_number, s.account_number, path.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

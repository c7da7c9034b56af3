//! Money in: ACH (issue 24): files read, mandates, debits, the daily run, returns; the bank simulator.

pub mod ach;
pub mod ach_books;
pub mod bank;

/// A bank's file refused: what, and every problem, on standard error; exit 1.
pub(crate) fn refused(path: &std::path::Path, problems: &[settle_domain::file_problem::Problem]) -> std::process::ExitCode {
    eprintln!(
        "{}: refused, nothing read ({} problem{}):",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        eprintln!("  {p}");
    }
    std::process::ExitCode::FAILURE
}

//! A CSV file read whole before anything is done with it: the header
//! checked (a column Settle does not read is refused with the nearest one
//! it does, a required one missing is named), every row kept with its line,
//! and every problem named by line and column. Imports from the command
//! line and from the pages read files the same way.

use settle_domain::money::{Currency, Money};
use settle_domain::Date;

/// A problem with one cell or row. Lines count from 1, the header being line 1.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub line: u64,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "line {}: {}", self.line, self.reason)
        } else {
            write!(f, "line {}, column {}: {}", self.line, self.column, self.reason)
        }
    }
}

/// A file's header and rows, and what is wrong with them so far.
pub struct CsvFile {
    headers: Vec<String>,
    pub rows: Vec<(u64, csv::StringRecord)>,
    pub problems: Vec<Problem>,
    /// The file's content, for refusing the same file twice.
    pub sha256: String,
}

/// The known column nearest to `name` by edit distance, if any is close.
fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(name, k), *k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min()
        .map(|(_, k)| k)
}

impl CsvFile {
    /// Reads `bytes` as CSV with these columns; an unreadable header line
    /// is the one problem that stops the reading.
    pub fn read(bytes: &[u8], required: &[&str], optional: &[&str]) -> Result<CsvFile, Problem> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| Problem {
                line: 1,
                column: String::new(),
                reason: format!("the header line cannot be read: {e}"),
            })?
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let mut problems = Vec::new();
        let known: Vec<&str> = required.iter().chain(optional).copied().collect();
        // A column Settle does not read is refused, not ignored: a typo such as
        // apply_too would otherwise send a payment somewhere else quietly.
        for (index, header) in headers.iter().enumerate() {
            if !known.contains(&header.as_str()) {
                let hint = match nearest(header, &known) {
                    Some(near) => format!("did you mean {near}?"),
                    None => format!("the columns are {}", known.join(", ")),
                };
                problems.push(Problem {
                    line: 1,
                    column: header.clone(),
                    reason: format!("not a column Settle reads; {hint}"),
                });
            } else if headers[..index].contains(header) {
                problems.push(Problem {
                    line: 1,
                    column: header.clone(),
                    reason: "appears twice in the header".into(),
                });
            }
        }
        for column in required {
            if !headers.iter().any(|h| h == column) {
                problems.push(Problem {
                    line: 1,
                    column: (*column).to_string(),
                    reason: format!("required column is missing (the header has: {})", headers.join(", ")),
                });
            }
        }
        let mut rows = Vec::new();
        for record in reader.records() {
            match record {
                Ok(record) => rows.push((record.position().map_or(0, |p| p.line()), record)),
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line());
                    problems.push(Problem {
                        line,
                        column: String::new(),
                        reason: format!("not valid CSV: {error}"),
                    });
                }
            }
        }
        if rows.is_empty() && problems.is_empty() {
            problems.push(Problem {
                line: 2,
                column: String::new(),
                reason: "the file has no rows".into(),
            });
        }
        Ok(CsvFile {
            headers,
            rows,
            problems,
            sha256: crate::sha256_hex_bytes(bytes),
        })
    }

    /// A row's cell in `column` ("" when the file has no such column).
    pub fn get<'a>(&self, record: &'a csv::StringRecord, column: &str) -> &'a str {
        self.headers.iter().position(|h| h == column).and_then(|i| record.get(i)).unwrap_or("")
    }
}

/// A date cell, or its problem.
pub fn check_date(problems: &mut Vec<Problem>, line: u64, column: &str, text: &str) -> Option<Date> {
    match text.parse::<Date>() {
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(Problem {
                line,
                column: column.into(),
                reason: format!("{text:?} is not a date like 2026-01-31"),
            });
            None
        }
    }
}

/// A money cell's problem, if any (above zero when `positive`).
pub fn check_money(problems: &mut Vec<Problem>, line: u64, column: &str, text: &str, currency: Currency, positive: bool) {
    match Money::parse(text, currency) {
        Ok(m) if positive && m.amount_minor() <= 0 => problems.push(Problem {
            line,
            column: column.into(),
            reason: format!("{text:?} must be greater than zero"),
        }),
        Ok(_) => {}
        Err(e) => problems.push(Problem {
            line,
            column: column.into(),
            reason: e.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_column_is_refused_with_the_one_meant() {
        let file = CsvFile::read(
            b"procedure_code,ammount,effective_from\n99213,90.00,2026-01-01\n",
            &["procedure_code", "amount", "effective_from"],
            &[],
        )
        .unwrap();
        let reasons: Vec<String> = file.problems.iter().map(|p| p.to_string()).collect();
        assert!(
            reasons.iter().any(|r| r.contains("column ammount") && r.contains("did you mean amount?")),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|r| r.contains("column amount: required column is missing")), "{reasons:?}");
        let empty = CsvFile::read(b"procedure_code,amount,effective_from\n", &["procedure_code", "amount", "effective_from"], &[]).unwrap();
        assert_eq!(empty.problems[0].to_string(), "line 2: the file has no rows");
    }
}

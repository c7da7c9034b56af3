//! The one way a list page sorts, pages and totals: the state from the
//! query string (`sort`, `dir`, `page`), header links that sort by their
//! column (with `aria-sort` for screen readers), and a pager that says how
//! many match. A list keeps its filters in the links it makes, so sorting
//! or paging never loses them.

/// Rows on a page of a list.
pub const PER_PAGE: i64 = 50;

/// Where a list is: which column, which way, which page, and the filters
/// (as a query string) that every link keeps.
#[derive(Clone, Debug)]
pub struct ListState {
    pub sort: String,
    pub descending: bool,
    /// 1-based.
    pub page: i64,
    /// The filters, without sort, dir or page: "status=draft&q=garcia".
    pub filters: String,
    /// How many match in all (set once counted).
    pub total: i64,
    /// Whether the list offers itself as CSV (the pager's link).
    pub csv: bool,
}

/// The value a row sorts by in one column: amounts and counts by their
/// size, text in any case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Number(settle_domain::Decimal),
    Text(String),
}

impl Key {
    /// A decimal amount ("1,204.50" or "-3.00"); text that is not one sorts first.
    pub fn amount(text: &str) -> Key {
        Key::Number(text.replace(',', "").parse().unwrap_or(settle_domain::Decimal::MIN))
    }
    pub fn count(n: i64) -> Key {
        Key::Number(n.into())
    }
    pub fn text(text: &str) -> Key {
        Key::Text(text.to_lowercase())
    }
}

impl ListState {
    /// Reads `sort` (one of `columns`, else the first), `dir` (asc or desc,
    /// else `default_desc`) and `page` (from 1); `filters` are the pairs the
    /// list's links keep.
    pub fn read(sort: Option<&str>, dir: Option<&str>, page: Option<i64>, columns: &[&str], default_desc: bool, filters: &[(&str, &str)]) -> ListState {
        let sort = sort.filter(|s| columns.contains(s)).unwrap_or(columns[0]).to_string();
        let descending = match dir {
            Some("asc") => false,
            Some("desc") => true,
            _ => default_desc,
        };
        let filters = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(filters.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (*k, v.trim())))
            .finish();
        ListState {
            sort,
            descending,
            page: page.unwrap_or(1).max(1),
            filters,
            total: 0,
            csv: true,
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * PER_PAGE
    }

    fn link(&self, sort: &str, descending: bool, page: i64) -> String {
        let mut query = self.filters.clone();
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(&format!("sort={sort}&dir={}", if descending { "desc" } else { "asc" }));
        if page > 1 {
            query.push_str(&format!("&page={page}"));
        }
        format!("?{query}")
    }

    /// The header link of `column`: sorted by it, the other way if it is
    /// the sort now; back to the first page.
    pub fn sort_link(&self, column: &str) -> String {
        let descending = if self.sort == column { !self.descending } else { false };
        self.link(column, descending, 1)
    }

    /// `aria-sort` for a header.
    pub fn aria_sort(&self, column: &str) -> &'static str {
        match (self.sort == column, self.descending) {
            (false, _) => "none",
            (true, false) => "ascending",
            (true, true) => "descending",
        }
    }

    /// The arrow beside the sorted column's label.
    pub fn arrow(&self, column: &str) -> &'static str {
        match (self.sort == column, self.descending) {
            (false, _) => "",
            (true, false) => " ▲",
            (true, true) => " ▼",
        }
    }

    pub fn pages(&self) -> i64 {
        ((self.total + PER_PAGE - 1) / PER_PAGE).max(1)
    }

    /// The previous page's link, if there is one.
    pub fn previous(&self) -> Option<String> {
        (self.page > 1).then(|| self.link(&self.sort, self.descending, self.page - 1))
    }

    /// The next page's link, if there is one.
    pub fn next(&self) -> Option<String> {
        (self.page < self.pages()).then(|| self.link(&self.sort, self.descending, self.page + 1))
    }

    /// "51-100 of 240".
    pub fn showing(&self, shown: usize) -> String {
        if shown == 0 {
            return format!("0 of {}", self.total);
        }
        let first = self.offset() + 1;
        format!("{first}-{} of {}", self.offset() + shown as i64, self.total)
    }

    /// The page asked for of rows already in order, the count kept: for a
    /// worklist read whole (a deadline ranked in Rust).
    fn page_of<T>(&mut self, rows: Vec<T>) -> Vec<T> {
        self.total = rows.len() as i64;
        rows.into_iter().skip(self.offset() as usize).take(PER_PAGE as usize).collect()
    }

    /// Rows read whole, in the order of the list's column (`key` gives a
    /// row's value in a column; ties keep the order they came in), and the
    /// page asked for.
    pub fn sort_page<T>(&mut self, rows: Vec<T>, key: impl Fn(&T, &str) -> Key) -> Vec<T> {
        let rows = self.sorted(rows, key);
        self.page_of(rows)
    }

    /// Rows read whole, every one, in the order of the list's column (for its CSV).
    pub fn sorted<T>(&self, mut rows: Vec<T>, key: impl Fn(&T, &str) -> Key) -> Vec<T> {
        rows.sort_by_cached_key(|row| key(row, &self.sort));
        if self.descending {
            rows.reverse();
        }
        rows
    }

    /// The same list as CSV: its filters and order, every page.
    pub fn csv_link(&self) -> String {
        let mut link = self.link(&self.sort, self.descending, 1);
        link.push_str("&format=csv");
        link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_filters_and_turn_the_sort_around() {
        let mut list = ListState::read(Some("due"), Some("asc"), Some(2), &["number", "due"], false, &[("status", "open"), ("q", "")]);
        list.total = 120;
        assert_eq!(list.sort_link("due"), "?status=open&sort=due&dir=desc");
        assert_eq!(list.sort_link("number"), "?status=open&sort=number&dir=asc");
        assert_eq!(list.aria_sort("due"), "ascending");
        assert_eq!(list.aria_sort("number"), "none");
        assert_eq!(list.previous().as_deref(), Some("?status=open&sort=due&dir=asc"));
        assert_eq!(list.next().as_deref(), Some("?status=open&sort=due&dir=asc&page=3"));
        assert_eq!(list.showing(50), "51-100 of 120");
        assert_eq!(list.pages(), 3);
    }

    #[test]
    fn rows_read_whole_sort_by_amount_not_by_text() {
        let mut list = ListState::read(Some("amount"), Some("desc"), None, &["amount"], false, &[]);
        let rows = vec!["9.50", "1,204.00", "100.00", "-3.00"];
        let page = list.sort_page(rows, |r, _| Key::amount(r));
        assert_eq!(page, ["1,204.00", "100.00", "9.50", "-3.00"]);
        assert_eq!(list.total, 4);
    }

    #[test]
    fn an_unknown_column_or_page_falls_back_instead_of_failing() {
        let list = ListState::read(Some("'; DROP"), Some("sideways"), Some(-4), &["number", "due"], true, &[]);
        assert_eq!((list.sort.as_str(), list.descending, list.page), ("number", true, 1));
        assert_eq!(list.next(), None);
        assert_eq!(list.showing(0), "0 of 0");
    }
}

//! Settle's printed documents (appeal letters, patient statements, and the
//! collection letters to come) as PDF.
//!
//! A [`Document`] is written top to bottom: headings, wrapped paragraphs,
//! label and value pairs, tables with right-aligned money columns, rules
//! and boxes. It breaks pages by itself and numbers them. The text is set
//! in the PDF standard fonts (Helvetica and Helvetica-Bold), which every
//! reader has, so nothing is embedded and a page is a few kilobytes.
//! Output is deterministic: the same document gives the same bytes, so a
//! stored letter can be compared and hashed.
//!
//! Widths are measured with Helvetica's metrics for the characters that
//! matter for alignment (digits, `$`, `.`, `,`, `-` and space are exact)
//! and a close estimate for letters, which only decides where a paragraph
//! wraps.

pub mod invoice;
pub mod letters;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// US Letter, in points.
pub const PAGE_WIDTH: f32 = 612.0;
pub const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 54.0;
const BOTTOM: f32 = 64.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Which way a table column's text sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table column: its title, its share of the text width (all shares are
/// scaled to fill it) and its alignment.
#[derive(Clone, Debug)]
pub struct Column {
    pub title: String,
    pub share: f32,
    pub align: Align,
}

impl Column {
    pub fn left(title: &str, share: f32) -> Column {
        Column {
            title: title.into(),
            share,
            align: Align::Left,
        }
    }

    pub fn right(title: &str, share: f32) -> Column {
        Column {
            title: title.into(),
            share,
            align: Align::Right,
        }
    }
}

/// The width of `text` at `size` points, in Helvetica (or its bold face).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            '0'..='9' | '$' | '#' | '?' | '_' => 556,
            ' ' | '.' | ',' | '/' | ':' | ';' => 278,
            '-' | '(' | ')' => 333,
            '\'' => 191,
            '%' => 889,
            'i' | 'j' | 'l' => 222,
            'I' | '!' | '|' => 278,
            'f' | 't' => 278,
            'r' => 333,
            'm' => 833,
            'w' => 722,
            'W' => 944,
            'M' => 833,
            'a'..='z' => 530,
            'A'..='Z' => 690,
            _ => 600,
        })
        .sum();
    let scale = if bold { 1.06 } else { 1.0 };
    units as f32 * size / 1000.0 * scale
}

/// Text in the PDF's WinAnsi encoding: Latin-1 as is, anything else as '?'.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2019}' => 0x92,
            '\u{2022}' => 0x95,
            _ => b'?',
        })
        .collect()
}

/// Splits `text` into lines no wider than `width` at `size` points.
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if text_width(&candidate, size, false) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        lines.push(line);
    }
    lines
}

struct Page {
    content: Content,
}

/// A document being written, top to bottom.
pub struct Document {
    title: String,
    /// Where each section (one letter in a day's batch) starts, and its footer.
    sections: Vec<(usize, String)>,
    pages: Vec<Page>,
    y: f32,
}

impl Document {
    /// A new document with one empty page. The footer is printed at the
    /// foot of every page, beside "Page N of M".
    pub fn new(title: &str, footer: &str) -> Document {
        let mut doc = Document {
            title: title.into(),
            sections: vec![(0, footer.into())],
            pages: Vec::new(),
            y: 0.0,
        };
        doc.new_page();
        doc
    }

    /// Starts another document in the same file (the next letter of a
    /// batch), on a new page, with its own footer and page numbers.
    pub fn new_section(&mut self, footer: &str) {
        self.new_page();
        self.sections.push((self.pages.len() - 1, footer.into()));
    }

    /// The width text may take between the margins.
    pub fn text_width(&self) -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.pages.push(Page { content: Content::new() });
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// How many pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Starts a new page unless `height` points still fit on this one: what
    /// follows stays together (a tear-off form, a table's head and rows).
    pub fn keep_together(&mut self, height: f32) {
        self.room(height);
    }

    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn content(&mut self) -> &mut Content {
        &mut self.pages.last_mut().expect("a document always has a page").content
    }

    fn put(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        let bytes = win_ansi(text);
        let content = self.content();
        content.begin_text();
        content.set_font(if bold { BOLD } else { REGULAR }, size);
        content.next_line(x, y);
        content.show(Str(&bytes));
        content.end_text();
    }

    /// Text at a place on the current page, without moving down (for
    /// address blocks and boxes beside other text).
    pub fn place(&mut self, x: f32, y_from_top: f32, text: &str, size: f32, bold: bool) {
        self.put(x, PAGE_HEIGHT - y_from_top, text, size, bold);
    }

    /// Text right-aligned so that it ends at `right` points from the left edge.
    pub fn place_right(&mut self, right: f32, y_from_top: f32, text: &str, size: f32, bold: bool) {
        let x = right - text_width(text, size, bold);
        self.put(x, PAGE_HEIGHT - y_from_top, text, size, bold);
    }

    /// How far down the page the writing position is, in points from the top.
    pub fn y_from_top(&self) -> f32 {
        PAGE_HEIGHT - self.y
    }

    /// A dashed line across the page at `y_from_top`, with `label` small
    /// above its right end: where a tear-off part begins.
    pub fn cut_line(&mut self, y_from_top: f32, label: &str) {
        let y = PAGE_HEIGHT - y_from_top;
        {
            let content = self.content();
            content.save_state();
            content.set_line_width(0.6);
            content.set_dash_pattern([4.0, 3.0], 0.0);
            content.move_to(MARGIN - 20.0, y);
            content.line_to(PAGE_WIDTH - MARGIN + 20.0, y);
            content.stroke();
            content.restore_state();
        }
        self.place_right(PAGE_WIDTH - MARGIN, y_from_top - 4.0, label, 7.0, false);
    }

    /// A box drawn at a place on the page, `width` by `height` points, its
    /// top-left corner `y_from_top` down and `x` across (a field to write in).
    pub fn frame(&mut self, x: f32, y_from_top: f32, width: f32, height: f32) {
        let content = self.content();
        content.set_line_width(0.8);
        content.rect(x, PAGE_HEIGHT - y_from_top - height, width, height);
        content.stroke();
    }

    /// Moves the writing position down to at least `y_from_top`.
    pub fn move_below(&mut self, y_from_top: f32) {
        self.y = self.y.min(PAGE_HEIGHT - y_from_top);
    }

    /// A heading in bold.
    pub fn heading(&mut self, text: &str, size: f32) {
        self.room(size * 2.0);
        self.y -= size * 1.3;
        self.put(MARGIN, self.y, text, size, true);
        self.y -= size * 0.4;
    }

    /// A wrapped paragraph.
    pub fn paragraph(&mut self, text: &str, size: f32) {
        let width = self.text_width();
        for line in wrap(text, size, width) {
            self.room(size * 1.4);
            self.y -= size * 1.35;
            self.put(MARGIN, self.y, &line, size, false);
        }
        self.y -= size * 0.5;
    }

    /// Lines as they are (an address), unwrapped.
    pub fn lines(&mut self, lines: &[&str], size: f32) {
        for line in lines {
            self.room(size * 1.4);
            self.y -= size * 1.3;
            self.put(MARGIN, self.y, line, size, false);
        }
        self.y -= size * 0.5;
    }

    /// Label and value pairs, the labels in bold.
    pub fn pairs(&mut self, pairs: &[(&str, &str)], size: f32) {
        let label_width = pairs.iter().map(|(l, _)| text_width(l, size, true)).fold(0.0, f32::max) + 10.0;
        for (label, value) in pairs {
            self.room(size * 1.4);
            self.y -= size * 1.35;
            self.put(MARGIN, self.y, label, size, true);
            self.put(MARGIN + label_width, self.y, value, size, false);
        }
        self.y -= size * 0.5;
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A thin line across the text width.
    pub fn rule(&mut self) {
        self.room(8.0);
        self.y -= 4.0;
        let y = self.y;
        let content = self.content();
        content.set_line_width(0.5);
        content.move_to(MARGIN, y);
        content.line_to(PAGE_WIDTH - MARGIN, y);
        content.stroke();
        self.y -= 4.0;
    }

    /// A table with a bold header row, repeated on each page it spans.
    /// A row whose first cell starts with `=` is printed bold (a total),
    /// without the `=`.
    pub fn table(&mut self, columns: &[Column], rows: &[Vec<String>], size: f32) {
        let total: f32 = columns.iter().map(|c| c.share).sum();
        let width = self.text_width();
        let widths: Vec<f32> = columns.iter().map(|c| c.share / total * width).collect();
        let header = |doc: &mut Document| {
            doc.room(size * 3.0);
            doc.y -= size * 1.4;
            let mut x = MARGIN;
            for (column, w) in columns.iter().zip(&widths) {
                let tx = if column.align == Align::Right {
                    x + w - text_width(&column.title, size, true)
                } else {
                    x
                };
                doc.put(tx, doc.y, &column.title, size, true);
                x += w;
            }
            doc.y -= 3.0;
            let y = doc.y;
            let content = doc.content();
            content.set_line_width(0.5);
            content.move_to(MARGIN, y);
            content.line_to(MARGIN + width, y);
            content.stroke();
        };
        header(self);
        for row in rows {
            let bold = row.first().is_some_and(|c| c.starts_with('='));
            // Left cells wrap within their column; the row is as tall as its tallest cell.
            let cells: Vec<Vec<String>> = row
                .iter()
                .zip(columns)
                .zip(&widths)
                .map(|((cell, column), w)| {
                    let cell = cell.strip_prefix('=').unwrap_or(cell);
                    match column.align {
                        Align::Left => wrap(cell, size, w - 6.0),
                        Align::Right => vec![cell.to_string()],
                    }
                })
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * size * 1.3;
            if self.y - height - size * 0.4 < BOTTOM {
                self.new_page();
                header(self);
            }
            let top = self.y;
            let mut x = MARGIN;
            for ((lines, column), w) in cells.iter().zip(columns).zip(&widths) {
                let mut y = top;
                for line in lines {
                    y -= size * 1.3;
                    let tx = if column.align == Align::Right {
                        x + w - text_width(line, size, bold)
                    } else {
                        x
                    };
                    self.put(tx, y, line, size, bold);
                }
                x += w;
            }
            self.y = top - height - size * 0.25;
        }
        self.y -= size * 0.6;
    }

    /// A box with a thin border around the given lines (a remittance stub).
    pub fn boxed(&mut self, lines: &[(&str, bool)], size: f32) {
        let height = lines.len() as f32 * size * 1.4 + 12.0;
        self.room(height + 6.0);
        self.y -= 6.0;
        let top = self.y;
        let width = self.text_width();
        {
            let content = self.content();
            content.set_line_width(0.8);
            content.rect(MARGIN, top - height, width, height);
            content.stroke();
        }
        let mut y = top - 6.0;
        for (line, bold) in lines {
            y -= size * 1.4;
            self.put(MARGIN + 8.0, y, line, size, *bold);
        }
        self.y = top - height - 6.0;
    }

    /// The finished PDF.
    pub fn finish(mut self) -> Vec<u8> {
        let count = self.pages.len();
        let sections = std::mem::take(&mut self.sections);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let section = sections.iter().rposition(|(start, _)| *start <= i).unwrap_or(0);
            let start = sections[section].0;
            let end = sections.get(section + 1).map_or(count, |(next, _)| *next);
            let number = format!("Page {} of {}", i - start + 1, end - start);
            let foot = win_ansi(&sections[section].1);
            let c = &mut page.content;
            c.begin_text();
            c.set_font(REGULAR, 8.0);
            c.next_line(MARGIN, 36.0);
            c.show(Str(&foot));
            c.end_text();
            let num = win_ansi(&number);
            c.begin_text();
            c.set_font(REGULAR, 8.0);
            c.next_line(PAGE_WIDTH - MARGIN - text_width(&number, 8.0, false), 36.0);
            c.show(Str(&num));
            c.end_text();
        }
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first = 6;
        let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(first + 2 * i as i32)).collect();
        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info).title(TextStr(&self.title)).producer(TextStr("Settle"));
        for (i, page) in self.pages.into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut p = pdf.page(page_id);
            p.parent(tree).media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).contents(content_id);
            let mut resources = p.resources();
            let mut fonts = resources.fonts();
            fonts.pair(REGULAR, regular);
            fonts.pair(BOLD, bold);
            fonts.finish();
            resources.finish();
            p.finish();
            pdf.stream(content_id, &page.content.finish());
        }
        pdf.finish()
    }
}

/// A money amount as "$1,234.50" (or "-$12.00") from a decimal string such as "1234.50".
pub fn dollars(decimal: &str) -> String {
    let (sign, digits) = match decimal.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", decimal),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{fraction}")
    }
}

/// An amount in its currency: dollars for USD ("$1,234.50"), else the
/// grouped amount and the code ("1,234.50 EUR").
pub fn money_in(decimal: &str, currency: &str) -> String {
    let text = dollars(decimal);
    if currency.is_empty() || currency.eq_ignore_ascii_case("USD") {
        text
    } else {
        format!("{} {currency}", text.replacen('$', "", 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(money_in("1234.50", "EUR"), "1,234.50 EUR");
        assert_eq!(money_in("-3.00", "USD"), "-$3.00");
        assert_eq!(dollars("1234567.50"), "$1,234,567.50");
        assert_eq!(dollars("-12.00"), "-$12.00");
        assert_eq!(dollars("0.05"), "$0.05");
        assert_eq!(dollars("100"), "$100");
    }

    #[test]
    fn paragraphs_wrap_within_the_width() {
        let text = "The payer denied this service because the information needed to adjudicate it was missing. ".repeat(4);
        let lines = wrap(&text, 10.0, 300.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 300.0));
        assert_eq!(lines.join(" ").split_whitespace().count(), text.split_whitespace().count());
    }

    #[test]
    fn long_tables_break_pages_and_the_output_is_stable() {
        let build = || {
            let mut doc = Document::new("Statement", "Settle test");
            doc.heading("Statement", 16.0);
            let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("Visit {i}"), dollars(&format!("{i}.00"))]).collect();
            doc.table(&[Column::left("Visit", 3.0), Column::right("Amount", 1.0)], &rows, 10.0);
            doc
        };
        let doc = build();
        assert!(doc.page_count() >= 3, "{} pages", doc.page_count());
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(bytes, build().finish());
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("(Page 1 of "));
        assert!(text.contains("/BaseFont /Helvetica-Bold"));
    }

    #[test]
    fn each_section_numbers_its_own_pages() {
        let mut doc = Document::new("Batch", "first");
        doc.paragraph("One", 10.0);
        doc.new_section("second");
        doc.paragraph("Two", 10.0);
        let text = String::from_utf8_lossy(&doc.finish()).into_owned();
        assert_eq!(text.matches("(Page 1 of 1)").count(), 2);
        assert!(text.contains("(second)"));
    }

    #[test]
    fn text_outside_latin1_becomes_a_question_mark() {
        assert_eq!(win_ansi("Zoë – 東"), b"Zo\xeb \x96 ?".to_vec());
    }
}

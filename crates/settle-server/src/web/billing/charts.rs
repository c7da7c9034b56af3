//! Charts drawn on the server as SVG: no script, prints as it shows, and
//! each carries its figures as text for screen readers.

use crate::web::money_minor;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A round-ish top for an axis: 1, 2 or 5 times a power of ten.
fn nice_ceiling(value: i64) -> i64 {
    if value <= 0 {
        return 100;
    }
    let mut step = 1i64;
    while step.saturating_mul(10) <= value {
        step = step.saturating_mul(10);
    }
    for factor in [1, 2, 5, 10] {
        if step.saturating_mul(factor) >= value {
            return step.saturating_mul(factor);
        }
    }
    step.saturating_mul(10)
}

/// Whole currency units, short: "$12.3k", "$1.2M".
fn short(minor: i64, currency: &str) -> String {
    let units = minor as f64 / 100.0;
    let symbol = if currency == "USD" { "$" } else { "" };
    let abs = units.abs();
    let text = if abs >= 1_000_000.0 {
        format!("{:.1}M", units / 1_000_000.0)
    } else if abs >= 1_000.0 {
        format!("{:.1}k", units / 1_000.0)
    } else {
        format!("{units:.0}")
    };
    format!("{symbol}{text}")
}

/// A bar per label; bars link nowhere (the page puts links beside).
pub fn bars(data: &[(String, i64)], currency: &str, title: &str) -> String {
    let (width, height, left, bottom, top) = (640.0, 260.0, 64.0, 34.0, 16.0);
    let max = nice_ceiling(data.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let plot_h = height - bottom - top;
    let slot = (width - left - 10.0) / data.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title bars-desc" xmlns="http://www.w3.org/2000/svg"><title id="bars-title">{}</title><desc id="bars-desc">{}</desc>"#,
        escape(title),
        escape(
            &data
                .iter()
                .map(|(l, v)| format!("{l}: {}", money_minor(*v, currency)))
                .collect::<Vec<_>>()
                .join("; ")
        )
    );
    for i in 0..=4 {
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        let value = max * i64::from(i) / 4;
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e2e8f0\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6776\">{}</text>",
            width - 10.0,
            left - 6.0,
            y + 4.0,
            escape(&short(value, currency))
        ));
    }
    let colours = ["#1e7d4f", "#6b9e3c", "#c9a227", "#e07b24", "#c2410c", "#b3261e", "#7f1d1d"];
    for (index, (label, value)) in data.iter().enumerate() {
        let h = if max > 0 { plot_h * (*value).max(0) as f64 / max as f64 } else { 0.0 };
        let x = left + slot * index as f64 + slot * 0.18;
        let w = slot * 0.64;
        let y = top + plot_h - h;
        let colour = colours[(index * (colours.len() - 1)) / data.len().saturating_sub(1).max(1)];
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"3\" fill=\"{colour}\"><title>{}: {}</title></rect>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1b2430\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#5b6776\">{}</text>",
            escape(label),
            escape(&money_minor(*value, currency)),
            x + w / 2.0,
            (y - 4.0).max(11.0),
            escape(&short(*value, currency)),
            x + w / 2.0,
            height - 12.0,
            escape(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// A line through the points, with a dot and a label under each.
pub fn line(data: &[(String, i64)], currency: &str, title: &str) -> String {
    let (width, height, left, bottom, top) = (640.0, 260.0, 64.0, 34.0, 16.0);
    let max = nice_ceiling(data.iter().map(|(_, v)| *v).max().unwrap_or(0));
    let plot_h = height - bottom - top;
    let step = if data.len() > 1 {
        (width - left - 20.0) / (data.len() - 1) as f64
    } else {
        0.0
    };
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="line-title line-desc" xmlns="http://www.w3.org/2000/svg"><title id="line-title">{}</title><desc id="line-desc">{}</desc>"#,
        escape(title),
        escape(
            &data
                .iter()
                .map(|(l, v)| format!("{l}: {}", money_minor(*v, currency)))
                .collect::<Vec<_>>()
                .join("; ")
        )
    );
    for i in 0..=4 {
        let y = top + plot_h - plot_h * f64::from(i) / 4.0;
        svg.push_str(&format!(
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e2e8f0\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6776\">{}</text>",
            width - 10.0,
            left - 6.0,
            y + 4.0,
            escape(&short(max * i64::from(i) / 4, currency))
        ));
    }
    let points: Vec<(f64, f64)> = data
        .iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let x = left + 10.0 + step * i as f64;
            let y = top + plot_h - if max > 0 { plot_h * (*v).max(0) as f64 / max as f64 } else { 0.0 };
            (x, y)
        })
        .collect();
    if !points.is_empty() {
        let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        svg.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1f5f8b\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>",
            path.join(" ")
        ));
    }
    for ((x, y), (label, value)) in points.iter().zip(data) {
        let short_label = label.get(5..).map_or(label.as_str(), |m| month_name(m));
        svg.push_str(&format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"#1f5f8b\"><title>{}: {}</title></circle>\
             <text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6776\">{}</text>",
            escape(label),
            escape(&money_minor(*value, currency)),
            height - 12.0,
            short_label
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn month_name(month: &str) -> &'static str {
    match month {
        "01" => "Jan",
        "02" => "Feb",
        "03" => "Mar",
        "04" => "Apr",
        "05" => "May",
        "06" => "Jun",
        "07" => "Jul",
        "08" => "Aug",
        "09" => "Sep",
        "10" => "Oct",
        "11" => "Nov",
        _ => "Dec",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(nice_ceiling(0), 100);
        assert_eq!(nice_ceiling(730), 1000);
        assert_eq!(nice_ceiling(1_900), 2_000);
        assert_eq!(nice_ceiling(4_100), 5_000);
    }

    #[test]
    fn charts_escape_labels_and_carry_their_figures() {
        let svg = bars(&[("<b>".into(), 12_345)], "USD", "AR & more");
        assert!(svg.contains("&lt;b&gt;") && !svg.contains("<b>"));
        assert!(svg.contains("AR &amp; more"));
        assert!(svg.contains("$123.45"));
        let svg = line(&[("2026-10".into(), 100), ("2026-11".into(), 200)], "USD", "Cash");
        assert!(svg.contains("Oct") && svg.contains("Nov") && svg.contains("polyline"));
    }
}

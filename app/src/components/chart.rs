//! The managers' dashboard chart: a small self-contained SVG of how many active vendors are
//! authorized and not compliant over the next thirteen weeks. Presentation only; the numbers
//! come from `domain::dashboard`.

use crate::domain::{dashboard::Point, text::escape_markup as esc};

/// Chart frame: width, height and the margins around the plot (left, right, top, bottom).
const W: f64 = 640.0;
const H: f64 = 200.0;
const MARGIN: [f64; 4] = [40.0, 16.0, 24.0, 28.0];

/// A small self-contained SVG of the series: authorized (`line-ok`) and not compliant
/// (`line-bad`) over time, y from 0 to the largest value, dates under first, middle and last.
pub fn chart_svg(series: &[Point]) -> String {
    let [left, right, top, bottom] = MARGIN;
    let date = |p: &Point| p.day.format("%Y-%m-%d").to_string();
    let summary = match (series.first(), series.last()) {
        (Some(f), Some(l)) => format!(
            "Authorized vendors: {} on {}, {} on {}. Not compliant: {} on {}, {} on {}.",
            f.authorized,
            date(f),
            l.authorized,
            date(l),
            f.not_compliant,
            date(f),
            l.not_compliant,
            date(l)
        ),
        _ => "No vendors to chart.".into(),
    };
    let max = series
        .iter()
        .map(|p| p.authorized.max(p.not_compliant))
        .max()
        .unwrap_or(0)
        .max(1);
    let n = series.len();
    let x = |i: usize| match n {
        0 | 1 => (left + W - right) / 2.0,
        _ => left + (W - left - right) * i as f64 / (n - 1) as f64,
    };
    let y = |v: u32| top + (H - top - bottom) * (1.0 - f64::from(v) / f64::from(max));
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="640" height="200" viewBox="0 0 640 200" role="img" aria-label="{0}"><title>{0}</title>"#,
        esc(&summary)
    );
    svg += r##"<g font-family="sans-serif" font-size="11" fill="#555">"##;
    svg += &format!(
        r##"<line x1="{left}" y1="{top}" x2="{left}" y2="{b}" stroke="#999"/><line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#999"/>"##,
        b = H - bottom,
        r = W - right
    );
    for v in [0, max] {
        svg += &format!(
            r#"<text x="{}" y="{:.1}" text-anchor="end">{v}</text>"#,
            left - 6.0,
            y(v) + 4.0
        );
    }
    let mut ticks = vec![0, n / 2, n.saturating_sub(1)];
    ticks.dedup();
    for (i, p) in ticks.into_iter().filter_map(|i| Some((i, series.get(i)?))) {
        let anchor = if i == 0 {
            "start"
        } else if i + 1 == n {
            "end"
        } else {
            "middle"
        };
        svg += &format!(
            r#"<text x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            x(i),
            H - 8.0,
            esc(&date(p))
        );
    }
    svg += r##"<text x="48" y="14" fill="#2e7d32">Authorized</text><text x="130" y="14" fill="#c62828">Not compliant</text></g>"##;
    let lines = [("line-ok", "#2e7d32", false), ("line-bad", "#c62828", true)];
    for (class, stroke, bad) in lines {
        let points: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{:.1},{:.1}",
                    x(i),
                    y(if bad { p.not_compliant } else { p.authorized })
                )
            })
            .collect();
        svg += &format!(
            r#"<polyline class="{class}" fill="none" stroke="{stroke}" stroke-width="2" points="{}"/>"#,
            points.join(" ")
        );
    }
    svg + "</svg>"
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn chart_is_a_self_contained_labelled_svg() {
        let start: NaiveDate = "2026-06-15".parse().expect("date");
        let series: Vec<Point> = (0..14u64)
            .filter_map(|k| start.checked_add_days(chrono::Days::new(7 * k)))
            .map(|day| Point {
                day,
                authorized: 1,
                not_compliant: 0,
            })
            .collect();
        let svg = chart_svg(&series);
        for part in [
            r#"viewBox="0 0 640 200""#,
            r#"role="img""#,
            "<title>",
            "line-ok",
            "line-bad",
            "Authorized vendors: 1 on 2026-06-15, 1 on 2026-09-14. Not compliant: 0 on 2026-06-15",
            ">2026-06-15<",
            ">2026-08-03<",
            ">2026-09-14<",
        ] {
            assert!(svg.contains(part), "{part} missing: {svg}");
        }
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(!svg.contains("<script") && !svg.contains("href"));
        assert!(chart_svg(&[]).contains("No vendors to chart."));
        assert_eq!(
            esc(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

//! `/charts/escalation.svg`: the escalation series per side as an SVG line chart.

use super::{api_name, escape, scope, side_words};
use crate::error::ApiError;
use crate::http::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Datelike, Utc};
use standoff_core::escalation::{self, Bucket, EscalationRow};
use standoff_entities::Side;
use std::collections::BTreeSet;
use std::fmt::Write;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 70.0;
/// How tall a band is: a strip at its level, so overlapping bands of several sides stay apart.
const BAND: f64 = 14.0;

/// Colour and dash per side: told apart by line style as well as colour.
fn style(side: Side) -> (&'static str, &'static str) {
    match side {
        Side::Federal => ("#b2182b", ""),
        Side::State => ("#2166ac", "8 4"),
        Side::Local => ("#1b7837", "2 4"),
        Side::Other => ("#5e3c99", "12 4 2 4"),
    }
}

/// A bucket as readers name it, at its own width.
fn bucket_label(width: Bucket, at: DateTime<Utc>) -> String {
    match width {
        Bucket::Day => at.format("%-d %b %Y").to_string(),
        Bucket::Week => format!("wk of {}", at.format("%-d %b %Y")),
        Bucket::Month => at.format("%b %Y").to_string(),
        Bucket::Year => at.format("%Y").to_string(),
    }
}

/// A coarser bucket as readers name it: a year bucket may span several years.
fn band_label(row: &EscalationRow) -> String {
    let last = row.bucket_end - chrono::Duration::days(1);
    if row.width == Bucket::Year && last.year() != row.bucket_start.year() {
        format!("{}\u{2013}{}", row.bucket_start.year(), last.year())
    } else {
        bucket_label(row.width, row.bucket_start)
    }
}

/// The unit of a bucket in prose.
fn unit(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
        Bucket::Year => "year",
    }
}

/// "1 action", "3 actions".
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Round steps for the y axis.
fn ticks(min: f64, max: f64) -> Vec<f64> {
    let span = (max - min).max(1.0);
    let raw = span / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * 10.0);
    let mut out = Vec::new();
    let mut t = (min / step).floor() * step;
    while t <= max + step * 0.5 {
        out.push(t);
        t += step;
    }
    out
}

/// Draws the chart on a true time axis; pure, so it is tested without a server. Buckets of the
/// width asked for are points joined only across adjacent buckets; actions known only to a
/// coarser period are shaded bands across that whole period, never points.
pub fn render(rows: &[EscalationRow], bucket: Bucket, story: Option<&str>) -> String {
    let (points, bands): (Vec<&EscalationRow>, Vec<&EscalationRow>) =
        rows.iter().partition(|r| r.undated == 0);
    let sides: Vec<Side> = [Side::Federal, Side::State, Side::Local, Side::Other]
        .into_iter()
        .filter(|s| rows.iter().any(|r| r.side == *s))
        .collect();
    let values = rows.iter().map(|r| r.intensity_sum);
    let min = values.clone().fold(0.0f64, f64::min);
    let max = values.fold(0.0f64, f64::max);
    let ticks = ticks(min, max);
    let (lo, hi) = (
        ticks.first().copied().unwrap_or(min),
        ticks.last().copied().unwrap_or(max),
    );
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let y = |v: f64| TOP + plot_h * (hi - v) / (hi - lo).max(f64::EPSILON);
    let first = rows.iter().map(|r| r.bucket_start).min();
    let last = rows.iter().map(|r| r.bucket_end).max();
    let x = |at: DateTime<Utc>| match (first, last) {
        (Some(first), Some(last)) if last > first => {
            let whole = (last - first).num_seconds() as f64;
            LEFT + plot_w * (at - first).num_seconds() as f64 / whole
        }
        _ => LEFT + plot_w / 2.0,
    };
    let middle = |r: &EscalationRow| x(r.bucket_start + (r.bucket_end - r.bucket_start) / 2);
    let per = unit(bucket);
    let title = match story {
        Some(story) => format!("{story}: escalation by side, per {per}"),
        None => format!("Escalation by side, per {per}"),
    };
    let buckets = points
        .iter()
        .map(|r| r.bucket_start)
        .collect::<BTreeSet<_>>()
        .len();
    let undated: i64 = bands.iter().map(|r| r.undated).sum();
    let mut desc = format!(
        "Sum of action intensities (−10 most conflictual, +10 most cooperative) for each side and {per}; {} over {}.",
        count(sides.len(), "side"),
        count(buckets, per)
    );
    if undated > 0 {
        let _ = write!(
            desc,
            " {} known only to a longer period (a month, a year) {} as shaded bands across that period.",
            count(usize::try_from(undated).unwrap_or(usize::MAX), "action"),
            if undated == 1 {
                "is drawn"
            } else {
                "are drawn"
            }
        );
    }

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="12">"##
    );
    let _ = write!(
        svg,
        r##"<title id="chart-title">{}</title><desc id="chart-desc">{}</desc><rect width="100%" height="100%" fill="#ffffff"/>"##,
        escape(&title),
        escape(&desc)
    );
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="28" font-size="18" font-weight="bold" fill="#111">{}</text>"##,
        escape(&title)
    );
    // Axes, gridlines and their labels.
    let _ = write!(svg, r##"<g class="y-axis">"##);
    for t in &ticks {
        let ty = y(*t);
        let stroke = if *t == 0.0 { "#555" } else { "#ddd" };
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{ty:.1}" y2="{ty:.1}" stroke="{stroke}"/><text x="{}" y="{:.1}" text-anchor="end" fill="#333">{t}</text>"##,
            LEFT + plot_w,
            LEFT - 8.0,
            ty + 4.0
        );
    }
    let _ = write!(
        svg,
        r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle" fill="#333">Sum of intensity (negative = conflict)</text></g>"##,
        TOP + plot_h / 2.0
    );
    let _ = write!(svg, r##"<g class="x-axis">"##);
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" x2="{}" y1="{}" y2="{}" stroke="#555"/>"##,
        LEFT + plot_w,
        TOP + plot_h,
        TOP + plot_h
    );
    // A tick at each bucket's edges and a label under its middle, finest bucket first, skipping
    // any label that would crowd the one before it.
    let mut buckets_drawn: Vec<(DateTime<Utc>, Bucket, DateTime<Utc>)> = rows
        .iter()
        .map(|r| (r.bucket_start, r.width, r.bucket_end))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    buckets_drawn.dedup_by_key(|(at, _, _)| *at);
    let edges: BTreeSet<DateTime<Utc>> = rows
        .iter()
        .flat_map(|r| [r.bucket_start, r.bucket_end])
        .collect();
    for edge in edges {
        let tx = x(edge);
        let _ = write!(
            svg,
            r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{}" y2="{}" stroke="#555"/>"##,
            TOP + plot_h,
            TOP + plot_h + 5.0
        );
    }
    let mut previous = f64::NEG_INFINITY;
    for (at, width, end) in buckets_drawn {
        let tx = (x(at) + x(end)) / 2.0;
        if tx - previous < 90.0 {
            continue;
        }
        previous = tx;
        let _ = write!(
            svg,
            r##"<text x="{tx:.1}" y="{}" text-anchor="middle" fill="#333">{}</text>"##,
            TOP + plot_h + 18.0,
            escape(&bucket_label(width, at))
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333">{}</text></g>"##,
        LEFT + plot_w / 2.0,
        HEIGHT - 20.0,
        escape(&format!("Time ({per})"))
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">No actions match this filter.</text>"##,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        );
    }
    // One series per side (its bands, then its line and points), and its legend entry.
    for (n, side) in sides.iter().enumerate() {
        let (colour, dash) = style(*side);
        let (name, words) = (api_name(side), side_words(*side));
        let _ = write!(svg, r##"<g class="series" data-side="{name}">"##);
        for band in bands.iter().filter(|r| r.side == *side) {
            let (x1, x2) = (x(band.bucket_start), x(band.bucket_end));
            let level = y(band.intensity_sum);
            let _ = write!(
                svg,
                r##"<g class="band" data-start="{}" data-end="{}"><rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="{BAND:.1}" fill="{colour}" fill-opacity="0.18"/><line x1="{x1:.1}" x2="{x2:.1}" y1="{level:.1}" y2="{level:.1}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><title>{words}, {} (not dated more precisely): {}, sum {}</title></g>"##,
                band.bucket_start.to_rfc3339(),
                band.bucket_end.to_rfc3339(),
                level - BAND / 2.0,
                (x2 - x1).max(1.0),
                escape(&band_label(band)),
                count(usize::try_from(band.actions).unwrap_or(0), "action"),
                band.intensity_sum
            );
        }
        let mine: Vec<&&EscalationRow> = points.iter().filter(|r| r.side == *side).collect();
        let mut d = String::new();
        let mut end = None;
        for row in &mine {
            let verb = if end == Some(row.bucket_start) {
                " L"
            } else {
                " M"
            };
            let _ = write!(d, "{verb}{:.1},{:.1}", middle(row), y(row.intensity_sum));
            end = Some(row.bucket_end);
        }
        if !d.is_empty() {
            let _ = write!(
                svg,
                r##"<path d="{}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"><title>{words}</title></path>"##,
                d.trim_start()
            );
        }
        for row in &mine {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{words}, {}: {}, sum {}</title></circle>"##,
                middle(row),
                y(row.intensity_sum),
                escape(&bucket_label(row.width, row.bucket_start)),
                count(usize::try_from(row.actions).unwrap_or(0), "action"),
                row.intensity_sum
            );
        }
        let ly = TOP + 10.0 + 22.0 * n as f64;
        let lx = WIDTH - RIGHT + 20.0;
        let _ = write!(
            svg,
            r##"</g><g class="legend-item"><line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><text x="{}" y="{}" fill="#111">{words}</text></g>"##,
            lx + 30.0,
            lx + 38.0,
            ly + 4.0
        );
    }
    if undated > 0 {
        let ly = TOP + 10.0 + 22.0 * sides.len() as f64;
        let lx = WIDTH - RIGHT + 20.0;
        let _ = write!(
            svg,
            r##"<g class="legend-band"><rect x="{lx}" y="{}" width="30" height="12" fill="#555" fill-opacity="0.18"/><text x="{}" y="{}" fill="#111">Dated only</text><text x="{}" y="{}" fill="#111">to a period</text></g>"##,
            ly - 6.0,
            lx + 38.0,
            ly + 4.0,
            lx + 38.0,
            ly + 18.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The escalation series for the filter parameters (and `bucket=day|week|month|year`).
pub async fn chart(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let rows = escalation::escalation(&state.db, &scope.filter, scope.params.bucket).await?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        render(
            &rows,
            scope.params.bucket,
            scope.story.as_ref().map(|s| s.title.as_str()),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_range_in_round_steps() {
        let t = ticks(-21.7, 0.0);
        assert!(t.first().copied().unwrap_or(0.0) <= -21.7);
        assert!(t.last().copied().unwrap_or(-1.0) >= 0.0);
        assert!(
            t.windows(2).all(|w| (w[1] - w[0] - 5.0).abs() < 1e-9),
            "{t:?}"
        );
    }

    #[test]
    fn an_empty_series_still_draws_a_chart_that_says_so() {
        let svg = render(&[], Bucket::Day, None);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("No actions match"));
    }
}

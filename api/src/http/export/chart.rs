//! `/charts/escalation.svg`: the escalation series per side as an SVG line chart.

use super::{api_name, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
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

/// Colour and dash per side: told apart by line style as well as colour.
fn style(side: Side) -> (&'static str, &'static str) {
    match side {
        Side::Federal => ("#b2182b", ""),
        Side::State => ("#2166ac", "8 4"),
        Side::Local => ("#1b7837", "2 4"),
        Side::Other => ("#5e3c99", "12 4 2 4"),
    }
}

fn bucket_label(bucket: Bucket, at: DateTime<Utc>) -> String {
    match bucket {
        Bucket::Day => at.format("%-d %b %Y").to_string(),
        Bucket::Week => format!("wk of {}", at.format("%-d %b %Y")),
        Bucket::Month => at.format("%b %Y").to_string(),
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

/// Draws the chart; pure, so it is tested without a server.
pub fn render(rows: &[EscalationRow], bucket: Bucket, story: Option<&str>) -> String {
    let buckets: Vec<DateTime<Utc>> = rows
        .iter()
        .map(|r| r.bucket_start)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let sides: Vec<Side> = [Side::Federal, Side::State, Side::Local, Side::Other]
        .into_iter()
        .filter(|s| rows.iter().any(|r| r.side == *s))
        .collect();
    let sum = |side: Side, at: DateTime<Utc>| {
        rows.iter()
            .find(|r| r.side == side && r.bucket_start == at)
            .map_or(0.0, |r| r.intensity_sum)
    };
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
    let x = |i: usize| {
        if buckets.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (buckets.len() - 1) as f64
        }
    };
    let per = match bucket {
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
    };
    let title = match story {
        Some(story) => format!("{story}: escalation by side, per {per}"),
        None => format!("Escalation by side, per {per}"),
    };
    let desc = format!(
        "Sum of action intensities (−10 most conflictual, +10 most cooperative) for each side and {per}; {} series over {} {per}s.",
        sides.len(),
        buckets.len()
    );

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
    let every = buckets.len().div_ceil(8).max(1);
    for (i, at) in buckets.iter().enumerate().filter(|(i, _)| i % every == 0) {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333">{}</text>"##,
            x(i),
            TOP + plot_h + 18.0,
            escape(&bucket_label(bucket, *at))
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333">{}</text></g>"##,
        LEFT + plot_w / 2.0,
        HEIGHT - 20.0,
        escape(&format!("Time ({per})"))
    );
    if buckets.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">No actions match this filter.</text>"##,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        );
    }
    // One series per side, and its legend entry.
    for (n, side) in sides.iter().enumerate() {
        let (colour, dash) = style(*side);
        let name = api_name(side);
        let points: Vec<(f64, f64)> = buckets
            .iter()
            .enumerate()
            .map(|(i, at)| (x(i), y(sum(*side, *at))))
            .collect();
        let d: String = points
            .iter()
            .enumerate()
            .map(|(i, (px, py))| format!("{}{px:.1},{py:.1}", if i == 0 { "M" } else { " L" }))
            .collect();
        let _ = write!(
            svg,
            r##"<g class="series" data-side="{name}"><path d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"><title>{name}</title></path>"##
        );
        for ((px, py), at) in points.iter().zip(&buckets) {
            let _ = write!(
                svg,
                r##"<circle cx="{px:.1}" cy="{py:.1}" r="3.5" fill="{colour}"><title>{name}, {}: {}</title></circle>"##,
                escape(&bucket_label(bucket, *at)),
                sum(*side, *at)
            );
        }
        let ly = TOP + 10.0 + 22.0 * n as f64;
        let lx = WIDTH - RIGHT + 20.0;
        let _ = write!(
            svg,
            r##"</g><g class="legend-item"><line x1="{lx}" x2="{}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><text x="{}" y="{}" fill="#111">{name}</text></g>"##,
            lx + 30.0,
            lx + 38.0,
            ly + 4.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The escalation series for the filter parameters (and `bucket=day|week|month`).
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

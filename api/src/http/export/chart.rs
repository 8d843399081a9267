//! `/charts/escalation.svg`: the escalation series per side as an SVG line chart.

use super::{api_name, escape, scope};
use crate::error::ApiError;
use crate::http::AppState;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Datelike, Utc};
use standoff_core::escalation::{self, Bucket, EscalationRow};
use standoff_core::words::{Lang, Noun, Phrase};
use standoff_core::{change_log, date};
use standoff_entities::Side;
use std::collections::BTreeSet;
use std::fmt::Write;

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 450.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 100.0;
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

/// The noun a bucket is counted in.
fn noun(bucket: Bucket) -> Noun {
    match bucket {
        Bucket::Day => Noun::Day,
        Bucket::Week => Noun::Week,
        Bucket::Month => Noun::Month,
        Bucket::Year => Noun::Year,
    }
}

/// A bucket as readers name it, at its own width.
fn bucket_label(width: Bucket, at: DateTime<Utc>, lang: Lang) -> String {
    let day = || at.format_localized("%-d %b %Y", lang.chrono()).to_string();
    match width {
        Bucket::Day => day(),
        Bucket::Week => lang.fill(Phrase::WeekOf, &[("date", &day())]),
        Bucket::Month => at.format_localized("%b %Y", lang.chrono()).to_string(),
        Bucket::Year => at.format("%Y").to_string(),
    }
}

/// A coarser bucket as readers name it: a year bucket may span several years.
fn band_label(row: &EscalationRow, lang: Lang) -> String {
    let last = row.bucket_end - chrono::Duration::days(1);
    if row.width == Bucket::Year && last.year() != row.bucket_start.year() {
        format!("{}\u{2013}{}", row.bucket_start.year(), last.year())
    } else {
        bucket_label(row.width, row.bucket_start, lang)
    }
}

/// A count of actions, as a reader reads it.
fn actions(lang: Lang, n: i64) -> String {
    lang.count(u64::try_from(n).unwrap_or(0), Noun::Action)
}

/// What a chart draws and how it is labelled.
pub struct Chart<'a> {
    /// The series.
    pub rows: &'a [EscalationRow],
    /// The width of its buckets.
    pub bucket: Bucket,
    /// The story it is of, by title, when it is of one.
    pub story: Option<&'a str>,
    /// The language of its text.
    pub lang: Lang,
    /// The day its data is as of, as readers write it.
    pub as_of: String,
    /// Where its numbers are as a table.
    pub data_url: String,
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
pub fn render(chart: &Chart) -> String {
    let (rows, bucket, lang) = (chart.rows, chart.bucket, chart.lang);
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
    let per = lang.noun(noun(bucket), false);
    let title = match chart.story {
        Some(story) => lang.fill(Phrase::ChartTitleStory, &[("story", story), ("unit", per)]),
        None => lang.fill(Phrase::ChartTitle, &[("unit", per)]),
    };
    let buckets = points
        .iter()
        .map(|r| r.bucket_start)
        .collect::<BTreeSet<_>>()
        .len();
    let undated: i64 = bands.iter().map(|r| r.undated).sum();
    let mut desc = lang.fill(
        Phrase::ChartDesc,
        &[
            ("unit", per),
            (
                "sides",
                &lang.count(u64::try_from(sides.len()).unwrap_or(0), Noun::Side),
            ),
            (
                "buckets",
                &lang.count(u64::try_from(buckets).unwrap_or(0), noun(bucket)),
            ),
        ],
    );
    if undated > 0 {
        desc.push(' ');
        desc.push_str(&lang.fill(Phrase::ChartBands, &[("actions", &actions(lang, undated))]));
    }
    let source = match chart.story {
        Some(story) => lang.fill(
            Phrase::ChartSource,
            &[("story", story), ("date", &chart.as_of)],
        ),
        None => lang.fill(Phrase::ChartSourceAll, &[("date", &chart.as_of)]),
    };
    let _ = write!(desc, " {source}.");

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="system-ui, sans-serif" font-size="12" lang="{}">"##,
        lang.code()
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
        r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle" fill="#333">{}</text></g>"##,
        TOP + plot_h / 2.0,
        lang.phrase(Phrase::ChartYAxis)
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
            escape(&bucket_label(width, at, lang))
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#333">{}</text></g>"##,
        LEFT + plot_w / 2.0,
        TOP + plot_h + 42.0,
        escape(&lang.fill(Phrase::ChartXAxis, &[("unit", per)]))
    );
    // The source line, and a link to the numbers for readers who cannot see the lines.
    let _ = write!(
        svg,
        r##"<g class="source"><text x="{LEFT}" y="{}" fill="#333" font-size="11">{}</text><a href="{}"><text x="{}" y="{}" fill="#0b4f9c" font-size="11" text-anchor="end" text-decoration="underline">{}</text></a></g>"##,
        HEIGHT - 14.0,
        escape(&source),
        escape(&chart.data_url),
        WIDTH - 12.0,
        HEIGHT - 14.0,
        lang.phrase(Phrase::DataTable)
    );
    if rows.is_empty() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#333">{}</text>"##,
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0,
            lang.phrase(Phrase::NoActions)
        );
    }
    // One series per side (its bands, then its line and points), and its legend entry.
    for (n, side) in sides.iter().enumerate() {
        let (colour, dash) = style(*side);
        let (name, words) = (api_name(side), lang.side(*side));
        let _ = write!(svg, r##"<g class="series" data-side="{name}">"##);
        for band in bands.iter().filter(|r| r.side == *side) {
            let (x1, x2) = (x(band.bucket_start), x(band.bucket_end));
            let level = y(band.intensity_sum);
            let _ = write!(
                svg,
                r##"<g class="band" data-start="{}" data-end="{}"><rect x="{x1:.1}" y="{:.1}" width="{:.1}" height="{BAND:.1}" fill="{colour}" fill-opacity="0.18"/><line x1="{x1:.1}" x2="{x2:.1}" y1="{level:.1}" y2="{level:.1}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><title>{}</title></g>"##,
                band.bucket_start.to_rfc3339(),
                band.bucket_end.to_rfc3339(),
                level - BAND / 2.0,
                (x2 - x1).max(1.0),
                escape(&lang.fill(
                    Phrase::NotMorePrecise,
                    &[
                        ("side", words),
                        ("period", &band_label(band, lang)),
                        ("actions", &actions(lang, band.actions)),
                        ("sum", &band.intensity_sum.to_string()),
                    ]
                )),
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
                r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}</title></circle>"##,
                middle(row),
                y(row.intensity_sum),
                escape(&lang.fill(
                    Phrase::PointTip,
                    &[
                        ("side", words),
                        ("bucket", &bucket_label(row.width, row.bucket_start, lang)),
                        ("actions", &actions(lang, row.actions)),
                        ("sum", &row.intensity_sum.to_string()),
                    ]
                )),
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
            r##"<g class="legend-band"><rect x="{lx}" y="{}" width="30" height="12" fill="#555" fill-opacity="0.18"/><text x="{}" y="{}" fill="#111">{}</text><text x="{}" y="{}" fill="#111">{}</text></g>"##,
            ly - 6.0,
            lx + 38.0,
            ly + 4.0,
            lang.phrase(Phrase::DatedOnly),
            lx + 38.0,
            ly + 18.0,
            lang.phrase(Phrase::ToAPeriod)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The series the parameters ask for, at their bucket or the one that suits the span.
async fn series(
    state: &AppState,
    scope: &super::Scope,
) -> Result<(Bucket, Vec<EscalationRow>), ApiError> {
    Ok(match scope.params.bucket {
        Some(bucket) => (
            bucket,
            escalation::escalation(&state.db, &scope.filter, bucket).await?,
        ),
        None => escalation::escalation_suited(&state.db, &scope.filter).await?,
    })
}

/// The escalation series for the filter parameters (and `bucket=day|week|month|year`; without
/// one, the width that suits the span shown), as an SVG chart.
pub async fn chart(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let (bucket, rows) = series(&state, &scope).await?;
    let as_of = change_log::head_at(&state.db)
        .await
        .map_err(standoff_core::CoreError::from)?
        .unwrap_or_else(Utc::now);
    let data_url = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("/charts/escalation.csv?{q}"),
        None => "/charts/escalation.csv".to_owned(),
    };
    let svg = render(&Chart {
        rows: &rows,
        bucket,
        story: scope.story.as_ref().map(|s| s.title.as_str()),
        lang: scope.lang,
        as_of: date::day_in(as_of, scope.time_zone(), scope.lang),
        data_url,
    });
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    ))
}

/// The chart's numbers as CSV, one row per bucket and side, for readers who cannot see the
/// lines and for spreadsheets: the same parameters as the chart.
pub async fn table(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<impl IntoResponse, ApiError> {
    let scope = scope(&state.db, &state.filter_cache, query.as_deref()).await?;
    let (bucket, rows) = series(&state, &scope).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "bucket_start",
        "bucket_end",
        "width",
        "side",
        "side_name",
        "actions",
        "undated_within_bucket",
        "intensity_sum",
        "intensity_mean",
    ];
    let write = |out: &mut csv::Writer<Vec<u8>>| -> Result<(), csv::Error> {
        out.write_record(header)?;
        for r in &rows {
            out.write_record([
                r.bucket_start.format("%Y-%m-%d").to_string(),
                r.bucket_end.format("%Y-%m-%d").to_string(),
                width_name(r.width).to_owned(),
                api_name(&r.side),
                scope.lang.side(r.side).to_owned(),
                r.actions.to_string(),
                r.undated.to_string(),
                r.intensity_sum.to_string(),
                r.intensity_mean.to_string(),
            ])?;
        }
        Ok(())
    };
    write(&mut out).map_err(|e| ApiError::internal(&format!("chart table: {e}")))?;
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::internal(&format!("chart table: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                match bucket {
                    Bucket::Day => "inline; filename=\"escalation-by-day.csv\"",
                    Bucket::Week => "inline; filename=\"escalation-by-week.csv\"",
                    Bucket::Month => "inline; filename=\"escalation-by-month.csv\"",
                    Bucket::Year => "inline; filename=\"escalation-by-year.csv\"",
                },
            ),
        ],
        bytes,
    ))
}

/// A bucket width's name, as the `bucket` parameter spells it.
fn width_name(width: Bucket) -> &'static str {
    match width {
        Bucket::Day => "day",
        Bucket::Week => "week",
        Bucket::Month => "month",
        Bucket::Year => "year",
    }
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
        let svg = render(&Chart {
            rows: &[],
            bucket: Bucket::Day,
            story: None,
            lang: Lang::Es,
            as_of: "5 dic 2026".to_owned(),
            data_url: "/charts/escalation.csv".to_owned(),
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Ninguna acción coincide"));
        assert!(svg.contains("Fuente: Standoff, 5 dic 2026"));
    }
}

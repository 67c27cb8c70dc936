//! Charts drawn as SVG by the app itself, each with its figures as a table for screen readers
//! (the picture is hidden from them; the table is the chart for them).

use leptos::prelude::*;

/// One series of values, drawn in the colour its class gives it. The class is written as
/// `series-{class}`, so a page-wide rule for a word like `success` (a status message that
/// hides itself when empty) never reaches a chart's empty swatch or its lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub class: &'static str,
    pub values: Vec<f64>,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 10.0;

/// A round step for axis ticks, so that about four fit up to `max`.
fn tick_step(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    step.max(1.0)
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The axis top: the largest value (or `floor`) rounded up to a tick.
fn axis_max(series: &[Series], floor: f64) -> (f64, f64) {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(floor, f64::max);
    let step = tick_step(max);
    ((max / step).ceil().max(1.0) * step, step)
}

/// Horizontal grid lines with their values on the left.
fn grid(top: f64, step: f64) -> impl IntoView {
    let plot = HEIGHT - BOTTOM - TOP;
    let mut lines = Vec::new();
    let mut value = 0.0;
    while value <= top + f64::EPSILON {
        let y = TOP + plot - value / top * plot;
        lines.push(view! {
            <line class="grid" x1=LEFT x2=WIDTH y1=y y2=y></line>
            <text class="tick" x=LEFT - 6.0 y=y + 4.0 text-anchor="end">
                {number(value)}
            </text>
        });
        value += step;
    }
    lines
}

/// The figures of a chart as a table, for screen readers; `label_heading` says what the labels
/// are (a day, a status), heading the column of row headers.
fn figures_table(
    caption: String,
    label_heading: String,
    labels: Vec<String>,
    series: Vec<Series>,
) -> impl IntoView {
    view! {
        <table class="visually-hidden">
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col">{label_heading}</th>
                    {series
                        .iter()
                        .map(|s| view! { <th scope="col">{s.name.clone()}</th> })
                        .collect_view()}
                </tr>
            </thead>
            <tbody>
                {labels
                    .into_iter()
                    .enumerate()
                    .map(|(i, label)| {
                        view! {
                            <tr>
                                <th scope="row">{label}</th>
                                {series
                                    .iter()
                                    .map(|s| {
                                        view! {
                                            <td>{number(s.values.get(i).copied().unwrap_or(0.0))}</td>
                                        }
                                    })
                                    .collect_view()}
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

fn legend(series: Vec<Series>) -> impl IntoView {
    view! {
        <ul class="legend" aria-hidden="true">
            {series
                .into_iter()
                .map(|s| {
                    view! {
                        <li>
                            <span class=format!("swatch series-{}", s.class)></span>
                            {s.name}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Which labels get written under the axis: all when few, else about eight and the last, a
/// regular one too close to the last left out so the two never overlap.
fn shown_label(index: usize, count: usize) -> bool {
    let step = count.div_ceil(8);
    count <= 12 || index + 1 == count || (index.is_multiple_of(step) && count - 1 - index >= step)
}

/// How a label sits on its point: the last one ends there, so it stays inside the picture.
fn label_anchor(index: usize, count: usize) -> &'static str {
    if count > 1 && index + 1 == count {
        "end"
    } else {
        "middle"
    }
}

/// Columns side by side for each label, one per series.
#[component]
pub fn ColumnChart(
    #[prop(into)] caption: String,
    /// What the labels are, e.g. "Day".
    #[prop(into)]
    label_heading: String,
    labels: Vec<String>,
    series: Vec<Series>,
) -> impl IntoView {
    let (top, step) = axis_max(&series, 1.0);
    let plot = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT) / labels.len().max(1) as f64;
    let bar = (slot * 0.8 / series.len().max(1) as f64).max(1.0);
    let count = labels.len();
    let columns = series
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.values.iter().enumerate().map(move |(i, v)| {
                let h = v / top * plot;
                let x = LEFT + i as f64 * slot + slot * 0.1 + si as f64 * bar;
                view! {
                    <rect
                        class=format!("series-{}", s.class)
                        x=x
                        y=TOP + plot - h
                        width=bar
                        height=h.max(0.0)
                    ></rect>
                }
            })
        })
        .collect_view();
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| shown_label(*i, count))
        .map(|(i, label)| {
            let x = LEFT + i as f64 * slot + slot / 2.0;
            view! {
                <text class="label" x=x y=HEIGHT - 8.0 text-anchor="middle">
                    {label.clone()}
                </text>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{caption.clone()}</figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="xMidYMid meet"
                aria-hidden="true"
                focusable="false"
            >
                {grid(top, step)}
                {columns}
                {ticks}
            </svg>
            {(series.len() > 1).then(|| legend(series.clone()))}
            {figures_table(caption.clone(), label_heading, labels.clone(), series.clone())}
        </figure>
    }
    .into_any()
}

/// Lines over the labels, one per series, with an optional level drawn across (a limit).
#[component]
pub fn LineChart(
    #[prop(into)] caption: String,
    /// What the labels are, e.g. "Day".
    #[prop(into)]
    label_heading: String,
    labels: Vec<String>,
    series: Vec<Series>,
    /// A horizontal reference, e.g. the hours a contract includes.
    level: Option<(String, f64)>,
) -> impl IntoView {
    let floor = level.as_ref().map_or(1.0, |(_, v)| *v);
    let (top, step) = axis_max(&series, floor);
    let plot = HEIGHT - BOTTOM - TOP;
    let count = labels.len();
    let x_of = move |i: usize| {
        if count <= 1 {
            LEFT
        } else {
            LEFT + i as f64 * (WIDTH - LEFT - 8.0) / (count - 1) as f64
        }
    };
    let lines = series
        .iter()
        .map(|s| {
            let points = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), TOP + plot - v / top * plot))
                .collect::<Vec<_>>()
                .join(" ");
            view! { <polyline class=format!("line series-{}", s.class) points=points></polyline> }
        })
        .collect_view();
    let level_line = level.as_ref().map(|(name, value)| {
        let y = TOP + plot - value / top * plot;
        view! {
            <line class="level" x1=LEFT x2=WIDTH y1=y y2=y></line>
            <text class="tick" x=WIDTH - 4.0 y=y - 4.0 text-anchor="end">
                {name.clone()}
            </text>
        }
    });
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| shown_label(*i, count))
        .map(|(i, label)| {
            view! {
                <text class="label" x=x_of(i) y=HEIGHT - 8.0 text-anchor=label_anchor(i, count)>
                    {label.clone()}
                </text>
            }
        })
        .collect_view();
    let mut table_series = series.clone();
    if let Some((name, value)) = &level {
        table_series.push(Series {
            name: name.clone(),
            class: "level",
            values: vec![*value; count],
        });
    }
    view! {
        <figure class="chart">
            <figcaption>{caption.clone()}</figcaption>
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                preserveAspectRatio="xMidYMid meet"
                aria-hidden="true"
                focusable="false"
            >
                {grid(top, step)}
                {level_line}
                {lines}
                {ticks}
            </svg>
            {(series.len() > 1).then(|| legend(series.clone()))}
            {figures_table(caption.clone(), label_heading, labels.clone(), table_series)}
        </figure>
    }
    .into_any()
}

/// One bar per name, longest first as given, with the count written beside it.
#[component]
pub fn BarList(
    #[prop(into)] caption: String,
    /// What the names are, e.g. "Category".
    #[prop(into)]
    label_heading: String,
    rows: Vec<(String, i64)>,
) -> impl IntoView {
    let max = rows.iter().map(|(_, c)| *c).max().unwrap_or(0).max(1) as f64;
    let row_height = 26.0;
    let height = (rows.len().max(1) as f64) * row_height + 4.0;
    let label_width = 180.0;
    let labels: Vec<String> = rows.iter().map(|(n, _)| n.clone()).collect();
    let series = vec![Series {
        name: "Tickets".into(),
        class: "primary",
        values: rows.iter().map(|(_, c)| *c as f64).collect(),
    }];
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (name, count))| {
            let y = i as f64 * row_height + 4.0;
            let w = *count as f64 / max * (WIDTH - label_width - 50.0);
            view! {
                <text class="label" x=label_width - 8.0 y=y + 16.0 text-anchor="end">
                    {name.clone()}
                </text>
                <rect
                    class="series-primary"
                    x=label_width
                    y=y + 3.0
                    width=w.max(1.0)
                    height=row_height - 8.0
                ></rect>
                <text class="tick" x=label_width + w + 6.0 y=y + 16.0>
                    {count.to_string()}
                </text>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>{caption.clone()}</figcaption>
            {if rows.is_empty() {
                view! {
                    <p class="muted">"Nothing in this period. A longer period may show more."</p>
                }
                    .into_any()
            } else {
                view! {
                    <svg
                        viewBox=format!("0 0 {WIDTH} {height}")
                        preserveAspectRatio="xMidYMid meet"
                        aria-hidden="true"
                        focusable="false"
                    >
                        {bars}
                    </svg>
                }
                    .into_any()
            }}
            {figures_table(caption.clone(), label_heading, labels.clone(), series.clone())}
        </figure>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(tick_step(0.0), 1.0);
        assert_eq!(tick_step(3.0), 1.0);
        assert_eq!(tick_step(37.0), 10.0);
        assert_eq!(tick_step(160.0), 50.0);
        let series = [Series {
            name: "a".into(),
            class: "x",
            values: vec![3.0, 37.0],
        }];
        assert_eq!(axis_max(&series, 1.0), (40.0, 10.0));
    }

    #[test]
    fn long_axes_label_about_eight_points_and_the_last() {
        let shown = (0..90).filter(|i| shown_label(*i, 90)).count();
        assert!((8..=11).contains(&shown), "{shown}");
        assert!(shown_label(89, 90));
        assert!((0..7).all(|i| shown_label(i, 7)));
        // 31 days: every 4th; the 28th would sit one day before the last and is left out.
        let shown: Vec<usize> = (0..31).filter(|i| shown_label(*i, 31)).collect();
        assert_eq!(shown, [0, 4, 8, 12, 16, 20, 24, 30]);
        let shown: Vec<usize> = (0..30).filter(|i| shown_label(*i, 30)).collect();
        assert_eq!(shown, [0, 4, 8, 12, 16, 20, 24, 29]);
    }
}

//! Bar and line charts drawn on the server as SVG from a report's figures: no script, no
//! library, the same picture in every browser and in a saved page. Pure: figures in, markup
//! out; every text is escaped. A gap (a month with nothing to divide by) is left out of a
//! line and drawn as no bar, never as a zero.

use std::fmt::Write;

/// How the series are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bar,
    Line,
}

/// A chart to draw: texts already in the reader's language.
#[derive(Debug, Clone)]
pub struct Spec<'a> {
    pub kind: Kind,
    pub title: &'a str,
    pub labels: &'a [String],
    /// Each series' name and its value per label.
    pub series: &'a [(String, Vec<Option<f64>>)],
    /// Values are percentages: the axis runs to 100 and ticks read "50%".
    pub percent: bool,
    /// Shown instead of the plot when there is nothing to draw.
    pub empty: &'a str,
}

const W: f64 = 640.0;
const H: f64 = 300.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 70.0;
/// Colours that keep 3:1 against both the light page and the dark cockpit.
const PALETTE: [&str; 6] = [
    "#2f7ed8", "#e0712c", "#3a9d5d", "#b04fc4", "#c9a227", "#d64550",
];

/// Escapes text for an SVG element or attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The top of the axis: 100 for percentages, else a round number at or above the largest value.
fn axis_top(spec: &Spec<'_>) -> f64 {
    if spec.percent {
        return 100.0;
    }
    let max = spec
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    if max <= 0.0 {
        return 1.0;
    }
    let step = 10f64.powf(max.log10().floor());
    let top = (max / step).ceil() * step;
    if top < 4.0 {
        4.0
    } else {
        top
    }
}

fn tick_text(v: f64, percent: bool) -> String {
    let n = if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    if percent {
        format!("{n}%")
    } else {
        n
    }
}

/// The chart as an SVG element (scales to its container's width).
pub fn svg(spec: &Spec<'_>) -> String {
    let title = escape(spec.title);
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{title}\"><title>{title}</title>"
    );
    let has_data = !spec.labels.is_empty()
        && spec
            .series
            .iter()
            .any(|(_, v)| v.iter().flatten().any(|x| x.is_finite()));
    if !has_data {
        let _ = write!(
            s,
            "<text class=\"chart-empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></svg>",
            W / 2.0,
            H / 2.0,
            escape(spec.empty)
        );
        return s;
    }
    let top = axis_top(spec);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let y_of = |v: f64| TOP + plot_h - (v.clamp(0.0, top) / top) * plot_h;
    // Grid and ticks.
    for i in 0..=4 {
        let v = top * f64::from(i) / 4.0;
        let y = y_of(v);
        let _ = write!(
            s,
            "<line class=\"chart-grid\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#8884\"/><text class=\"chart-tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            tick_text(v, spec.percent)
        );
    }
    let n = spec.labels.len();
    let slot = plot_w / n as f64;
    let max_chars = ((slot / 7.0).floor() as usize).clamp(3, 14);
    for (i, label) in spec.labels.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5);
        let _ = write!(
            s,
            "<text class=\"chart-label\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}<title>{}</title></text>",
            TOP + plot_h + 16.0,
            escape(&short(label, max_chars)),
            escape(label)
        );
    }
    let k = spec.series.len().max(1);
    for (si, (name, values)) in spec.series.iter().enumerate() {
        let colour = PALETTE[si % PALETTE.len()];
        let name = escape(name);
        match spec.kind {
            Kind::Bar => {
                let bar = slot * 0.8 / k as f64;
                for (i, v) in values.iter().enumerate().take(n) {
                    let Some(v) = v.filter(|v| v.is_finite()) else {
                        continue;
                    };
                    let x = LEFT + slot * i as f64 + slot * 0.1 + bar * si as f64;
                    let y = y_of(v);
                    let _ = write!(
                        s,
                        "<rect class=\"chart-bar s{si}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{name}: {}</title></rect>",
                        (bar - 1.0).max(1.0),
                        (TOP + plot_h - y).max(0.0),
                        tick_text((v * 10.0).round() / 10.0, spec.percent)
                    );
                }
            }
            Kind::Line => {
                // A gap splits the line: each run of values is its own polyline.
                let mut run: Vec<String> = Vec::new();
                let flush = |run: &mut Vec<String>, s: &mut String| {
                    if run.len() > 1 {
                        let _ = write!(
                            s,
                            "<polyline class=\"chart-line s{si}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2.5\" points=\"{}\"/>",
                            run.join(" ")
                        );
                    }
                    run.clear();
                };
                for (i, v) in values.iter().enumerate().take(n) {
                    match v.filter(|v| v.is_finite()) {
                        Some(v) => {
                            let x = LEFT + slot * (i as f64 + 0.5);
                            let y = y_of(v);
                            run.push(format!("{x:.1},{y:.1}"));
                            let _ = write!(
                                s,
                                "<circle class=\"chart-dot s{si}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{name}: {}</title></circle>",
                                tick_text((v * 10.0).round() / 10.0, spec.percent)
                            );
                        }
                        None => flush(&mut run, &mut s),
                    }
                }
                flush(&mut run, &mut s);
            }
        }
        // The legend, one entry per series along the bottom.
        let lx = LEFT + (si as f64) * (plot_w / k as f64);
        let ly = H - 14.0;
        let _ = write!(
            s,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text class=\"chart-legend\" x=\"{:.1}\" y=\"{ly:.1}\" font-size=\"12\">{}</text>",
            ly - 10.0,
            lx + 16.0,
            escape(&short(&name_plain(spec, si), 28))
        );
    }
    s.push_str("</svg>");
    s
}

fn name_plain(spec: &Spec<'_>, si: usize) -> String {
    spec.series
        .get(si)
        .map(|(n, _)| n.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;
    use quick_xml::Reader;

    /// Parses `svg` as XML to the end: well-formed, balanced, one root `svg` element.
    fn well_formed(svg: &str) {
        let mut r = Reader::from_str(svg);
        let mut depth = 0i32;
        let mut roots = 0;
        loop {
            match r.read_event().expect("well-formed SVG") {
                Event::Start(e) => {
                    if depth == 0 {
                        roots += 1;
                        assert_eq!(e.name().as_ref(), b"svg");
                    }
                    depth += 1;
                }
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0);
        assert_eq!(roots, 1);
    }

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn dev_11_bar_and_line_charts_are_well_formed_svg_with_escaped_text() {
        let l = labels(&["长兴 <县> & \"局\"", "2026-11", "x"]);
        let series = vec![
            (
                "合规率 & <a>".to_owned(),
                vec![Some(50.0), None, Some(100.0)],
            ),
            ("完好率".to_owned(), vec![Some(0.0), Some(12.5), None]),
        ];
        for kind in [Kind::Bar, Kind::Line] {
            let svg = svg(&Spec {
                kind,
                title: "趋势 <script>",
                labels: &l,
                series: &series,
                percent: true,
                empty: "none",
            });
            well_formed(&svg);
            assert!(!svg.contains("<script>"));
            assert!(svg.contains("&lt;县&gt;"));
            assert!(!svg.contains("NaN"));
        }
    }

    #[test]
    fn dev_11_an_empty_chart_says_so_and_never_divides_by_zero() {
        let series = vec![("n".to_owned(), vec![None, None])];
        let svg_text = svg(&Spec {
            kind: Kind::Line,
            title: "t",
            labels: &labels(&["a", "b"]),
            series: &series,
            percent: false,
            empty: "No data",
        });
        well_formed(&svg_text);
        assert!(svg_text.contains("No data"));
        let zeros = vec![("n".to_owned(), vec![Some(0.0)])];
        let svg_text = svg(&Spec {
            kind: Kind::Bar,
            title: "t",
            labels: &labels(&["a"]),
            series: &zeros,
            percent: false,
            empty: "No data",
        });
        well_formed(&svg_text);
        assert!(!svg_text.contains("NaN") && !svg_text.contains("inf"));
        let none: Vec<(String, Vec<Option<f64>>)> = vec![];
        well_formed(&svg(&Spec {
            kind: Kind::Bar,
            title: "t",
            labels: &[],
            series: &none,
            percent: true,
            empty: "No data",
        }));
    }
}

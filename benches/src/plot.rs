//! A log-log line plot drawn into a palette image and written as PNG, for the scale table's
//! time-against-pods figure. Text uses a built-in 3×5 capital-letter font.

use crate::png::encode_indexed;

/// A line colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Blue.
    Blue,
    /// Orange.
    Orange,
    /// Green.
    Green,
    /// Red.
    Red,
    /// Purple.
    Purple,
    /// Brown.
    Brown,
    /// Grey.
    Grey,
}

impl Colour {
    fn index(self) -> u8 {
        match self {
            Colour::Blue => 3,
            Colour::Orange => 4,
            Colour::Green => 5,
            Colour::Red => 6,
            Colour::Purple => 7,
            Colour::Brown => 8,
            Colour::Grey => 9,
        }
    }
}

const WHITE: u8 = 0;
const BLACK: u8 = 1;
const GRID: u8 = 2;
const PALETTE: [[u8; 3]; 10] = [
    [255, 255, 255],
    [0, 0, 0],
    [225, 225, 225],
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [127, 127, 127],
];

/// One line of the plot: `(x, y)` points joined in order; points with a coordinate ≤ 0 are
/// left out (they have no logarithm).
#[derive(Debug, Clone)]
pub struct Series {
    /// Shown in the legend (drawn in capitals).
    pub label: String,
    /// Line and marker colour.
    pub colour: Colour,
    /// Dashed line and hollow markers, for reference series.
    pub dashed: bool,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

const WIDTH: usize = 960;
const HEIGHT: usize = 600;
const LEFT: usize = 96;
const RIGHT: usize = 24;
const TOP: usize = 44;
const BOTTOM: usize = 64;
/// Font pixels per glyph pixel.
const SCALE: usize = 2;

/// Draws `series` on log-log axes, x as a count of pods and y in milliseconds, with decade
/// grid lines, and returns the PNG bytes.
///
/// # Examples
/// ```
/// use karpenter_solver_benches::plot::{log_log, Colour, Series};
/// let line = Series { label: "ours".into(), colour: Colour::Blue, dashed: false,
///     points: vec![(1.0, 0.5), (1000.0, 40.0), (100000.0, 900.0)] };
/// let png = log_log("time against pods", "pending pods", &[line]);
/// assert_eq!(&png[1..4], b"PNG");
/// ```
pub fn log_log(title: &str, x_label: &str, series: &[Series]) -> Vec<u8> {
    let mut canvas = Canvas::new();
    let points = || {
        series
            .iter()
            .flat_map(|s| &s.points)
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
    };
    let decades = |values: &mut dyn Iterator<Item = f64>| {
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if lo.is_finite() {
            let (lo, hi) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
            (lo, hi.max(lo + 1))
        } else {
            (0, 1)
        }
    };
    let (x0, x1) = decades(&mut points().map(|p| p.0));
    let (y0, y1) = decades(&mut points().map(|p| p.1));
    let (plot_w, plot_h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
    let px =
        |x: f64| LEFT as f64 + (x.log10() - f64::from(x0)) / f64::from(x1 - x0) * plot_w as f64;
    let py = |y: f64| {
        (TOP + plot_h) as f64 - (y.log10() - f64::from(y0)) / f64::from(y1 - y0) * plot_h as f64
    };

    // Grid at each decade, short ticks at 2-9 times it, labels at the decades.
    for d in x0..=x1 {
        let x = px(10f64.powi(d)).round() as usize;
        canvas.vline(x, TOP, TOP + plot_h, GRID);
        let label = count_label(d);
        canvas.text_centred(x, TOP + plot_h + 8, &label, BLACK);
        if d < x1 {
            for k in 2..10 {
                let x = px(f64::from(k) * 10f64.powi(d)).round() as usize;
                canvas.vline(x, TOP + plot_h - 5, TOP + plot_h, BLACK);
            }
        }
    }
    for d in y0..=y1 {
        let y = py(10f64.powi(d)).round() as usize;
        canvas.hline(LEFT, LEFT + plot_w, y, GRID);
        let label = time_label(d);
        let w = text_width(&label);
        canvas.text(LEFT - 8 - w, y - 5 * SCALE / 2, &label, BLACK);
        if d < y1 {
            for k in 2..10 {
                let y = py(f64::from(k) * 10f64.powi(d)).round() as usize;
                canvas.hline(LEFT, LEFT + 5, y, BLACK);
            }
        }
    }
    canvas.rect(LEFT, TOP, LEFT + plot_w, TOP + plot_h, BLACK);
    canvas.text_centred(WIDTH / 2, 14, title, BLACK);
    canvas.text_centred(LEFT + plot_w / 2, HEIGHT - 24, x_label, BLACK);

    for s in series {
        let c = s.colour.index();
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|&(x, y)| (px(x), py(y)))
            .collect();
        for w in pts.windows(2) {
            canvas.line(w[0], w[1], c, s.dashed);
        }
        for &(x, y) in &pts {
            canvas.marker(x.round() as usize, y.round() as usize, c, !s.dashed);
        }
    }

    // Legend in the top-left corner of the plot area.
    let rows = series.len();
    let legend_w = 44
        + series
            .iter()
            .map(|s| text_width(&s.label))
            .max()
            .unwrap_or(0);
    let (lx, ly) = (LEFT + 12, TOP + 12);
    canvas.fill(lx, ly, lx + legend_w + 12, ly + 16 * rows + 8, WHITE);
    canvas.rect(lx, ly, lx + legend_w + 12, ly + 16 * rows + 8, BLACK);
    for (i, s) in series.iter().enumerate() {
        let y = ly + 12 + 16 * i;
        let c = s.colour.index();
        canvas.line(
            ((lx + 8) as f64, y as f64),
            ((lx + 40) as f64, y as f64),
            c,
            s.dashed,
        );
        canvas.marker(lx + 24, y, c, !s.dashed);
        canvas.text(lx + 48, y - 5, &s.label, BLACK);
    }

    encode_indexed(WIDTH as u32, HEIGHT as u32, &PALETTE, &canvas.pixels)
}

/// `10^d` pods: 1, 10, 100, 1K, 10K, 100K, 1M.
fn count_label(d: i32) -> String {
    match d {
        i32::MIN..=-1 => format!("{}", 10f64.powi(d)),
        0..=2 => format!("{}", 10i64.pow(d as u32)),
        3..=5 => format!("{}K", 10i64.pow(d as u32 - 3)),
        _ => format!("{}M", 10i64.pow(d as u32 - 6)),
    }
}

/// `10^d` milliseconds: 0.01 MS, 1 MS, 100 MS, 1 S, 100 S.
fn time_label(d: i32) -> String {
    match d {
        i32::MIN..=-1 => format!("{:.*} MS", (-d) as usize, 10f64.powi(d)),
        0..=2 => format!("{} MS", 10i64.pow(d as u32)),
        _ => format!("{} S", 10i64.pow(d as u32 - 3)),
    }
}

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas {
            pixels: vec![WHITE; WIDTH * HEIGHT],
        }
    }

    fn set(&mut self, x: usize, y: usize, c: u8) {
        if x < WIDTH && y < HEIGHT {
            self.pixels[y * WIDTH + x] = c;
        }
    }

    fn fill(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, c: u8) {
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.set(x, y, c);
            }
        }
    }

    fn hline(&mut self, x0: usize, x1: usize, y: usize, c: u8) {
        self.fill(x0, y, x1, y, c);
    }

    fn vline(&mut self, x: usize, y0: usize, y1: usize, c: u8) {
        self.fill(x, y0, x, y1, c);
    }

    fn rect(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, c: u8) {
        self.hline(x0, x1, y0, c);
        self.hline(x0, x1, y1, c);
        self.vline(x0, y0, y1, c);
        self.vline(x1, y0, y1, c);
    }

    /// A line two pixels thick; dashed ones draw 8 steps in every 14.
    fn line(&mut self, from: (f64, f64), to: (f64, f64), c: u8, dashed: bool) {
        let steps = (to.0 - from.0)
            .abs()
            .max((to.1 - from.1).abs())
            .ceil()
            .max(1.0) as usize;
        for i in 0..=steps {
            if dashed && i % 14 >= 8 {
                continue;
            }
            let t = i as f64 / steps as f64;
            let x = (from.0 + (to.0 - from.0) * t).round() as usize;
            let y = (from.1 + (to.1 - from.1) * t).round() as usize;
            self.fill(x, y, x + 1, y + 1, c);
        }
    }

    /// A 7×7 square centred on `(x, y)`, filled or hollow.
    fn marker(&mut self, x: usize, y: usize, c: u8, filled: bool) {
        let (x0, y0) = (x.saturating_sub(3), y.saturating_sub(3));
        if filled {
            self.fill(x0, y0, x + 3, y + 3, c);
        } else {
            self.fill(x0, y0, x + 3, y + 3, WHITE);
            self.rect(x0, y0, x + 3, y + 3, c);
        }
    }

    fn text(&mut self, x: usize, y: usize, text: &str, c: u8) {
        let mut cx = x;
        for ch in text.chars() {
            let rows = glyph(ch);
            for (r, row) in rows.iter().enumerate() {
                for (k, b) in row.bytes().enumerate() {
                    if b == b'#' {
                        let (gx, gy) = (cx + k * SCALE, y + r * SCALE);
                        self.fill(gx, gy, gx + SCALE - 1, gy + SCALE - 1, c);
                    }
                }
            }
            cx += 4 * SCALE;
        }
    }

    fn text_centred(&mut self, x: usize, y: usize, text: &str, c: u8) {
        self.text(x.saturating_sub(text_width(text) / 2), y, text, c);
    }
}

/// Width in pixels of `text` drawn by [`Canvas::text`].
fn text_width(text: &str) -> usize {
    (text.chars().count() * 4).saturating_sub(1) * SCALE
}

/// The 3×5 glyph of `ch`, drawn as capitals; characters without one are blank.
fn glyph(ch: char) -> [&'static str; 5] {
    match ch.to_ascii_uppercase() {
        '0' => ["###", "#.#", "#.#", "#.#", "###"],
        '1' => [".#.", "##.", ".#.", ".#.", "###"],
        '2' => ["###", "..#", "###", "#..", "###"],
        '3' => ["###", "..#", ".##", "..#", "###"],
        '4' => ["#.#", "#.#", "###", "..#", "..#"],
        '5' => ["###", "#..", "###", "..#", "###"],
        '6' => ["###", "#..", "###", "#.#", "###"],
        '7' => ["###", "..#", ".#.", ".#.", ".#."],
        '8' => ["###", "#.#", "###", "#.#", "###"],
        '9' => ["###", "#.#", "###", "..#", "###"],
        'A' => [".#.", "#.#", "###", "#.#", "#.#"],
        'B' => ["##.", "#.#", "##.", "#.#", "##."],
        'C' => [".##", "#..", "#..", "#..", ".##"],
        'D' => ["##.", "#.#", "#.#", "#.#", "##."],
        'E' => ["###", "#..", "##.", "#..", "###"],
        'F' => ["###", "#..", "##.", "#..", "#.."],
        'G' => [".##", "#..", "#.#", "#.#", ".##"],
        'H' => ["#.#", "#.#", "###", "#.#", "#.#"],
        'I' => ["###", ".#.", ".#.", ".#.", "###"],
        'J' => ["..#", "..#", "..#", "#.#", ".#."],
        'K' => ["#.#", "#.#", "##.", "#.#", "#.#"],
        'L' => ["#..", "#..", "#..", "#..", "###"],
        'M' => ["#.#", "###", "###", "#.#", "#.#"],
        'N' => ["##.", "#.#", "#.#", "#.#", "#.#"],
        'O' => [".#.", "#.#", "#.#", "#.#", ".#."],
        'P' => ["##.", "#.#", "##.", "#..", "#.."],
        'Q' => [".#.", "#.#", "#.#", "##.", ".##"],
        'R' => ["##.", "#.#", "##.", "#.#", "#.#"],
        'S' => [".##", "#..", ".#.", "..#", "##."],
        'T' => ["###", ".#.", ".#.", ".#.", ".#."],
        'U' => ["#.#", "#.#", "#.#", "#.#", "###"],
        'V' => ["#.#", "#.#", "#.#", "#.#", ".#."],
        'W' => ["#.#", "#.#", "###", "###", "#.#"],
        'X' => ["#.#", "#.#", ".#.", "#.#", "#.#"],
        'Y' => ["#.#", "#.#", ".#.", ".#.", ".#."],
        'Z' => ["###", "..#", ".#.", "#..", "###"],
        '.' => ["...", "...", "...", "...", ".#."],
        ',' => ["...", "...", "...", ".#.", "#.."],
        '-' => ["...", "...", "###", "...", "..."],
        '+' => ["...", ".#.", "###", ".#.", "..."],
        '=' => ["...", "###", "...", "###", "..."],
        '/' => ["..#", "..#", ".#.", "#..", "#.."],
        ':' => ["...", ".#.", "...", ".#.", "..."],
        '(' => [".#.", "#..", "#..", "#..", ".#."],
        ')' => [".#.", "..#", "..#", "..#", ".#."],
        '%' => ["#..", "..#", ".#.", "#..", "..#"],
        _ => ["...", "...", "...", "...", "..."],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_name_decades() {
        let xs: Vec<String> = (0..=5).map(count_label).collect();
        assert_eq!(xs, ["1", "10", "100", "1K", "10K", "100K"]);
        let ys: Vec<String> = (-2..=4).map(time_label).collect();
        assert_eq!(
            ys,
            ["0.01 MS", "0.1 MS", "1 MS", "10 MS", "100 MS", "1 S", "10 S"]
        );
    }

    #[test]
    fn a_plot_compresses_to_a_fraction_of_its_pixels() {
        let s = Series {
            label: "a".into(),
            colour: Colour::Red,
            dashed: false,
            points: vec![(1.0, 0.3), (100_000.0, 20_000.0)],
        };
        let png = log_log("t", "x", &[s]);
        assert!(
            png.len() < WIDTH * HEIGHT / 4,
            "compressed: {} bytes",
            png.len()
        );
    }
}

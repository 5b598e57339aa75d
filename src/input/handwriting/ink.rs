//! Ink: the strokes of one handwritten character, as the pad or a JSON file gives them,
//! bounded (a finger held on the pad, or a hostile file, cannot grow them without end)
//! and scaled into the recognition engine's writing box.

use serde::Deserialize;

/// The engine's writing box: Tegaki's models are trained on characters written into
/// a 1000×1000 box.
pub const ENGINE_BOX: f32 = 1000.0;
/// More strokes than any character needs (the most complex common ones have ~30).
pub const MAX_STROKES: usize = 48;
/// Points kept per stroke; a stroke dragged on and on keeps its first ones.
pub const MAX_POINTS_PER_STROKE: usize = 512;
/// The largest stroke file `ime --strokes` reads.
pub const MAX_FILE_BYTES: u64 = 1 << 20;
/// Points closer than this to the previous one (pad pixels) add nothing but work.
const MIN_STEP: f32 = 3.0;

/// One point, in the writing box's coordinates (y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// One character's strokes in writing order, in a `width`×`height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Ink {
    width: f32,
    height: f32,
    strokes: Vec<Vec<Point>>,
    /// A stroke is being drawn (its finger is still down).
    drawing: bool,
}

/// Why a stroke file cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InkError {
    #[error(
        "not stroke JSON ({0}); expected {{\"width\": W, \"height\": H, \"strokes\": [[[x, y], ...], ...]}}"
    )]
    Format(String),
    #[error("width and height must be between 1 and 100000, not {0}×{1}")]
    BadBox(String, String),
    #[error("{0} strokes: a character has at most {MAX_STROKES}")]
    TooManyStrokes(usize),
    #[error("stroke {0} has no points")]
    EmptyStroke(usize),
    #[error("stroke {0} has {1} points; at most {MAX_POINTS_PER_STROKE}")]
    TooManyPoints(usize, usize),
    #[error("stroke {0} has a point that is not a finite number")]
    NotFinite(usize),
    #[error("no strokes")]
    NoStrokes,
}

#[derive(Deserialize)]
struct InkFile {
    width: f64,
    height: f64,
    strokes: Vec<Vec<[f64; 2]>>,
}

impl Ink {
    /// An empty pad of this size (pixels); sizes are kept within 1..=100000.
    pub fn new(width: f32, height: f32) -> Ink {
        let side = |v: f32| if v.is_finite() { v.clamp(1.0, 100_000.0) } else { 1.0 };
        Ink { width: side(width), height: side(height), strokes: Vec::new(), drawing: false }
    }

    /// Reads `{"width": W, "height": H, "strokes": [[[x, y], …], …]}`; every number is
    /// checked, points outside the box are clamped into it.
    pub fn from_json(json: &str) -> Result<Ink, InkError> {
        let file: InkFile = serde_json::from_str(json).map_err(|e| InkError::Format(e.to_string()))?;
        let in_range = |v: f64| v.is_finite() && (1.0..=100_000.0).contains(&v);
        if !in_range(file.width) || !in_range(file.height) {
            return Err(InkError::BadBox(file.width.to_string(), file.height.to_string()));
        }
        if file.strokes.is_empty() {
            return Err(InkError::NoStrokes);
        }
        if file.strokes.len() > MAX_STROKES {
            return Err(InkError::TooManyStrokes(file.strokes.len()));
        }
        let mut ink = Ink::new(file.width as f32, file.height as f32);
        for (i, stroke) in file.strokes.iter().enumerate() {
            let n = i.saturating_add(1);
            match stroke.len() {
                0 => return Err(InkError::EmptyStroke(n)),
                len if len > MAX_POINTS_PER_STROKE => return Err(InkError::TooManyPoints(n, len)),
                _ => {}
            }
            if stroke.iter().flatten().any(|v| !v.is_finite()) {
                return Err(InkError::NotFinite(n));
            }
            let clamped: Vec<Point> = stroke.iter().map(|&[x, y]| ink.clamp(x as f32, y as f32)).collect();
            ink.strokes.push(clamped);
        }
        Ok(ink)
    }

    fn clamp(&self, x: f32, y: f32) -> Point {
        let x = if x.is_finite() { x.clamp(0.0, self.width) } else { 0.0 };
        let y = if y.is_finite() { y.clamp(0.0, self.height) } else { 0.0 };
        Point { x, y }
    }

    /// A finger went down: a new stroke starts (ignored once the character is full).
    pub fn begin(&mut self, x: f32, y: f32) {
        self.drawing = false;
        if self.strokes.len() >= MAX_STROKES {
            return;
        }
        let p = self.clamp(x, y);
        self.strokes.push(vec![p]);
        self.drawing = true;
    }

    /// The finger moved: the point joins the stroke being drawn (if it moved far enough).
    pub fn extend(&mut self, x: f32, y: f32) {
        if !self.drawing {
            return;
        }
        let p = self.clamp(x, y);
        let Some(stroke) = self.strokes.last_mut() else { return };
        let far_enough = stroke.last().is_none_or(|q| (p.x - q.x).hypot(p.y - q.y) >= MIN_STEP);
        if far_enough && stroke.len() < MAX_POINTS_PER_STROKE {
            stroke.push(p);
        }
    }

    /// The finger lifted: the stroke is finished. Returns whether a stroke was finished.
    pub fn end(&mut self) -> bool {
        std::mem::replace(&mut self.drawing, false)
    }

    /// Takes back the last stroke.
    pub fn undo(&mut self) {
        self.strokes.pop();
        self.drawing = false;
    }

    /// Empties the pad (重写, or a character was chosen).
    pub fn clear(&mut self) {
        self.strokes.clear();
        self.drawing = false;
    }

    /// The box's size (pixels of the pad it was drawn on).
    pub fn width(&self) -> f32 {
        self.width
    }

    pub fn height(&self) -> f32 {
        self.height
    }

    pub fn is_empty(&self) -> bool {
        self.strokes.is_empty()
    }

    pub fn stroke_count(&self) -> usize {
        self.strokes.len()
    }

    pub fn strokes(&self) -> &[Vec<Point>] {
        &self.strokes
    }

    /// The strokes scaled into the engine's box, keeping their proportions (a character
    /// written on a wide pad is not stretched), as whole units.
    pub fn scaled_to_engine(&self) -> Vec<Vec<(i32, i32)>> {
        let scale = (ENGINE_BOX / self.width).min(ENGINE_BOX / self.height);
        let unit = |v: f32| (v * scale).round().clamp(0.0, ENGINE_BOX) as i32;
        self.strokes.iter().map(|s| s.iter().map(|p| (unit(p.x), unit(p.y))).collect()).collect()
    }

    /// The strokes as SVG path commands in pad pixels, as the pad draws them ("" when
    /// empty). A one-point stroke (a dot) is drawn as a short line so it shows.
    pub fn path_commands(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        for stroke in &self.strokes {
            let Some(first) = stroke.first() else { continue };
            let _ = write!(out, "M {:.0} {:.0} ", first.x, first.y);
            if stroke.len() == 1 {
                let _ = write!(out, "L {:.0} {:.0} ", first.x + 1.0, first.y + 1.0);
            }
            for p in &stroke[1..] {
                let _ = write!(out, "L {:.0} {:.0} ", p.x, p.y);
            }
        }
        out.truncate(out.trim_end().len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stroke_file_is_read_and_checked() {
        let ink =
            Ink::from_json(r#"{"width": 600, "height": 300, "strokes": [[[0, 0], [700, -5]]]}"#).unwrap();
        assert_eq!(ink.strokes()[0], vec![Point { x: 0.0, y: 0.0 }, Point { x: 600.0, y: 0.0 }]);
        // Scaled by the shorter side's factor: the 600 px wide box becomes 1000 wide.
        assert_eq!(ink.scaled_to_engine(), vec![vec![(0, 0), (1000, 0)]]);
        let bad = |json: &str| Ink::from_json(json).unwrap_err();
        assert!(matches!(bad("[]"), InkError::Format(_)));
        assert!(matches!(bad(r#"{"width": 0, "height": 1, "strokes": [[[0,0]]]}"#), InkError::BadBox(..)));
        assert_eq!(bad(r#"{"width": 9, "height": 9, "strokes": []}"#), InkError::NoStrokes);
        assert_eq!(bad(r#"{"width": 9, "height": 9, "strokes": [[[1,1]], []]}"#), InkError::EmptyStroke(2));
        let many = format!(r#"{{"width": 9, "height": 9, "strokes": [{}]}}"#, vec!["[[1,1]]"; 49].join(","));
        assert_eq!(bad(&many), InkError::TooManyStrokes(49));
        let long = format!(r#"{{"width": 9, "height": 9, "strokes": [[{}]]}}"#, vec!["[1,1]"; 513].join(","));
        assert_eq!(bad(&long), InkError::TooManyPoints(1, 513));
    }

    #[test]
    fn live_drawing_is_bounded_and_thins_points() {
        let mut ink = Ink::new(600.0, 600.0);
        ink.extend(5.0, 5.0);
        assert!(ink.is_empty(), "a move without a finger down draws nothing");
        ink.begin(10.0, 10.0);
        ink.extend(11.0, 10.0); // closer than MIN_STEP: dropped
        ink.extend(20.0, 10.0);
        ink.extend(9999.0, f32::NAN);
        assert!(ink.end());
        assert!(!ink.end(), "a second lift finishes nothing");
        assert_eq!(ink.strokes()[0].len(), 3);
        assert_eq!(ink.strokes()[0][2], Point { x: 600.0, y: 0.0 });
        assert_eq!(ink.path_commands(), "M 10 10 L 20 10 L 600 0");
        for i in 0..(MAX_POINTS_PER_STROKE * 2) {
            ink.begin(0.0, 0.0);
            ink.extend(i as f32, 0.0);
        }
        assert_eq!(ink.stroke_count(), MAX_STROKES);
        ink.begin(0.0, 0.0);
        assert_eq!(ink.stroke_count(), MAX_STROKES, "a full character takes no more strokes");
        ink.undo();
        ink.begin(0.0, 0.0);
        for i in 0..(MAX_POINTS_PER_STROKE * 4) {
            ink.extend((i % 100) as f32 * 5.0, (i / 100) as f32 * 5.0);
        }
        assert_eq!(ink.strokes()[MAX_STROKES - 1].len(), MAX_POINTS_PER_STROKE);
        ink.undo();
        assert_eq!(ink.stroke_count(), MAX_STROKES - 1);
        ink.clear();
        assert!(ink.is_empty());
        assert_eq!(ink.path_commands(), "");
    }
}

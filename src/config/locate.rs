//! Maps between field paths (`departments[2].id`) and places in the TOML text, so every
//! config problem can name its line.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A key in a table.
    Key(String),
    /// An element of an array (of tables or values).
    Index(usize),
}

/// Where a field sits in the config, e.g. `matters[4].department`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// A path of one key.
    pub fn key(name: &str) -> Self {
        FieldPath(vec![Segment::Key(name.to_string())])
    }

    /// This path extended by a key.
    pub fn field(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(name.to_string()));
        p
    }

    /// This path extended by an array index.
    pub fn at(&self, index: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(index));
        p
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The span of the value at `path`, or of the closest enclosing value that exists
/// (a missing key is reported at its table).
pub fn span_of(text: &str, path: &FieldPath) -> Option<Range<usize>> {
    let root = DeTable::parse(text).ok()?;
    let mut best = root.span();
    let mut table: &DeTable<'_> = root.get_ref();
    let mut current: Option<&Spanned<DeValue<'_>>> = None;
    for seg in &path.0 {
        let next = match (seg, current) {
            (Segment::Key(k), None) => table.get(k.as_str()),
            (Segment::Key(k), Some(v)) => v.get_ref().get(k.as_str()),
            (Segment::Index(i), Some(v)) => v.get_ref().get(*i),
            (Segment::Index(_), None) => None,
        };
        match next {
            Some(v) => {
                best = v.span();
                current = Some(v);
            }
            None => break,
        }
        if let Some(t) = current.and_then(|v| v.get_ref().as_table()) {
            table = t;
        }
    }
    Some(best)
}

/// The path of the innermost key or value whose span contains `offset`, used to name the
/// field in a parse error that only carries a position.
pub fn path_at(text: &str, offset: usize) -> Option<String> {
    let root = DeTable::parse(text).ok()?;
    let mut path = FieldPath::default();
    descend_table(root.get_ref(), offset, &mut path);
    (!path.0.is_empty()).then(|| path.to_string())
}

fn descend_table(table: &DeTable<'_>, offset: usize, path: &mut FieldPath) {
    for (key, value) in table.iter() {
        if key.span().contains(&offset) {
            path.0.push(Segment::Key(key.get_ref().to_string()));
            return;
        }
        if value.span().contains(&offset) || contains_nested(value, offset) {
            path.0.push(Segment::Key(key.get_ref().to_string()));
            descend_value(value.get_ref(), offset, path);
            return;
        }
    }
}

/// Tables made with `[header]` syntax have spans that may not cover their body; look inside.
fn contains_nested(value: &Spanned<DeValue<'_>>, offset: usize) -> bool {
    match value.get_ref() {
        DeValue::Table(t) => t.iter().any(|(k, v)| {
            k.span().contains(&offset) || v.span().contains(&offset) || contains_nested(v, offset)
        }),
        DeValue::Array(a) => a.iter().any(|v| v.span().contains(&offset) || contains_nested(v, offset)),
        _ => false,
    }
}

fn descend_value(value: &DeValue<'_>, offset: usize, path: &mut FieldPath) {
    match value {
        DeValue::Table(t) => descend_table(t, offset, path),
        DeValue::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                if v.span().contains(&offset) || contains_nested(v, offset) {
                    path.0.push(Segment::Index(i));
                    descend_value(v.get_ref(), offset, path);
                    return;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "[kiosk]\nid = \"K1\"\n\n[[departments]]\nid = \"a\"\n\n[[departments]]\nid = \"b\"\nname = { zh = \"乙\", en = \"B\" }\n";

    #[test]
    fn finds_line_of_nested_field() {
        let path = FieldPath::key("departments").at(1).field("id");
        let span = span_of(SAMPLE, &path).unwrap();
        assert_eq!(line_of(SAMPLE, span.start), 8);
        let path = FieldPath::key("departments").at(1).field("name").field("en");
        assert_eq!(line_of(SAMPLE, span_of(SAMPLE, &path).unwrap().start), 9);
    }

    #[test]
    fn missing_field_falls_back_to_its_table() {
        let path = FieldPath::key("departments").at(0).field("name");
        let span = span_of(SAMPLE, &path).unwrap();
        assert!(matches!(line_of(SAMPLE, span.start), 4 | 5), "got line {}", line_of(SAMPLE, span.start));
    }

    #[test]
    fn names_path_at_offset() {
        let offset = SAMPLE.find("\"b\"").unwrap();
        assert_eq!(path_at(SAMPLE, offset).as_deref(), Some("departments[1].id"));
    }

    #[test]
    fn displays_paths() {
        assert_eq!(FieldPath::key("matters").at(3).field("name").to_string(), "matters[3].name");
    }
}

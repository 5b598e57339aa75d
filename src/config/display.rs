//! `[display]`: how the panel is mounted. Kept apart from the other sections so it can be
//! read on its own; the rotation is applied by the panel (DRM) backend at start.

use serde::Deserialize;

/// `[display]`: the panel itself.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisplaySection {
    /// Clockwise rotation of the picture, for a panel mounted turned: 0, 90, 180 or 270.
    #[serde(default)]
    pub rotation: Rotation,
    /// Height of the visible area's bottom edge above the floor, in mm (with `height_mm`):
    /// where hands reach on the panel (`hall::reach`).
    pub bottom_mm: Option<u32>,
    /// Height of the visible area, in mm.
    pub height_mm: Option<u32>,
}

/// A clockwise rotation in whole quarter turns; anything else is refused when parsing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "i64")]
pub enum Rotation {
    /// Upright.
    #[default]
    Deg0,
    /// A quarter turn clockwise.
    Deg90,
    /// Upside down.
    Deg180,
    /// Three quarter turns clockwise.
    Deg270,
}

impl Rotation {
    /// The angle in degrees.
    pub fn degrees(self) -> u16 {
        match self {
            Rotation::Deg0 => 0,
            Rotation::Deg90 => 90,
            Rotation::Deg180 => 180,
            Rotation::Deg270 => 270,
        }
    }
}

impl TryFrom<i64> for Rotation {
    type Error = String;

    fn try_from(degrees: i64) -> Result<Self, Self::Error> {
        match degrees {
            0 => Ok(Rotation::Deg0),
            90 => Ok(Rotation::Deg90),
            180 => Ok(Rotation::Deg180),
            270 => Ok(Rotation::Deg270),
            other => Err(format!("{other} is not a rotation; use 0, 90, 180 or 270")),
        }
    }
}

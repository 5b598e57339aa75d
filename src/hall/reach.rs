//! Where hands reach on a panel mounted at a given height: the band of the screen in which
//! every target must lie, for a standing citizen and for one seated in a wheelchair.
//!
//! A floor-standing portrait totem puts its top out of reach of a seated citizen, a short
//! one or a child. The bands come from ADA 2010 §308 (forward reach, unobstructed: 15–48 in,
//! 380–1,220 mm) for seated use, and a comfortable standing reach up to 1,600 mm.

/// Highest comfortable reach of a standing adult, in mm above the floor.
pub const STANDING_HIGH_MM: u32 = 1600;
/// Highest forward reach from a wheelchair (ADA 308.2.1), in mm.
pub const SEATED_HIGH_MM: u32 = 1220;
/// Lowest forward reach from a wheelchair (ADA 308.2.1), in mm; also the lowest a
/// standing person is asked to bend to.
pub const LOW_MM: u32 = 380;

/// How the panel's visible area is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mounting {
    /// Height of the visible area's bottom edge above the floor, in mm.
    pub bottom_mm: u32,
    /// Height of the visible area, in mm.
    pub height_mm: u32,
}

impl Mounting {
    /// The mounting `[display]` describes, when it gives both heights (validation
    /// requires both or neither).
    pub fn from_config(display: &crate::config::DisplaySection) -> Option<Mounting> {
        Some(Mounting { bottom_mm: display.bottom_mm?, height_mm: display.height_mm? })
    }
}

/// The reach bands as fractions of the panel's height measured from its top edge:
/// targets belong between `*_top` and `bottom`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReachBands {
    /// Top of the standing band (0 when the panel's top is within reach).
    pub standing_top: f32,
    /// Top of the seated band.
    pub seated_top: f32,
    /// Bottom of both bands (1 when the panel's bottom edge is within reach).
    pub bottom: f32,
}

impl ReachBands {
    /// The whole panel: a desk or wall panel with no mounting given.
    pub const WHOLE_PANEL: ReachBands = ReachBands { standing_top: 0.0, seated_top: 0.0, bottom: 1.0 };

    /// The bands of a panel mounted as `m`. A panel too high or too low for a band gets
    /// the nearest edge, never a band outside the screen.
    pub fn of(m: Mounting) -> ReachBands {
        let height = m.height_mm.max(1) as f32;
        let top_mm = m.bottom_mm.saturating_add(m.height_mm) as f32;
        // Fraction from the top of the panel at which a height above the floor lies.
        let at = |mm: u32| ((top_mm - mm as f32) / height).clamp(0.0, 1.0);
        ReachBands { standing_top: at(STANDING_HIGH_MM), seated_top: at(SEATED_HIGH_MM), bottom: at(LOW_MM) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_totem_leaves_its_top_fifth_out_of_standing_reach() {
        // 43″ portrait totem: visible area from 850 mm to 1,800 mm.
        let bands = ReachBands::of(Mounting { bottom_mm: 850, height_mm: 950 });
        assert!((bands.standing_top - 200.0 / 950.0).abs() < 1e-6, "{bands:?}");
        assert!((bands.seated_top - 580.0 / 950.0).abs() < 1e-6, "{bands:?}");
        assert_eq!(bands.bottom, 1.0, "the bottom edge (850 mm) is above the low limit");
        // On a 1,920 px panel: targets below 404 px standing, below 1,172 px seated.
        assert_eq!((bands.standing_top * 1920.0) as u32, 404);
        assert_eq!((bands.seated_top * 1920.0) as u32, 1172);
    }

    #[test]
    fn a_low_panel_keeps_targets_off_its_bottom_and_a_short_one_is_all_in_reach() {
        let low = ReachBands::of(Mounting { bottom_mm: 200, height_mm: 1000 });
        assert_eq!(low.standing_top, 0.0, "the top (1,200 mm) is within standing reach");
        assert!((low.seated_top - 0.0).abs() < 1e-6);
        assert!((low.bottom - 0.82).abs() < 1e-6, "{low:?}");
        let desk = ReachBands::of(Mounting { bottom_mm: 700, height_mm: 400 });
        assert_eq!(desk, ReachBands::WHOLE_PANEL);
    }

    #[test]
    fn nonsense_never_leaves_the_screen() {
        let b = ReachBands::of(Mounting { bottom_mm: u32::MAX, height_mm: 0 });
        assert!((0.0..=1.0).contains(&b.standing_top) && (0.0..=1.0).contains(&b.bottom));
    }
}

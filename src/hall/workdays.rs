//! Working-day arithmetic with the hall's holiday calendar: Monday to Friday, minus public
//! holidays, plus make-up working days (调休). Promised reply dates are counted in these.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

use crate::config::LoadedConfig;

/// How long before the listed calendar runs out staff are told to add the next year.
pub const NEXT_YEAR_WARNING_DAYS: u64 = 31;

/// Which days the hall works.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// A calendar from explicit holiday and make-up working day lists.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        makeup_workdays: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        WorkCalendar {
            holidays: holidays.into_iter().collect(),
            makeup_workdays: makeup_workdays.into_iter().collect(),
        }
    }

    /// The calendar of a validated config.
    pub fn from_config(config: &LoadedConfig) -> Self {
        Self::new(config.holidays.iter().copied(), config.makeup_workdays.iter().copied())
    }

    /// Whether the hall works on this day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.makeup_workdays.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// The last day the calendar speaks for: 31 December of the latest year it lists a
    /// holiday or make-up day in. `None` for an empty calendar (weekdays only, by choice).
    pub fn listed_through(&self) -> Option<NaiveDate> {
        let last = self.holidays.last().into_iter().chain(self.makeup_workdays.last()).max()?;
        NaiveDate::from_ymd_opt(last.year(), 12, 31)
    }

    /// Whether staff must add the next year's holidays now: the State Council announces
    /// them in the autumn, and from a month before the listed year ends the kiosk says
    /// so, or it would promise replies on the Spring Festival. A reply is due at most 10
    /// working days out, so the month leaves time for the config to reach the kiosk.
    pub fn needs_next_year(&self, today: NaiveDate) -> bool {
        self.listed_through().is_some_and(|end| {
            today.checked_add_days(Days::new(NEXT_YEAR_WARNING_DAYS)).is_none_or(|d| d > end)
        })
    }

    /// The date `days` working days after `from`, not counting `from` itself: a reply
    /// promised "within 2 working days" of a Friday complaint is due on Tuesday.
    pub fn add_working_days(&self, from: NaiveDate, days: u32) -> NaiveDate {
        let mut day = from;
        let mut left = days;
        while left > 0 {
            day = day.checked_add_days(Days::new(1)).expect("date within chrono's range");
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The 2026 Spring Festival: 15-23 February off, Saturdays 14 and 28 February worked.
    fn spring_festival_2026() -> WorkCalendar {
        WorkCalendar::new((15..=23).map(|day| d(2026, 2, day)), [d(2026, 2, 14), d(2026, 2, 28)])
    }

    #[test]
    fn staff_are_told_a_month_before_the_listed_year_runs_out() {
        let cal = spring_festival_2026();
        assert_eq!(cal.listed_through(), Some(d(2026, 12, 31)));
        assert!(!cal.needs_next_year(d(2026, 11, 30)), "31 days left: still covered");
        assert!(cal.needs_next_year(d(2026, 12, 1)), "the month before it ends");
        assert!(cal.needs_next_year(d(2027, 1, 5)), "and after, until it is updated");
        // Next year's holidays listed (a make-up day counts as listing the year).
        let updated = WorkCalendar::new((15..=23).map(|day| d(2026, 2, day)), [d(2027, 2, 20)]);
        assert_eq!(updated.listed_through(), Some(d(2027, 12, 31)));
        assert!(!updated.needs_next_year(d(2026, 12, 1)));
        // A hall that lists nothing counts weekdays only, by its own choice: no alert.
        assert!(!WorkCalendar::default().needs_next_year(d(2026, 12, 1)));
        assert!(cal.needs_next_year(NaiveDate::MAX), "at the end of chrono's dates: no overflow");
    }

    #[test]
    fn the_halls_own_calendar_comes_from_its_config() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiosk-config/example.toml");
        let cal = WorkCalendar::from_config(&crate::config::load(&path).unwrap());
        assert!(!cal.is_working_day(d(2026, 10, 5)), "National Day, a Monday");
        assert!(cal.is_working_day(d(2026, 10, 10)), "the make-up Saturday after it");
        // A complaint on 30 September is answered within 2 working days: 8 and 9 October.
        assert_eq!(cal.add_working_days(d(2026, 9, 30), 2), d(2026, 10, 9));
    }

    #[test]
    fn plain_week_skips_the_weekend() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.add_working_days(d(2026, 11, 19), 2), d(2026, 11, 23)); // Thu -> Mon
        assert_eq!(cal.add_working_days(d(2026, 11, 16), 5), d(2026, 11, 23)); // Mon -> Mon
        assert_eq!(cal.add_working_days(d(2026, 11, 22), 1), d(2026, 11, 23)); // Sun -> Mon
    }

    #[test]
    fn spring_festival_with_makeup_days() {
        let cal = spring_festival_2026();
        assert!(cal.is_working_day(d(2026, 2, 14)), "make-up Saturday is worked");
        assert!(!cal.is_working_day(d(2026, 2, 16)), "holiday Monday is off");
        // Friday 13th: day 1 is the make-up Saturday, then nine days off, day 2 is Tue 24th.
        assert_eq!(cal.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        // Thursday 12th + 5: Fri 13, Sat 14, Tue 24, Wed 25, Thu 26.
        assert_eq!(cal.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        // Filed during the holiday: Tue 24 is day 1, ..., Fri 27 day 4, make-up Sat 28 day 5.
        assert_eq!(cal.add_working_days(d(2026, 2, 18), 5), d(2026, 2, 28));
    }

    #[test]
    fn ten_days_never_lands_on_a_day_off() {
        let cal = spring_festival_2026();
        let mut day = d(2026, 1, 1);
        while day < d(2026, 3, 31) {
            let due = cal.add_working_days(day, 10);
            assert!(cal.is_working_day(due), "{day} + 10 = {due}");
            assert!(due > day);
            day = day.succ_opt().unwrap();
        }
    }
}

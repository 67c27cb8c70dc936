//! The business calendar: when a desk's clock runs, and how far it has run. A leaf under the
//! SLA rules: a ticket's due time is `add_business_minutes(filed_at, target)`, and the time it
//! has spent in business hours is `business_minutes_between`. It also holds the one check of
//! business hours that needs the tz database, which the browser does not carry.
//!
//! Each day's opening and closing are civil times in the configured zone, turned into instants
//! one day at a time, so a day on which the clocks change is as long as the wall clock says
//! (an office open 00:00–24:00 is open 23 hours on spring-forward day and 25 on fall-back day).
//! Local times that happen twice (a fold) mean their first occurrence; local times that never
//! happen (a gap) mean the instant the clocks jump. That keeps the mapping from local time to
//! instants monotonic, so a day's window never runs backwards and days never overlap.
//!
//! Near the ends of jiff's calendar (the years -9999 and 9999) there is no next opening to
//! report; the arithmetic then saturates at `Timestamp::MAX` instead of failing.

use std::collections::BTreeSet;

use app::tickets::settings::hours::{BusinessHours, BusinessHoursError};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Span, Timestamp};

const MINUTES_PER_DAY: u16 = 24 * 60;

/// More business minutes than the whole timestamp range can hold. Larger targets are clamped
/// so the arithmetic below can never overflow; the answer for them is `Timestamp::MAX` anyway.
const MAX_MINUTES: i64 = 20_000_000_000;

/// Spans up to this many calendar days are summed day by day; longer ones count whole days
/// arithmetically and only look closely at the days around a time zone transition.
const SHORT_SPAN_DAYS: i64 = 14;

/// Business hours as the server reads them, from a form or from the database: the shared
/// `BusinessHours::parse`, with the time zone looked up in the tz database and stored in its
/// spelling, so "europe/berlin" is saved as "Europe/Berlin".
pub fn parse_hours(
    time_zone: &str,
    weekdays: &str,
    start: &str,
    end: &str,
) -> Result<BusinessHours, BusinessHoursError> {
    BusinessHours::parse_with(zone_name, time_zone, weekdays, start, end)
}

/// The tz database's spelling of the zone `name`, or `None` when it has no such zone.
fn zone_name(name: &str) -> Option<String> {
    let tz = TimeZone::get(name).ok()?;
    Some(tz.iana_name().unwrap_or(name).to_string())
}

/// The calendar arithmetic of business hours. A trait because the hours are a shared type of
/// the `app` crate and the arithmetic needs jiff's tz database, which only the server has.
pub trait BusinessCalendar {
    /// Whether the desk is working at `at`.
    ///
    /// Hours that cannot be used (unknown zone, no open day, closing not after opening, which
    /// `parse_hours` never produces) are treated as never open.
    fn is_open(&self, at: Timestamp) -> bool;

    /// The instant at which `minutes` business minutes have elapsed, counting from `from`.
    ///
    /// Outside business hours the count starts at the next opening. A target that runs out
    /// exactly at a closing time is due at that closing, not at the next opening.
    ///
    /// For `minutes <= 0` nothing is counted: the answer is `from` if the desk is open then,
    /// otherwise the next opening, so a zero target is due as soon as someone can act on it.
    ///
    /// Hours that cannot be used (see `is_open`) return `from` unchanged; a target beyond the
    /// end of the calendar returns `Timestamp::MAX`.
    fn add_business_minutes(&self, from: Timestamp, minutes: i64) -> Timestamp;

    /// The whole business minutes in `[from, to)`; 0 when `to` is not after `from`.
    fn business_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64;
}

impl BusinessCalendar for BusinessHours {
    fn is_open(&self, at: Timestamp) -> bool {
        let Some(schedule) = Schedule::new(self) else {
            return false;
        };
        let date = schedule.tz.to_datetime(at).date();
        // A fold or gap around midnight can put an instant's window on the neighbouring date.
        [previous_day(date), date, next_day(date)]
            .into_iter()
            .filter_map(|day| schedule.window(day))
            .any(|(open, close)| open <= at && at < close)
    }

    fn add_business_minutes(&self, from: Timestamp, minutes: i64) -> Timestamp {
        let Some(schedule) = Schedule::new(self) else {
            return from;
        };
        if minutes <= 0 {
            return schedule.next_open_instant(from);
        }
        schedule.add(from, SignedDuration::from_mins(minutes.min(MAX_MINUTES)))
    }

    fn business_minutes_between(&self, from: Timestamp, to: Timestamp) -> i64 {
        match Schedule::new(self) {
            Some(schedule) => schedule.between(from, to).as_secs() / 60,
            None => 0,
        }
    }
}

/// Validated business hours with the zone looked up once for a whole calculation.
struct Schedule {
    tz: TimeZone,
    weekdays: [bool; 7],
    open: Time,
    /// `None` when the desk closes at 24:00, which is the next day's midnight.
    close: Option<Time>,
    /// A day's business time when no clock change falls inside it.
    day_length: SignedDuration,
    days_per_week: i64,
}

impl Schedule {
    /// The hours in the form the arithmetic needs, or `None` when they can never be open.
    fn new(hours: &BusinessHours) -> Option<Schedule> {
        let days_per_week: i64 = hours.weekdays.iter().map(|open| i64::from(*open)).sum();
        if days_per_week == 0
            || hours.end_minute > MINUTES_PER_DAY
            || hours.end_minute <= hours.start_minute
        {
            return None;
        }
        // An unknown zone can only come from a hand-edited setting; it reads as "closed"
        // rather than silently counting in UTC.
        let Ok(tz) = TimeZone::get(&hours.time_zone) else {
            return None;
        };
        let open = clock_time(hours.start_minute)?;
        let close = if hours.end_minute == MINUTES_PER_DAY {
            None
        } else {
            Some(clock_time(hours.end_minute)?)
        };
        let day_length =
            SignedDuration::from_mins(i64::from(hours.end_minute - hours.start_minute));
        Some(Schedule {
            tz,
            weekdays: hours.weekdays,
            open,
            close,
            day_length,
            days_per_week,
        })
    }

    /// The business time of `count` days without clock changes.
    fn days(&self, count: i64) -> SignedDuration {
        SignedDuration::from_secs(self.day_length.as_secs().saturating_mul(count))
    }

    fn is_open_day(&self, date: Date) -> bool {
        let index = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
        self.weekdays[index]
    }

    /// The instants `[open, close)` of `date`'s business hours, or `None` if the desk is
    /// closed that day (or the day lies at the very end of the calendar).
    ///
    /// Windows of successive days never overlap: each lies between its own local midnight and
    /// the next, and `instant` is monotonic.
    fn window(&self, date: Date) -> Option<(Timestamp, Timestamp)> {
        if !self.is_open_day(date) {
            return None;
        }
        let open = self.instant(date.to_datetime(self.open))?;
        let close_time = match self.close {
            Some(close) => date.to_datetime(close),
            None => date.tomorrow().ok()?.to_datetime(Time::midnight()),
        };
        let close = self.instant(close_time)?;
        // `instant` is monotonic, so this never bites; it keeps an inverted window from ever
        // counting as negative business time.
        Some((open, close.max(open)))
    }

    /// The instant a local wall-clock time means: the first occurrence in a fold, and the
    /// moment the clocks jump in a gap. Unlike jiff's "compatible" choice this never maps a
    /// later local time to an earlier instant, which the window arithmetic relies on.
    fn instant(&self, local: DateTime) -> Option<Timestamp> {
        let ambiguous = self.tz.to_ambiguous_timestamp(local);
        match ambiguous.offset() {
            AmbiguousOffset::Gap { .. } => {
                // `earlier` reads the missing time with the later offset, which lands just
                // before the jump; the next transition is the jump itself.
                let before_jump = ambiguous.earlier().ok()?;
                self.tz
                    .following(before_jump)
                    .next()
                    .map(|transition| transition.timestamp())
            }
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => {
                ambiguous.earlier().ok()
            }
        }
    }

    fn date_of(&self, at: Timestamp) -> Date {
        self.tz.to_datetime(at).date()
    }

    /// `from` if the desk is open then, otherwise the next opening.
    fn next_open_instant(&self, from: Timestamp) -> Timestamp {
        let mut day = previous_day(self.date_of(from));
        loop {
            if let Some((open, close)) = self.window(day)
                && close > from
                && close > open
            {
                return open.max(from);
            }
            let Ok(next) = day.tomorrow() else {
                return Timestamp::MAX;
            };
            day = next;
        }
    }

    /// The earliest instant by which `target` (positive) business time has elapsed since
    /// `from`.
    fn add(&self, from: Timestamp, target: SignedDuration) -> Timestamp {
        let mut cursor = from;
        let mut remaining = target;

        // Skip whole weeks while far from the target. Jumping to a local midnight a whole
        // number of weeks later and measuring the business time in between (which `between`
        // does without visiting every day) stays exact across clock changes. One week is left
        // as slack so the jump never overshoots; should a clock change eat the slack, halve.
        let week = self.days(self.days_per_week);
        let mut weeks = remaining.as_secs() / week.as_secs() - 1;
        while weeks > 0 {
            match self.jump(cursor, weeks) {
                Some((landing, used)) if used < remaining => {
                    cursor = landing;
                    remaining -= used;
                    weeks = remaining.as_secs() / week.as_secs() - 1;
                }
                _ => weeks /= 2,
            }
        }

        // Walk the remaining (at most a few weeks of) days one window at a time.
        let mut day = previous_day(self.date_of(cursor));
        loop {
            if let Some((open, close)) = self.window(day) {
                let begin = open.max(cursor);
                if close > begin {
                    let available = begin.duration_until(close);
                    if remaining <= available {
                        return begin.checked_add(remaining).unwrap_or(Timestamp::MAX);
                    }
                    remaining -= available;
                }
            }
            let Ok(next) = day.tomorrow() else {
                return Timestamp::MAX;
            };
            day = next;
        }
    }

    /// The local midnight `weeks` weeks after `from`'s date, and the business time until it.
    fn jump(&self, from: Timestamp, weeks: i64) -> Option<(Timestamp, SignedDuration)> {
        let days = Span::new().try_days(weeks.checked_mul(7)?).ok()?;
        let date = self.date_of(from).checked_add(days).ok()?;
        let landing = self.instant(date.to_datetime(Time::midnight()))?;
        Some((landing, self.between(from, landing)))
    }

    /// The business time in `[from, to)`.
    fn between(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        if to <= from {
            return SignedDuration::ZERO;
        }
        let first = self.date_of(from);
        let last = self.date_of(to);
        if first.duration_until(last).as_hours() <= SHORT_SPAN_DAYS * 24 {
            return self.between_day_by_day(from, to);
        }
        // Split off the days strictly inside the span, with two days' margin at each end, so
        // that their windows lie wholly inside [from, to) however the clocks move near the
        // ends; the ends themselves are counted window by window. The middle runs from local
        // midnight starting `middle_first` to local midnight ending `middle_last`.
        let (Ok(middle_first), Ok(after_middle), Ok(middle_last)) = (
            first.checked_add(Span::new().days(2)),
            last.checked_sub(Span::new().days(1)),
            last.checked_sub(Span::new().days(2)),
        ) else {
            return self.between_day_by_day(from, to);
        };
        let (Some(middle_start), Some(middle_end)) = (
            self.instant(middle_first.to_datetime(Time::midnight())),
            self.instant(after_middle.to_datetime(Time::midnight())),
        ) else {
            return self.between_day_by_day(from, to);
        };
        if !(from <= middle_start && middle_start <= middle_end && middle_end <= to) {
            return self.between_day_by_day(from, to);
        }
        self.between_day_by_day(from, middle_start)
            + self.whole_days(middle_first, middle_last, middle_start, middle_end)
            + self.between_day_by_day(middle_end, to)
    }

    /// The business time in `[from, to)`, summed over every day whose window might touch it.
    fn between_day_by_day(&self, from: Timestamp, to: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if to <= from {
            return total;
        }
        let last = next_day(self.date_of(to));
        let mut day = previous_day(self.date_of(from));
        while day <= last {
            if let Some((open, close)) = self.window(day) {
                let begin = open.max(from);
                let end = close.min(to);
                if end > begin {
                    total += begin.duration_until(end);
                }
            }
            let Ok(next) = day.tomorrow() else {
                break;
            };
            day = next;
        }
        total
    }

    /// The business time of every day from `first` to `last` inclusive, which lie between the
    /// instants `start` and `end`: nominal days counted arithmetically, then corrected on the
    /// few days a time zone transition makes longer or shorter.
    fn whole_days(
        &self,
        first: Date,
        last: Date,
        start: Timestamp,
        end: Timestamp,
    ) -> SignedDuration {
        let day_count = first.duration_until(last).as_hours() / 24 + 1;
        let mut open_days = day_count / 7 * self.days_per_week;
        let mut day = first;
        for _ in 0..day_count % 7 {
            if self.is_open_day(day) {
                open_days += 1;
            }
            let Ok(next) = day.tomorrow() else {
                break;
            };
            day = next;
        }
        let mut total = self.days(open_days);

        // A window only differs from the nominal length if a transition falls near it, and
        // then its date is within a day of the transition's local date on either side.
        let margin = SignedDuration::from_hours(48);
        let search_from = start.checked_sub(margin).unwrap_or(Timestamp::MIN);
        let search_to = end.checked_add(margin).unwrap_or(Timestamp::MAX);
        let mut touched = BTreeSet::new();
        for transition in self.tz.following(search_from) {
            let at = transition.timestamp();
            if at > search_to {
                break;
            }
            let just_before = at.checked_sub(SignedDuration::from_nanos(1)).unwrap_or(at);
            for date in [self.date_of(just_before), self.date_of(at)] {
                touched.extend([previous_day(date), date, next_day(date)]);
            }
        }
        for date in touched
            .into_iter()
            .filter(|date| first <= *date && *date <= last)
        {
            if let Some((open, close)) = self.window(date) {
                total += open.duration_until(close) - self.day_length;
            }
        }
        total
    }
}

fn previous_day(date: Date) -> Date {
    date.yesterday().unwrap_or(date)
}

fn next_day(date: Date) -> Date {
    date.tomorrow().unwrap_or(date)
}

/// The civil time for a minute of the day before 24:00.
fn clock_time(minute: u16) -> Option<Time> {
    let hour = i8::try_from(minute / 60).ok()?;
    let minute = i8::try_from(minute % 60).ok()?;
    Time::new(hour, minute, 0, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(time_zone: &str, weekdays: &str, start: &str, end: &str) -> BusinessHours {
        parse_hours(time_zone, weekdays, start, end).expect("test hours are valid")
    }

    fn office() -> BusinessHours {
        BusinessHours::default_office()
    }

    fn utc(text: &str) -> Timestamp {
        text.parse().expect("test instants are valid RFC 3339")
    }

    /// The instant a local wall-clock time means in `time_zone` (unambiguous times only).
    fn local(time_zone: &str, text: &str) -> Timestamp {
        let tz = TimeZone::get(time_zone).expect("test zones exist");
        let civil: DateTime = text.parse().expect("test local times are valid");
        tz.to_timestamp(civil).expect("test local times exist")
    }

    // --- Parsing on the server: the zone against the tz database -----------------------

    #[test]
    fn parse_stores_the_canonical_spelling_of_the_time_zone() {
        // Arrange, Act
        let parsed = parse_hours("europe/berlin", "mon", "09:00", "17:00");

        // Assert
        assert_eq!(
            parsed.map(|hours| hours.time_zone),
            Ok("Europe/Berlin".to_string())
        );
    }

    #[test]
    fn an_unknown_time_zone_is_reported_on_the_time_zone_field_with_an_example() {
        // Arrange, Act
        let error =
            parse_hours("Mars/Base", "mon", "09:00", "17:00").expect_err("Mars has no tzdb entry");

        // Assert
        assert_eq!(error.field(), "time_zone");
        assert_eq!(
            error.to_string(),
            "Unknown time zone \"Mars/Base\". Pick one from the list, such as \
             America/New_York or Europe/Berlin."
        );
    }

    // --- Due times in UTC ----------------------------------------------------------------

    #[test]
    fn a_ticket_filed_friday_at_four_with_a_two_hour_target_is_due_monday_at_ten() {
        // Arrange
        let filed = utc("2026-03-06T16:00:00Z"); // a Friday

        // Act
        let due = office().add_business_minutes(filed, 120);

        // Assert
        assert_eq!(due, utc("2026-03-09T10:00:00Z"));
    }

    #[test]
    fn a_ticket_filed_on_saturday_counts_from_monday_opening() {
        // Arrange
        let filed = utc("2026-03-07T11:23:00Z");

        // Act
        let due = office().add_business_minutes(filed, 30);

        // Assert
        assert_eq!(due, utc("2026-03-09T09:30:00Z"));
    }

    #[test]
    fn a_ticket_filed_before_opening_counts_from_that_morning_opening() {
        // Arrange
        let filed = utc("2026-03-10T06:45:00Z");

        // Act
        let due = office().add_business_minutes(filed, 60);

        // Assert
        assert_eq!(due, utc("2026-03-10T10:00:00Z"));
    }

    #[test]
    fn a_ticket_filed_after_closing_counts_from_the_next_day_opening() {
        // Arrange
        let filed = utc("2026-03-10T19:00:00Z");

        // Act
        let due = office().add_business_minutes(filed, 60);

        // Assert
        assert_eq!(due, utc("2026-03-11T10:00:00Z"));
    }

    #[test]
    fn a_target_that_runs_out_at_closing_is_due_at_closing_not_the_next_opening() {
        // Arrange
        let filed = utc("2026-03-06T16:00:00Z");

        // Act
        let due = office().add_business_minutes(filed, 60);

        // Assert
        assert_eq!(due, utc("2026-03-06T17:00:00Z"));
    }

    #[test]
    fn a_zero_target_is_due_now_when_open_and_at_the_next_opening_when_closed() {
        // Arrange
        let open = utc("2026-03-06T12:34:56Z");
        let closed = utc("2026-03-06T17:00:00Z");

        // Act
        let due_open = office().add_business_minutes(open, 0);
        let due_closed = office().add_business_minutes(closed, -15);

        // Assert
        assert_eq!(due_open, open);
        assert_eq!(due_closed, utc("2026-03-09T09:00:00Z"));
    }

    #[test]
    fn seconds_past_the_minute_are_kept_in_the_due_time() {
        // Arrange
        let filed = utc("2026-03-06T16:59:30Z");

        // Act
        let due = office().add_business_minutes(filed, 1);

        // Assert
        assert_eq!(due, utc("2026-03-09T09:00:30Z"));
    }

    #[test]
    fn minutes_between_friday_four_and_monday_ten_is_120() {
        // Arrange
        let from = utc("2026-03-06T16:00:00Z");
        let to = utc("2026-03-09T10:00:00Z");

        // Act
        let minutes = office().business_minutes_between(from, to);

        // Assert
        assert_eq!(minutes, 120);
    }

    #[test]
    fn minutes_between_is_zero_when_the_end_is_not_after_the_start() {
        // Arrange
        let at = utc("2026-03-09T10:00:00Z");

        // Act, Assert
        assert_eq!(office().business_minutes_between(at, at), 0);
        assert_eq!(
            office().business_minutes_between(at, utc("2026-03-09T09:30:00Z")),
            0
        );
    }

    #[test]
    fn minutes_between_counts_only_whole_minutes() {
        // Arrange
        let from = utc("2026-03-09T09:00:00Z");
        let to = utc("2026-03-09T09:02:59Z");

        // Act
        let minutes = office().business_minutes_between(from, to);

        // Assert
        assert_eq!(minutes, 2);
    }

    #[test]
    fn a_year_of_the_default_office_holds_one_business_day_per_weekday() {
        // Arrange: 2026 has 261 weekdays.
        let from = utc("2026-01-01T00:00:00Z");
        let to = utc("2027-01-01T00:00:00Z");

        // Act
        let minutes = office().business_minutes_between(from, to);

        // Assert
        assert_eq!(minutes, 261 * 8 * 60);
    }

    #[test]
    fn is_open_includes_the_opening_minute_and_excludes_the_closing_one() {
        // Arrange
        let office = office();

        // Act, Assert
        assert!(office.is_open(utc("2026-03-09T09:00:00Z")));
        assert!(office.is_open(utc("2026-03-09T16:59:59Z")));
        assert!(!office.is_open(utc("2026-03-09T17:00:00Z")));
        assert!(!office.is_open(utc("2026-03-09T08:59:59Z")));
        assert!(!office.is_open(utc("2026-03-07T12:00:00Z")));
    }

    // --- Other zones and clock changes ---------------------------------------------------

    #[test]
    fn a_new_york_opening_at_nine_local_maps_to_the_right_utc_instant_either_side_of_dst() {
        // Arrange: DST starts in New York on Sunday 2026-03-08.
        let new_york = hours("America/New_York", "mon,tue,wed,thu,fri", "09:00", "17:00");
        let friday_evening = utc("2026-03-06T22:30:00Z"); // 17:30 EST, after closing
        let sunday = utc("2026-02-28T12:00:00Z");

        // Act
        let monday_after_dst = new_york.add_business_minutes(friday_evening, 0);
        let monday_before_dst = new_york.add_business_minutes(sunday, 0);

        // Assert
        assert_eq!(monday_before_dst, utc("2026-03-02T14:00:00Z")); // 09:00 EST
        assert_eq!(monday_after_dst, utc("2026-03-09T13:00:00Z")); // 09:00 EDT
        assert!(new_york.is_open(utc("2026-03-09T13:00:00Z")));
        assert!(!new_york.is_open(utc("2026-03-02T13:30:00Z")));
    }

    #[test]
    fn a_new_york_ticket_filed_friday_afternoon_is_due_monday_morning_across_dst() {
        // Arrange
        let new_york = hours("America/New_York", "mon,tue,wed,thu,fri", "09:00", "17:00");
        let filed = local("America/New_York", "2026-03-06T16:30");

        // Act
        let due = new_york.add_business_minutes(filed, 60);

        // Assert
        assert_eq!(due, local("America/New_York", "2026-03-09T09:30"));
        assert_eq!(due, utc("2026-03-09T13:30:00Z"));
    }

    #[test]
    fn a_berlin_all_day_sunday_has_23_hours_when_clocks_spring_forward() {
        // Arrange
        let sundays = hours("Europe/Berlin", "sun", "00:00", "24:00");
        let sunday = local("Europe/Berlin", "2026-03-29T00:00");
        let monday = local("Europe/Berlin", "2026-03-30T00:00");

        // Act
        let minutes = sundays.business_minutes_between(sunday, monday);
        let due = sundays.add_business_minutes(sunday, 23 * 60);

        // Assert
        assert_eq!(minutes, 23 * 60);
        assert_eq!(due, monday);
    }

    #[test]
    fn a_berlin_all_day_sunday_has_25_hours_when_clocks_fall_back() {
        // Arrange
        let sundays = hours("Europe/Berlin", "sun", "00:00", "24:00");
        let sunday = local("Europe/Berlin", "2026-10-25T00:00");
        let monday = local("Europe/Berlin", "2026-10-26T00:00");

        // Act
        let minutes = sundays.business_minutes_between(sunday, monday);
        let due = sundays.add_business_minutes(sunday, 25 * 60);

        // Assert
        assert_eq!(minutes, 25 * 60);
        assert_eq!(due, monday);
    }

    #[test]
    fn a_year_of_berlin_sundays_counts_both_clock_changes_when_counted_arithmetically() {
        // Arrange: 2026 has 52 Sundays, 22 of them before June; the one in March is an hour
        // short and the one in October an hour long.
        let sundays = hours("Europe/Berlin", "sun", "00:00", "24:00");
        let from = local("Europe/Berlin", "2026-01-01T00:00");
        let spring = local("Europe/Berlin", "2026-06-01T00:00");
        let to = local("Europe/Berlin", "2027-01-01T00:00");

        // Act
        let year = sundays.business_minutes_between(from, to);
        let first_five_months = sundays.business_minutes_between(from, spring);

        // Assert
        assert_eq!(year, 52 * 24 * 60);
        assert_eq!(first_five_months, 22 * 24 * 60 - 60);
    }

    #[test]
    fn a_berlin_office_ticket_filed_before_the_spring_weekend_is_due_monday_local_time() {
        // Arrange
        let berlin = hours("Europe/Berlin", "mon,tue,wed,thu,fri", "09:00", "17:00");
        let filed = local("Europe/Berlin", "2026-03-27T16:00");

        // Act
        let due = berlin.add_business_minutes(filed, 120);

        // Assert
        assert_eq!(due, local("Europe/Berlin", "2026-03-30T10:00"));
        assert_eq!(due, utc("2026-03-30T08:00:00Z"));
    }

    #[test]
    fn hours_opening_in_the_missing_hour_open_when_the_clocks_jump() {
        // Arrange: on 2026-03-29 Berlin skips from 02:00 to 03:00 (01:00 UTC).
        let night_shift = hours("Europe/Berlin", "sun", "02:30", "03:30");
        let saturday = utc("2026-03-28T12:00:00Z");

        // Act
        let opening = night_shift.add_business_minutes(saturday, 0);
        let minutes = night_shift.business_minutes_between(saturday, utc("2026-03-29T12:00:00Z"));

        // Assert
        assert_eq!(opening, utc("2026-03-29T01:00:00Z"));
        assert_eq!(minutes, 30);
        assert!(night_shift.is_open(utc("2026-03-29T01:15:00Z")));
        assert!(!night_shift.is_open(utc("2026-03-29T01:30:00Z")));
    }

    #[test]
    fn hours_in_the_repeated_hour_run_from_its_first_occurrence() {
        // Arrange: on 2026-10-25 Berlin repeats 02:00–03:00; the first 02:30 is 00:30 UTC.
        let night_shift = hours("Europe/Berlin", "sun", "02:30", "03:30");
        let saturday = utc("2026-10-24T12:00:00Z");

        // Act
        let opening = night_shift.add_business_minutes(saturday, 0);
        let minutes = night_shift.business_minutes_between(saturday, utc("2026-10-25T12:00:00Z"));

        // Assert
        assert_eq!(opening, utc("2026-10-25T00:30:00Z"));
        assert_eq!(minutes, 120);
    }

    #[test]
    fn a_year_long_span_counted_arithmetically_matches_counting_day_by_day() {
        // Arrange
        let cases = [
            hours("Europe/Berlin", "mon,tue,wed,thu,fri", "08:00", "18:00"),
            hours("Europe/Berlin", "sun", "02:30", "03:30"),
            hours("America/New_York", "sat,sun", "00:00", "24:00"),
            hours("Australia/Lord_Howe", "mon,wed,fri,sun", "01:15", "02:45"),
            hours("Pacific/Apia", "thu,fri,sat", "00:00", "24:00"),
        ];
        let from = utc("2011-03-03T05:06:07Z");
        let to = utc("2013-01-09T10:11:12Z");

        for business_hours in cases {
            let schedule = Schedule::new(&business_hours).expect("usable hours");

            // Act
            let arithmetic = schedule.between(from, to);
            let counted = schedule.between_day_by_day(from, to);

            // Assert
            assert_eq!(arithmetic, counted, "for {business_hours:?}");
        }
    }

    // --- Round trips and large values ----------------------------------------------------

    #[test]
    fn minutes_between_a_start_and_its_due_time_equal_the_target() {
        // Arrange
        let cases = [
            office(),
            hours("Europe/Berlin", "mon,tue,wed,thu,fri", "08:00", "17:30"),
            hours("Europe/Berlin", "sun", "00:00", "24:00"),
            hours("Europe/Berlin", "sat,sun", "02:30", "03:30"),
            hours("America/New_York", "tue,thu", "22:00", "24:00"),
            hours("Asia/Kolkata", "mon,tue,wed,thu,fri,sat", "09:30", "18:00"),
        ];
        let starts = [
            utc("2026-01-01T00:00:00Z"),
            utc("2026-03-06T16:00:00Z"),
            utc("2026-03-07T11:23:45Z"),
            utc("2026-03-28T23:59:59Z"),
            utc("2026-10-24T22:10:00Z"),
            utc("2026-11-01T05:30:00Z"),
        ];
        let targets = [
            1, 29, 59, 60, 61, 479, 480, 481, 2_400, 2_401, 10_007, 47_000,
        ];

        for business_hours in &cases {
            for &start in &starts {
                for &minutes in &targets {
                    // Act
                    let due = business_hours.add_business_minutes(start, minutes);
                    let elapsed = business_hours.business_minutes_between(start, due);

                    // Assert
                    assert_eq!(
                        elapsed, minutes,
                        "{business_hours:?} from {start} for {minutes} min, due {due}"
                    );
                    assert!(business_hours.is_open(due - SignedDuration::from_secs(1)));
                }
            }
        }
    }

    #[test]
    fn a_hundred_thousand_minute_target_lands_on_the_right_day_and_round_trips() {
        // Arrange: 100,000 minutes is 208 eight-hour days and 160 minutes.
        let filed = utc("2026-01-05T09:00:00Z"); // a Monday opening

        // Act
        let due = office().add_business_minutes(filed, 100_000);

        // Assert: 41 weeks and 3 days later, plus 2h40m.
        assert_eq!(due, utc("2026-10-22T11:40:00Z"));
        assert_eq!(office().business_minutes_between(filed, due), 100_000);
    }

    #[test]
    fn a_hundred_thousand_minute_target_round_trips_across_berlin_clock_changes() {
        // Arrange
        let berlin = hours("Europe/Berlin", "mon,tue,wed,thu,fri", "09:00", "17:00");
        let filed = local("Europe/Berlin", "2026-02-13T15:47");

        // Act
        let due = berlin.add_business_minutes(filed, 100_000);

        // Assert
        assert_eq!(berlin.business_minutes_between(filed, due), 100_000);
        assert!(berlin.is_open(due - SignedDuration::from_secs(1)));
    }

    #[test]
    fn an_absurd_target_saturates_at_the_end_of_time_instead_of_panicking() {
        // Arrange
        let filed = utc("2026-03-06T16:00:00Z");
        let berlin = hours("Europe/Berlin", "mon", "09:00", "10:00");

        // Act
        let due_utc = office().add_business_minutes(filed, i64::MAX);
        let due_berlin = berlin.add_business_minutes(filed, i64::MAX);

        // Assert
        assert_eq!(due_utc, Timestamp::MAX);
        assert_eq!(due_berlin, Timestamp::MAX);
    }

    #[test]
    fn hours_that_can_never_be_open_do_not_loop_forever() {
        // Arrange
        let never = BusinessHours {
            weekdays: [false; 7],
            ..office()
        };
        let backwards = BusinessHours {
            start_minute: 17 * 60,
            end_minute: 9 * 60,
            ..office()
        };
        let nowhere = BusinessHours {
            time_zone: "Mars/Base".to_string(),
            ..office()
        };
        let at = utc("2026-03-09T10:00:00Z");

        for hours in [never, backwards, nowhere] {
            // Act, Assert
            assert_eq!(hours.add_business_minutes(at, 60), at);
            assert_eq!(
                hours.business_minutes_between(at, utc("2026-04-09T10:00:00Z")),
                0
            );
            assert!(!hours.is_open(at));
        }
    }
}

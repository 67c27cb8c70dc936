//! Business hours: their shape, how they are read from the settings form and written back,
//! and the field each mistake belongs to. Shared, so the browser finds a mistake the way the
//! server will; only whether a time zone exists needs the server's tz database.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The three-letter weekday names business hours use, Monday first, with their labels.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

const MINUTES_PER_DAY: u16 = 24 * 60;

/// The hours an IT desk works, in its own time zone, against which SLA targets are counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// IANA time zone name, such as `Europe/Berlin`.
    pub time_zone: String,
    /// Which days the desk is open, Monday first.
    pub weekdays: [bool; 7],
    /// Opening time, in minutes after local midnight.
    pub start_minute: u16,
    /// Closing time, in minutes after local midnight; 1440 closes at midnight. Must be after
    /// `start_minute`.
    pub end_minute: u16,
}

/// Why the business hours typed into a form were refused, tied to the form field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BusinessHoursError {
    MissingTimeZone,
    UnknownTimeZone { name: String },
    NoWeekdays,
    UnknownWeekday { name: String },
    InvalidStart { text: String },
    InvalidEnd { text: String },
    EndNotAfterStart { start: String, end: String },
}

impl BusinessHoursError {
    /// The form field the message belongs next to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingTimeZone | Self::UnknownTimeZone { .. } => "time_zone",
            Self::NoWeekdays | Self::UnknownWeekday { .. } => "weekdays",
            Self::InvalidStart { .. } => "start",
            Self::InvalidEnd { .. } | Self::EndNotAfterStart { .. } => "end",
        }
    }
}

impl fmt::Display for BusinessHoursError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTimeZone => write!(f, "Enter a time zone, like Europe/Berlin."),
            Self::UnknownTimeZone { name } => {
                write!(
                    f,
                    "Unknown time zone \"{name}\". Pick one from the list, such as America/New_York or Europe/Berlin."
                )
            }
            Self::NoWeekdays => write!(f, "Pick at least one weekday, like mon,tue,wed,thu,fri."),
            Self::UnknownWeekday { name } => write!(
                f,
                "Unknown weekday \"{name}\". Use three-letter names like mon,tue,wed."
            ),
            Self::InvalidStart { text } if text.is_empty() => {
                write!(f, "Enter an opening time, like 09:00.")
            }
            Self::InvalidStart { text } => write!(
                f,
                "\"{text}\" is not an opening time. Use 24-hour HH:MM from 00:00 to 23:59, \
                 like 09:00."
            ),
            Self::InvalidEnd { text } if text.is_empty() => {
                write!(f, "Enter a closing time, like 17:00.")
            }
            Self::InvalidEnd { text } => write!(
                f,
                "\"{text}\" is not a closing time. Use 24-hour HH:MM from 00:01 to 24:00, \
                 like 17:00."
            ),
            Self::EndNotAfterStart { start, end } => {
                write!(f, "Closing time {end} must be after opening time {start}.")
            }
        }
    }
}

impl std::error::Error for BusinessHoursError {}

impl Default for BusinessHours {
    fn default() -> Self {
        Self::default_office()
    }
}

impl BusinessHours {
    /// Reads business hours as typed into the settings form, taking any time zone name that is
    /// not blank: whether the zone exists only the server's tz database can tell (see
    /// `parse_with`), and the browser carries none.
    ///
    /// `weekdays` is a comma-separated list of three-letter day names in any case, with spaces
    /// allowed around them; repeats are harmless. `start` and `end` are 24-hour `HH:MM` times
    /// (a one-digit hour is accepted), and `end` may be `24:00` to close at midnight.
    pub fn parse(
        time_zone: &str,
        weekdays: &str,
        start: &str,
        end: &str,
    ) -> Result<BusinessHours, BusinessHoursError> {
        Self::parse_with(
            |name| Some(name.to_string()),
            time_zone,
            weekdays,
            start,
            end,
        )
    }

    /// `parse`, with the zone looked up by `known_zone`: the spelling to store for a zone
    /// name, or `None` when there is no such zone. The zone is checked first, so a form with
    /// several mistakes is told about the same one on either side.
    pub fn parse_with(
        known_zone: impl FnOnce(&str) -> Option<String>,
        time_zone: &str,
        weekdays: &str,
        start: &str,
        end: &str,
    ) -> Result<BusinessHours, BusinessHoursError> {
        let name = time_zone.trim();
        if name.is_empty() {
            return Err(BusinessHoursError::MissingTimeZone);
        }
        let time_zone = known_zone(name).ok_or_else(|| BusinessHoursError::UnknownTimeZone {
            name: name.to_string(),
        })?;
        let weekdays = parse_weekdays(weekdays)?;
        let start_minute =
            parse_clock(start, false).ok_or_else(|| BusinessHoursError::InvalidStart {
                text: start.trim().to_string(),
            })?;
        let end_minute = parse_clock(end, true).ok_or_else(|| BusinessHoursError::InvalidEnd {
            text: end.trim().to_string(),
        })?;
        if end_minute <= start_minute {
            return Err(BusinessHoursError::EndNotAfterStart {
                start: clock_text(start_minute.into()),
                end: clock_text(end_minute.into()),
            });
        }
        Ok(BusinessHours {
            time_zone,
            weekdays,
            start_minute,
            end_minute,
        })
    }

    /// Monday to Friday, 09:00–17:00 UTC: what a fresh install counts against until an admin
    /// says otherwise.
    pub fn default_office() -> BusinessHours {
        BusinessHours {
            time_zone: "UTC".to_string(),
            weekdays: [true, true, true, true, true, false, false],
            start_minute: 9 * 60,
            end_minute: 17 * 60,
        }
    }

    /// The open days as `parse` reads them, in Monday-first order, e.g. `mon,tue,wed`.
    pub fn weekdays_text(&self) -> String {
        weekdays_text(self.weekdays)
    }

    /// The opening time as `HH:MM`.
    pub fn start_text(&self) -> String {
        clock_text(self.start_minute.into())
    }

    /// The closing time as `HH:MM`; midnight at the end of the day is `24:00`.
    pub fn end_text(&self) -> String {
        clock_text(self.end_minute.into())
    }
}

/// Open days, Monday first, as `parse` reads them: `mon,tue,wed`.
pub fn weekdays_text(open: [bool; 7]) -> String {
    WEEKDAYS
        .iter()
        .zip(open)
        .filter(|(_, open)| *open)
        .map(|((name, _), _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// `HH:MM` for a number of minutes after midnight, as business hours are shown and read.
pub fn clock_text(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

fn parse_weekdays(text: &str) -> Result<[bool; 7], BusinessHoursError> {
    let mut weekdays = [false; 7];
    // Empty items are skipped so a trailing comma is not an error.
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let index = WEEKDAYS
            .iter()
            .position(|(day, _)| day.eq_ignore_ascii_case(name))
            .ok_or_else(|| BusinessHoursError::UnknownWeekday {
                name: name.to_string(),
            })?;
        weekdays[index] = true;
    }
    if weekdays.contains(&true) {
        Ok(weekdays)
    } else {
        Err(BusinessHoursError::NoWeekdays)
    }
}

/// Minutes after midnight for an `H:MM` or `HH:MM` time; `24:00` only when `allow_midnight_end`.
fn parse_clock(text: &str, allow_midnight_end: bool) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let all_digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    // `u16::from_str` would also take "+9", which is not a clock time.
    if !(1..=2).contains(&hours.len())
        || minutes.len() != 2
        || !all_digits(hours)
        || !all_digits(minutes)
    {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    match (hours, minutes) {
        (24, 0) if allow_midnight_end => Some(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(time_zone: &str, weekdays: &str, start: &str, end: &str) -> BusinessHours {
        BusinessHours::parse(time_zone, weekdays, start, end).expect("test hours are valid")
    }

    #[test]
    fn parse_accepts_spaced_mixed_case_weekdays_and_midnight_closing() {
        // Arrange
        let weekdays = " Mon, tue ,FRI ";

        // Act
        let parsed = BusinessHours::parse("Europe/Berlin", weekdays, "08:00", "24:00");

        // Assert
        assert_eq!(
            parsed,
            Ok(BusinessHours {
                time_zone: "Europe/Berlin".to_string(),
                weekdays: [true, true, false, false, true, false, false],
                start_minute: 8 * 60,
                end_minute: 24 * 60,
            })
        );
    }

    #[test]
    fn parse_ignores_repeated_weekdays_and_a_trailing_comma() {
        // Arrange, Act
        let parsed = hours("UTC", "sat,sun,sat,", "10:00", "14:00");

        // Assert
        assert_eq!(parsed.weekdays_text(), "sat,sun");
    }

    #[test]
    fn parse_accepts_a_one_digit_hour() {
        // Arrange, Act
        let parsed = hours("UTC", "mon", "9:05", "17:30");

        // Assert
        assert_eq!(
            (parsed.start_minute, parsed.end_minute),
            (9 * 60 + 5, 17 * 60 + 30)
        );
    }

    #[test]
    fn parse_trims_the_time_zone_and_leaves_its_existence_to_the_server() {
        // Arrange, Act
        let parsed = BusinessHours::parse(" Mars/Base ", "mon", "09:00", "17:00");

        // Assert
        assert_eq!(
            parsed.map(|hours| hours.time_zone),
            Ok("Mars/Base".to_string())
        );
    }

    #[test]
    fn parse_with_stores_the_spelling_the_zone_lookup_gives() {
        // Arrange
        let lookup = |name: &str| (name == "europe/berlin").then(|| "Europe/Berlin".to_string());

        // Act
        let parsed = BusinessHours::parse_with(lookup, "europe/berlin", "mon", "09:00", "17:00");

        // Assert
        assert_eq!(
            parsed.map(|hours| hours.time_zone),
            Ok("Europe/Berlin".to_string())
        );
    }

    #[test]
    fn a_zone_the_lookup_does_not_know_is_reported_before_any_other_mistake() {
        // Arrange, Act
        let error = BusinessHours::parse_with(|_| None, "Mars/Base", "", "late", "early")
            .expect_err("Mars has no tzdb entry");

        // Assert
        assert_eq!(error.field(), "time_zone");
        assert_eq!(
            error.to_string(),
            "Unknown time zone \"Mars/Base\". Pick one from the list, such as America/New_York or Europe/Berlin."
        );
    }

    #[test]
    fn text_forms_round_trip_through_parse() {
        // Arrange
        let original = hours("America/New_York", "sun,wed,fri", "07:30", "24:00");

        // Act
        let reparsed = BusinessHours::parse(
            &original.time_zone,
            &original.weekdays_text(),
            &original.start_text(),
            &original.end_text(),
        );

        // Assert
        assert_eq!(original.weekdays_text(), "wed,fri,sun");
        assert_eq!(original.start_text(), "07:30");
        assert_eq!(original.end_text(), "24:00");
        assert_eq!(reparsed, Ok(original));
    }

    #[test]
    fn default_office_is_nine_to_five_on_weekdays_in_utc() {
        // Arrange, Act
        let office = BusinessHours::default();

        // Assert
        assert_eq!(office, BusinessHours::default_office());
        assert_eq!(office.time_zone, "UTC");
        assert_eq!(office.weekdays_text(), "mon,tue,wed,thu,fri");
        assert_eq!(
            (office.start_text(), office.end_text()),
            ("09:00".into(), "17:00".into())
        );
    }

    #[test]
    fn business_hours_survive_a_json_round_trip() {
        // Arrange
        let original = hours("Asia/Tokyo", "mon,sat", "08:15", "20:45");

        // Act
        let json = serde_json::to_string(&original).expect("serializes");
        let back: BusinessHours = serde_json::from_str(&json).expect("deserializes");

        // Assert
        assert_eq!(back, original);
    }

    #[test]
    fn a_blank_time_zone_asks_for_one() {
        // Arrange, Act
        let error =
            BusinessHours::parse("  ", "mon", "09:00", "17:00").expect_err("blank is refused");

        // Assert
        assert_eq!(error, BusinessHoursError::MissingTimeZone);
        assert_eq!(error.field(), "time_zone");
        assert_eq!(error.to_string(), "Enter a time zone, like Europe/Berlin.");
    }

    #[test]
    fn no_weekdays_is_reported_on_the_weekdays_field() {
        // Arrange
        for blank in ["", " ", ", ,"] {
            // Act
            let error = BusinessHours::parse("UTC", blank, "09:00", "17:00")
                .expect_err("an office must open some day");

            // Assert
            assert_eq!(error, BusinessHoursError::NoWeekdays, "for {blank:?}");
            assert_eq!(error.field(), "weekdays");
            assert!(error.to_string().contains("at least one weekday"));
        }
    }

    #[test]
    fn an_unknown_weekday_is_named_in_the_message() {
        // Arrange, Act
        let error = BusinessHours::parse("UTC", "mon,monday", "09:00", "17:00")
            .expect_err("only three-letter names");

        // Assert
        assert_eq!(error.field(), "weekdays");
        assert_eq!(
            error.to_string(),
            "Unknown weekday \"monday\". Use three-letter names like mon,tue,wed."
        );
    }

    #[test]
    fn malformed_opening_times_are_reported_on_the_start_field() {
        // Arrange
        for text in [
            "9", "09:60", "25:00", "24:00", "ab:cd", "+9:00", "09:5", "09:00:00",
        ] {
            // Act
            let error =
                BusinessHours::parse("UTC", "mon", text, "17:00").expect_err("not an opening time");

            // Assert
            assert_eq!(error.field(), "start", "for {text:?}");
            assert_eq!(
                error.to_string(),
                format!(
                    "\"{text}\" is not an opening time. Use 24-hour HH:MM from 00:00 to 23:59, \
                     like 09:00."
                )
            );
        }
    }

    #[test]
    fn malformed_closing_times_are_reported_on_the_end_field() {
        // Arrange
        for text in ["17", "24:01", "-1:00", "17h00", "1700"] {
            // Act
            let error =
                BusinessHours::parse("UTC", "mon", "09:00", text).expect_err("not a closing time");

            // Assert
            assert_eq!(error.field(), "end", "for {text:?}");
            assert!(error.to_string().contains("is not a closing time"));
        }
    }

    #[test]
    fn empty_times_ask_for_a_value() {
        // Arrange, Act
        let start = BusinessHours::parse("UTC", "mon", "", "17:00").expect_err("empty start");
        let end = BusinessHours::parse("UTC", "mon", "09:00", " ").expect_err("empty end");

        // Assert
        assert_eq!(start.to_string(), "Enter an opening time, like 09:00.");
        assert_eq!(end.to_string(), "Enter a closing time, like 17:00.");
    }

    #[test]
    fn a_closing_time_not_after_opening_is_reported_on_the_end_field() {
        // Arrange
        for (start, end) in [("17:00", "09:00"), ("09:00", "09:00")] {
            // Act
            let error = BusinessHours::parse("UTC", "mon", start, end).expect_err("empty day");

            // Assert
            assert_eq!(error.field(), "end");
            assert_eq!(
                error.to_string(),
                format!("Closing time {end} must be after opening time {start}.")
            );
        }
    }
}

//! The viewer's clock: the time zone a person reads times in, and how a moment reads to them
//! ("5 min ago", "due in 3 h"), with the exact local time on hover and for screen readers.
//!
//! The zone is, in this order: the one chosen on the account page (a cookie, like the theme);
//! the browser's own, which the hydrated page detects and remembers in a second cookie so the
//! next server render uses it too; else UTC, labelled as such. The server declares the zone it
//! rendered with on the document (`<html data-time-zone=…>`), so hydration starts from the same
//! zone and the same text; the browser then switches to its own zone when nothing was chosen.
//!
//! Converting to local time needs a tz database. The server (and every native build, tests
//! included) uses jiff's bundled one; the browser asks its own `Intl`, so the WebAssembly
//! carries no tz database.

use crate::error::AppError;
use leptos::prelude::*;
use time::{OffsetDateTime, UtcOffset};

/// The cookie that keeps the zone chosen on the account page.
pub const CHOSEN_COOKIE: &str = "deskside_time_zone";
/// The cookie in which the hydrated page remembers the browser's own zone.
pub const BROWSER_COOKIE: &str = "deskside_browser_time_zone";

/// A time zone the tz database knows, by its IANA name (`Europe/Berlin`, `UTC`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone(String);

impl Default for Zone {
    fn default() -> Self {
        Zone("UTC".to_string())
    }
}

impl Zone {
    /// The zone named `name` in its canonical spelling, or `None` when there is no such zone.
    /// Names are checked for shape first, so nothing odd reaches the tz lookup or a cookie.
    pub fn parse(name: &str) -> Option<Zone> {
        let name = name.trim();
        let shaped = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
            && !name.starts_with('/')
            && !name.contains("//");
        if !shaped {
            return None;
        }
        tz::canonical(name).map(Zone)
    }

    pub fn name(&self) -> &str {
        &self.0
    }

    /// How the zone is named next to a time: UTC by that name, any other by its IANA name.
    pub fn label(&self) -> &str {
        if self.0 == "Etc/UTC" { "UTC" } else { &self.0 }
    }

    /// `at` as the clocks in this zone show it.
    pub fn local(&self, at: OffsetDateTime) -> OffsetDateTime {
        let offset = tz::offset_seconds(&self.0, at.unix_timestamp())
            .and_then(|seconds| UtcOffset::from_whole_seconds(seconds).ok())
            .unwrap_or(UtcOffset::UTC);
        at.to_offset(offset)
    }

    /// The calendar day it is here now: what "today" means to a person logging time in the
    /// evening, when UTC may be a day ahead or behind.
    pub fn today(&self) -> time::Date {
        self.local(OffsetDateTime::now_utc()).date()
    }
}

/// Why pages use the zone they use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Source {
    /// Chosen on the account page, for this browser.
    Chosen,
    /// The browser's own zone, as it last told us.
    Browser,
    /// Nothing known yet: UTC.
    #[default]
    Default,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Chosen => "chosen",
            Source::Browser => "browser",
            Source::Default => "default",
        }
    }

    #[cfg(feature = "hydrate")]
    fn parse(value: &str) -> Source {
        match value {
            "chosen" => Source::Chosen,
            "browser" => Source::Browser,
            _ => Source::Default,
        }
    }
}

/// The zone this request's pages are drawn in: from its cookies on the server, from what the
/// server declared on the document in the browser.
pub fn requested() -> (Zone, Source) {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>()
            .map(|parts| from_cookies(&parts.headers))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        if let Some(html) = document().document_element()
            && let Some(zone) = html
                .get_attribute("data-time-zone")
                .and_then(|name| Zone::parse(&name))
        {
            let source = html
                .get_attribute("data-time-zone-source")
                .unwrap_or_default();
            return (zone, Source::parse(&source));
        }
        (Zone::default(), Source::Default)
    }
}

/// The zone in a request's `Cookie` headers: the chosen one, else the browser's, else UTC.
/// A cookie that names no zone counts as absent.
#[cfg(feature = "ssr")]
pub fn from_cookies(headers: &axum::http::HeaderMap) -> (Zone, Source) {
    let cookie = |name: &str| {
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(tower_sessions::cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == name)
            .and_then(|cookie| Zone::parse(cookie.value()))
    };
    if let Some(zone) = cookie(CHOSEN_COOKIE) {
        (zone, Source::Chosen)
    } else if let Some(zone) = cookie(BROWSER_COOKIE) {
        (zone, Source::Browser)
    } else {
        (Zone::default(), Source::Default)
    }
}

/// The viewer's zone and the current minute, shared by every time on the page.
#[derive(Clone, Copy)]
pub struct Clock {
    pub zone: RwSignal<Zone>,
    pub source: RwSignal<Source>,
    pub now: RwSignal<OffsetDateTime>,
}

impl Clock {
    /// Starts the page's clock: the zone the server drew with, then (in the browser) the
    /// browser's own zone unless one was chosen, and a tick every minute.
    pub fn provide() -> Clock {
        let (zone, source) = requested();
        let clock = Clock {
            zone: RwSignal::new(zone),
            source: RwSignal::new(source),
            now: RwSignal::new(OffsetDateTime::now_utc()),
        };
        provide_context(clock);
        #[cfg(feature = "hydrate")]
        {
            // After hydration, so the first render matches the server's.
            Effect::new(move |_| {
                if clock.source.get_untracked() != Source::Chosen {
                    clock.follow_browser();
                }
            });
            let tick = set_interval_with_handle(
                move || clock.now.set(OffsetDateTime::now_utc()),
                std::time::Duration::from_secs(60),
            );
            if let Err(err) = tick {
                leptos::logging::warn!("relative times will not refresh: {err:?}");
            }
        }
        clock
    }

    /// The page's clock; a UTC one where none was provided.
    pub fn get() -> Clock {
        use_context::<Clock>().unwrap_or_else(|| Clock {
            zone: RwSignal::new(Zone::default()),
            source: RwSignal::new(Source::Default),
            now: RwSignal::new(OffsetDateTime::now_utc()),
        })
    }

    /// Shows times in the browser's own zone from now on, and remembers it for the server.
    pub fn follow_browser(self) {
        #[cfg(feature = "hydrate")]
        if let Some(zone) = tz::browser_zone().and_then(|name| Zone::parse(&name)) {
            let told = self.source.get_untracked() == Source::Browser
                && self.zone.with_untracked(|known| *known == zone);
            if !told {
                tz::remember_browser_zone(zone.name());
            }
            self.source.set(Source::Browser);
            if self.zone.with_untracked(|known| *known != zone) {
                self.zone.set(zone);
            }
            return;
        }
        self.source.set(Source::Default);
        self.zone.set(Zone::default());
    }
}

/// `2026-12-07`, the local date.
pub fn date(local: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

/// `13:20`, the local time of day.
pub fn time_of_day(local: OffsetDateTime) -> String {
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// `2026-12-07 13:20 Europe/Berlin`: a moment exactly, never ambiguous.
pub fn exact(at: OffsetDateTime, zone: &Zone) -> String {
    let local = zone.local(at);
    format!("{} {} {}", date(local), time_of_day(local), zone.label())
}

/// How far a moment is from now, in the unit people would say.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Distance {
    /// Under a minute.
    Now,
    Minutes(i64),
    Hours(i64),
    /// Calendar days in the viewer's zone, under a week: 1 is yesterday or tomorrow.
    Days(i64),
    /// A week or more: the local date.
    Date(String),
}

/// The distance between `at` and `now`, and whether `at` lies ahead.
fn distance(at: OffsetDateTime, now: OffsetDateTime, zone: &Zone) -> (Distance, bool) {
    let ahead = at > now;
    let seconds = (at - now).whole_seconds().abs();
    let distance = if seconds < 60 {
        Distance::Now
    } else if seconds < 3600 {
        Distance::Minutes(seconds / 60)
    } else if seconds < 86_400 {
        Distance::Hours(seconds / 3600)
    } else {
        let (at, now) = (zone.local(at), zone.local(now));
        match (at.date() - now.date()).whole_days().abs() {
            // A day of 25 hours holds 24 without a change of date: still hours, not "yesterday".
            0 => Distance::Hours(seconds / 3600),
            days @ 1..7 => Distance::Days(days),
            _ => Distance::Date(date(at)),
        }
    };
    (distance, ahead)
}

/// A past moment as people say it: "just now", "5 min ago", "2 h ago", "yesterday",
/// "3 days ago", then the date. A moment ahead (a clock running fast) reads "in 5 min".
pub fn ago(at: OffsetDateTime, now: OffsetDateTime, zone: &Zone) -> String {
    match distance(at, now, zone) {
        (Distance::Now, _) => "just now".into(),
        (Distance::Date(date), _) => date,
        (Distance::Days(1), false) => "yesterday".into(),
        (Distance::Days(1), true) => "tomorrow".into(),
        (span, false) => format!("{} ago", amount(&span)),
        (span, true) => format!("in {}", amount(&span)),
    }
}

/// A deadline as people say it: "due in 3 h", "due tomorrow", "due 2026-12-20"; once passed
/// "overdue by 20 min", "overdue since yesterday", "overdue since 2026-11-01".
pub fn due(at: OffsetDateTime, now: OffsetDateTime, zone: &Zone) -> String {
    match distance(at, now, zone) {
        (Distance::Now, _) => "due now".into(),
        (Distance::Date(date), true) => format!("due {date}"),
        (Distance::Date(date), false) => format!("overdue since {date}"),
        (Distance::Days(1), true) => "due tomorrow".into(),
        (Distance::Days(1), false) => "overdue since yesterday".into(),
        (span, true) => format!("due in {}", amount(&span)),
        (span, false) => format!("overdue by {}", amount(&span)),
    }
}

fn amount(distance: &Distance) -> String {
    match distance {
        Distance::Minutes(n) => format!("{n} min"),
        Distance::Hours(n) => format!("{n} h"),
        Distance::Days(n) => format!("{n} days"),
        Distance::Now | Distance::Date(_) => String::new(),
    }
}

/// `at` in the machine-readable form of `<time datetime>`.
fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A moment in a `<time>` whose visible text is `text` (relative, or short) and whose exact
/// local time is its title on hover and, hidden visually, what a screen reader reads after it.
pub fn moment(
    at: OffsetDateTime,
    text: impl Fn(&Clock) -> String + Send + Sync + 'static,
) -> impl IntoView {
    let clock = Clock::get();
    let exact = move || clock.zone.with(|zone| exact(at, zone));
    view! {
        <time datetime=rfc3339(at) title=exact>
            {move || text(&clock)}
            <span class="visually-hidden">{move || format!(" ({})", exact())}</span>
        </time>
    }
}

/// A moment that has passed, relative: "5 min ago".
#[component]
pub fn When(at: OffsetDateTime) -> impl IntoView {
    moment(at, move |clock| {
        clock.zone.with(|zone| ago(at, clock.now.get(), zone))
    })
}

/// A deadline, relative: "due in 3 h", "overdue by 20 min".
#[component]
pub fn Due(at: OffsetDateTime) -> impl IntoView {
    moment(at, move |clock| {
        clock.zone.with(|zone| due(at, clock.now.get(), zone))
    })
}

/// A moment as a local date: "2026-12-07" (the exact time on hover).
#[component]
pub fn OnDate(at: OffsetDateTime) -> impl IntoView {
    moment(at, move |clock| {
        clock.zone.with(|zone| date(zone.local(at)))
    })
}

/// A moment as the local time of day, for today's events: "13:20".
#[component]
pub fn TimeOfDay(at: OffsetDateTime) -> impl IntoView {
    moment(at, move |clock| {
        clock.zone.with(|zone| time_of_day(zone.local(at)))
    })
}

/// A moment as local date and time, for lists where the zone is named once, in the heading:
/// "2026-12-07 13:20"; with `until`, a range "2026-12-07 13:20 – 13:45".
#[component]
pub fn Stamp(at: OffsetDateTime, until: Option<OffsetDateTime>) -> impl IntoView {
    moment(at, move |clock| {
        clock.zone.with(|zone| {
            let local = zone.local(at);
            let mut text = format!("{} {}", date(local), time_of_day(local));
            if let Some(until) = until {
                text.push_str(" – ");
                text.push_str(&time_of_day(zone.local(until)));
            }
            text
        })
    })
}

/// The name of the zone the page shows times in, for a heading: "UTC", "Europe/Berlin".
pub fn zone_label() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let clock = Clock::get();
    move || clock.zone.with(|zone| zone.label().to_string())
}

/// The zones to pick from, sorted: the tz database's `Area/City` names and UTC, without the
/// legacy aliases (`US/Eastern`, `EST5EDT`, `Etc/GMT+5`) it also accepts.
#[cfg(not(target_arch = "wasm32"))]
pub fn zone_names() -> Vec<String> {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let legacy = [
                "Etc/", "US/", "SystemV/", "posix/", "right/", "Canada/", "Brazil/",
            ];
            let mut names: Vec<String> = jiff::tz::db()
                .available()
                .map(|name| name.as_str().to_string())
                .filter(|name| {
                    name.contains('/') && !legacy.iter().any(|prefix| name.starts_with(prefix))
                })
                .collect();
            names.push("UTC".to_string());
            names.sort();
            names.dedup();
            names
        })
        .clone()
}

/// The zones the account page offers.
#[server]
pub async fn time_zone_names() -> Result<Vec<String>, AppError> {
    crate::backend::as_caller(|_, _| async move { Ok(zone_names()) }).await
}

/// Shows times in `time_zone` on this browser (a year), for the person signed in on it; an
/// empty value goes back to the browser's own zone.
#[server]
pub async fn choose_time_zone(time_zone: String) -> Result<String, AppError> {
    crate::backend::as_caller(|_, _| async move {
        use tower_sessions::cookie::{Cookie, SameSite};
        let name = time_zone.trim();
        let (value, max_age) = if name.is_empty() {
            (String::new(), time::Duration::ZERO)
        } else {
            let Some(zone) = Zone::parse(name) else {
                return Err(AppError::invalid(
                    "time_zone",
                    "Unknown time zone. Pick one from the list, such as Europe/Berlin or America/New_York, or leave it empty.",
                ));
            };
            (zone.name().to_string(), time::Duration::days(365))
        };
        let cookie = Cookie::build((CHOSEN_COOKIE, value.clone()))
            .path("/")
            .max_age(max_age)
            .same_site(SameSite::Lax)
            .http_only(true)
            .build();
        let response = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
        let header = axum::http::HeaderValue::from_str(&cookie.to_string())
            .map_err(|_| AppError::Internal)?;
        response.append_header(axum::http::header::SET_COOKIE, header);
        Ok(value)
    })
    .await
}

/// The time zone choice on the account page: a zone, or empty for the browser's own. With
/// JavaScript the page's times change at once; without, the form posts and the page comes
/// back in the new zone.
#[component]
pub fn TimeZoneForm() -> impl IntoView {
    let clock = Clock::get();
    let choose = ServerAction::<ChooseTimeZone>::new();
    let names = Resource::new(|| (), |_| time_zone_names());
    let chosen = if clock.source.get_untracked() == Source::Chosen {
        clock.zone.get_untracked().name().to_string()
    } else {
        String::new()
    };
    let error = Signal::derive(move || choose.value().get().and_then(Result::err));
    let saved = Signal::derive(move || matches!(choose.value().get(), Some(Ok(_))));
    Effect::new(move |_| {
        if let Some(Ok(value)) = choose.value().get() {
            match Zone::parse(&value) {
                Some(zone) => {
                    clock.source.set(Source::Chosen);
                    clock.zone.set(zone);
                }
                None => clock.follow_browser(),
            }
        }
    });
    let showing = move || {
        let zone = clock.zone.with(|zone| zone.label().to_string());
        match clock.source.get() {
            Source::Chosen => format!("Times show in {zone}, chosen here."),
            Source::Browser => format!("Times show in {zone}, this browser's time zone."),
            Source::Default => format!("Times show in {zone} until this browser tells its zone."),
        }
    };
    view! {
        <section class="card" aria-labelledby="time-zone-heading">
            <h2 id="time-zone-heading">"Time zone"</h2>
            <p id="time-zone-showing">{showing}</p>
            <ActionForm action=choose>
                <crate::components::FormOutcome error saved text="Time zone saved." />
                <div class="field">
                    <label for="time-zone">"Time zone on this browser"</label>
                    <input
                        id="time-zone"
                        name="time_zone"
                        list="time-zone-names"
                        autocomplete="off"
                        value=chosen
                        placeholder="Same as this browser"
                        aria-describedby="time-zone-hint time-zone-error"
                    />
                    <p id="time-zone-hint" class="hint">
                        "Type a city to search, e.g. Berlin or New_York; leave it empty to follow this browser."
                    </p>
                    <datalist id="time-zone-names">
                        <Suspense>
                            {move || Suspend::new(async move {
                                names
                                    .await
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|name| view! { <option value=name></option> })
                                    .collect_view()
                            })}
                        </Suspense>
                    </datalist>
                    <crate::components::FieldError id="time-zone-error" field="time_zone" error />
                </div>
                <button type="submit">"Save time zone"</button>
            </ActionForm>
        </section>
    }
}

/// The tz database of the server and of every native build: jiff's bundled copy.
#[cfg(not(target_arch = "wasm32"))]
mod tz {
    use jiff::{Timestamp, tz::TimeZone};

    pub fn canonical(name: &str) -> Option<String> {
        let zone = TimeZone::get(name).ok()?;
        Some(zone.iana_name().unwrap_or(name).to_string())
    }

    pub fn offset_seconds(name: &str, unix_seconds: i64) -> Option<i32> {
        let zone = TimeZone::get(name).ok()?;
        let at = Timestamp::from_second(unix_seconds).ok()?;
        Some(zone.to_offset(at).seconds())
    }
}

/// The browser's tz database, through `Intl.DateTimeFormat`: nothing bundled.
#[cfg(target_arch = "wasm32")]
mod tz {
    use js_sys::{Array, Function, Intl::DateTimeFormat, Object, Reflect};
    use std::cell::RefCell;
    use std::collections::HashMap;
    use wasm_bindgen::{JsCast, JsValue};

    thread_local! {
        /// One formatter per zone: making one is far slower than using it.
        static FORMATS: RefCell<HashMap<String, Option<DateTimeFormat>>> =
            RefCell::new(HashMap::new());
    }

    /// `new Intl.DateTimeFormat("en-US", options)`, or `None` where it throws (an unknown
    /// zone is a RangeError).
    fn construct(options: &Object) -> Option<DateTimeFormat> {
        let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let class: Function = Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
            .ok()?
            .dyn_into()
            .ok()?;
        let args = Array::of2(&JsValue::from_str("en-US"), options);
        Reflect::construct(&class, &args)
            .ok()
            .map(|format| format.unchecked_into())
    }

    fn format(name: &str) -> Option<DateTimeFormat> {
        FORMATS.with(|formats| {
            formats
                .borrow_mut()
                .entry(name.to_string())
                .or_insert_with(|| {
                    let options = Object::new();
                    let set = |key: &str, value: &str| {
                        Reflect::set(&options, &key.into(), &value.into()).is_ok()
                    };
                    let ready = set("timeZone", name)
                        && set("hourCycle", "h23")
                        && ["year", "month", "day", "hour", "minute", "second"]
                            .into_iter()
                            .all(|field| set(field, "numeric"));
                    if ready { construct(&options) } else { None }
                })
                .clone()
        })
    }

    fn resolved_zone(format: &DateTimeFormat) -> Option<String> {
        Reflect::get(&format.resolved_options(), &JsValue::from_str("timeZone"))
            .ok()?
            .as_string()
    }

    /// The name as given when the browser knows the zone: browsers spell some zones their
    /// own way (Chromium says `Asia/Calcutta`), and the server's spelling must survive.
    pub fn canonical(name: &str) -> Option<String> {
        format(name).map(|_| name.to_string())
    }

    /// The zone this browser runs in.
    pub fn browser_zone() -> Option<String> {
        resolved_zone(&construct(&Object::new())?)
    }

    pub fn offset_seconds(name: &str, unix_seconds: i64) -> Option<i32> {
        let format = format(name)?;
        let date = js_sys::Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0));
        let parts = format.format_to_parts(&date);
        let mut fields = [0i64; 6];
        for part in parts.iter() {
            let kind = Reflect::get(&part, &JsValue::from_str("type"))
                .ok()?
                .as_string()?;
            let value = Reflect::get(&part, &JsValue::from_str("value"))
                .ok()?
                .as_string()?;
            let index = ["year", "month", "day", "hour", "minute", "second"]
                .iter()
                .position(|field| *field == kind);
            if let Some(index) = index {
                fields[index] = value.parse().ok()?;
            }
        }
        let [year, month, day, hour, minute, second] = fields;
        let date = time::Date::from_calendar_date(
            i32::try_from(year).ok()?,
            time::Month::try_from(u8::try_from(month).ok()?).ok()?,
            u8::try_from(day).ok()?,
        )
        .ok()?;
        let clock = time::Time::from_hms(
            u8::try_from(hour).ok()?,
            u8::try_from(minute).ok()?,
            u8::try_from(second).ok()?,
        )
        .ok()?;
        let local = date.with_time(clock).assume_utc().unix_timestamp();
        i32::try_from(local - unix_seconds).ok()
    }

    /// Tells the server this browser's zone for its next pages (a year; scripts may read it,
    /// it is no secret).
    pub fn remember_browser_zone(name: &str) {
        let cookie = format!(
            "{}={name}; Path=/; Max-Age=31536000; SameSite=Lax",
            super::BROWSER_COOKIE
        );
        let document = leptos::prelude::document();
        if let Err(err) = Reflect::set(&document, &JsValue::from_str("cookie"), &cookie.into()) {
            leptos::logging::warn!("cannot remember this browser's time zone: {err:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn zone(name: &str) -> Zone {
        Zone::parse(name).expect("a known zone")
    }

    #[test]
    fn zones_parse_by_their_tz_database_name_and_nothing_else_does() {
        assert_eq!(zone(" Europe/Berlin ").name(), "Europe/Berlin");
        assert_eq!(zone("UTC").label(), "UTC");
        assert_eq!(zone("Etc/UTC").label(), "UTC");
        for bad in [
            "",
            "Mars/Base",
            "Europe/Berlin\"><script>",
            "../../etc/passwd",
            "/etc/localtime",
        ] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
        assert_eq!(Zone::default().name(), "UTC");
    }

    #[test]
    fn a_moment_converts_to_the_zone_with_its_summer_and_winter_offsets() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(
            exact(datetime!(2026-12-07 12:20 UTC), &berlin),
            "2026-12-07 13:20 Europe/Berlin"
        );
        assert_eq!(
            exact(datetime!(2026-07-07 12:20 UTC), &berlin),
            "2026-07-07 14:20 Europe/Berlin"
        );
        let new_york = zone("America/New_York");
        assert_eq!(
            exact(datetime!(2026-12-07 03:00 UTC), &new_york),
            "2026-12-06 22:00 America/New_York"
        );
        let kolkata = zone("Asia/Kolkata");
        assert_eq!(
            exact(datetime!(2026-12-07 12:20 UTC), &kolkata),
            "2026-12-07 17:50 Asia/Kolkata"
        );
        assert_eq!(
            exact(datetime!(2026-12-07 12:20 UTC), &Zone::default()),
            "2026-12-07 12:20 UTC"
        );
    }

    #[test]
    fn past_moments_read_in_the_unit_people_would_say() {
        let utc = Zone::default();
        let now = datetime!(2026-12-07 12:00 UTC);
        let read = |at| ago(at, now, &utc);
        assert_eq!(read(datetime!(2026-12-07 11:59:30 UTC)), "just now");
        assert_eq!(read(datetime!(2026-12-07 11:59 UTC)), "1 min ago");
        assert_eq!(read(datetime!(2026-12-07 11:05 UTC)), "55 min ago");
        assert_eq!(read(datetime!(2026-12-07 10:00 UTC)), "2 h ago");
        assert_eq!(read(datetime!(2026-12-06 12:30 UTC)), "23 h ago");
        assert_eq!(read(datetime!(2026-12-06 09:00 UTC)), "yesterday");
        assert_eq!(read(datetime!(2026-12-04 23:00 UTC)), "3 days ago");
        assert_eq!(read(datetime!(2026-12-01 00:00 UTC)), "6 days ago");
        assert_eq!(read(datetime!(2026-11-30 23:00 UTC)), "2026-11-30");
        // A clock running fast does not make the past read as the future's nonsense.
        assert_eq!(read(datetime!(2026-12-07 12:00:20 UTC)), "just now");
        assert_eq!(read(datetime!(2026-12-07 12:05 UTC)), "in 5 min");
    }

    #[test]
    fn yesterday_is_the_viewers_yesterday() {
        // 26 hours apart, and a day apart on the calendar in every zone.
        let now = datetime!(2026-12-07 20:00 UTC);
        let at = datetime!(2026-12-06 18:00 UTC);
        assert_eq!(ago(at, now, &zone("Asia/Tokyo")), "yesterday");
        assert_eq!(ago(at, now, &zone("America/Los_Angeles")), "yesterday");
        let at = datetime!(2026-12-05 23:00 UTC);
        assert_eq!(ago(at, now, &Zone::default()), "2 days ago");
        assert_eq!(ago(at, now, &zone("America/Los_Angeles")), "2 days ago");
        assert_eq!(ago(at, now, &zone("Asia/Tokyo")), "2 days ago");
        // Near midnight the zone decides: 01:00 on the 8th in Berlin is "yesterday" for 23:00
        // UTC on the 6th (00:00 on the 7th in Berlin), but two days for UTC.
        let now = datetime!(2026-12-08 00:00 UTC);
        let at = datetime!(2026-12-06 23:00 UTC);
        assert_eq!(ago(at, now, &zone("Europe/Berlin")), "yesterday");
        assert_eq!(ago(at, now, &Zone::default()), "2 days ago");
    }

    #[test]
    fn deadlines_read_as_due_or_overdue() {
        let utc = Zone::default();
        let now = datetime!(2026-12-07 12:00 UTC);
        let read = |at| due(at, now, &utc);
        assert_eq!(read(datetime!(2026-12-07 12:00:30 UTC)), "due now");
        assert_eq!(read(datetime!(2026-12-07 12:45 UTC)), "due in 45 min");
        assert_eq!(read(datetime!(2026-12-07 15:20 UTC)), "due in 3 h");
        assert_eq!(read(datetime!(2026-12-08 13:00 UTC)), "due tomorrow");
        assert_eq!(read(datetime!(2026-12-10 09:00 UTC)), "due in 3 days");
        assert_eq!(read(datetime!(2026-12-20 09:00 UTC)), "due 2026-12-20");
        assert_eq!(read(datetime!(2026-12-07 11:40 UTC)), "overdue by 20 min");
        assert_eq!(read(datetime!(2026-12-07 07:00 UTC)), "overdue by 5 h");
        assert_eq!(
            read(datetime!(2026-12-06 07:00 UTC)),
            "overdue since yesterday"
        );
        assert_eq!(read(datetime!(2026-12-04 07:00 UTC)), "overdue by 3 days");
        assert_eq!(
            read(datetime!(2026-11-01 07:00 UTC)),
            "overdue since 2026-11-01"
        );
    }

    #[test]
    fn a_day_of_twenty_five_hours_is_not_yesterday_before_midnight() {
        // Berlin leaves summer time on 2026-10-25: that day has 25 hours.
        let berlin = zone("Europe/Berlin");
        let at = datetime!(2026-10-24 22:10 UTC); // 00:10 on the 25th in Berlin
        let now = datetime!(2026-10-25 22:40 UTC); // 23:40 on the 25th
        assert_eq!(ago(at, now, &berlin), "24 h ago");
        assert_eq!(ago(at, now, &Zone::default()), "yesterday");
    }

    #[test]
    fn the_machine_readable_time_is_utc_rfc_3339() {
        assert_eq!(
            rfc3339(datetime!(2026-12-07 13:20 +01:00)),
            "2026-12-07T12:20:00Z"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_chosen_cookie_wins_then_the_browsers_and_nonsense_is_utc() {
        use axum::http::{HeaderMap, HeaderValue, header::COOKIE as HEADER};
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.append(HEADER, HeaderValue::from_static(value));
            headers
        };
        assert_eq!(
            from_cookies(&HeaderMap::new()),
            (Zone::default(), Source::Default)
        );
        assert_eq!(
            from_cookies(&headers("deskside_browser_time_zone=Asia/Tokyo; id=1")),
            (zone("Asia/Tokyo"), Source::Browser)
        );
        assert_eq!(
            from_cookies(&headers(
                "deskside_browser_time_zone=Asia/Tokyo; deskside_time_zone=Europe/Berlin"
            )),
            (zone("Europe/Berlin"), Source::Chosen)
        );
        assert_eq!(
            from_cookies(&headers(
                "deskside_time_zone=\"><script>; deskside_browser_time_zone=Mars/Base"
            )),
            (Zone::default(), Source::Default)
        );
    }
}

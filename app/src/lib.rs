//! Deskside's pages, components, shared types, validation and server functions: the code the
//! browser and the server share.

// Nested views are nested types; the ticket page goes deeper than the default limit allows.
#![recursion_limit = "256"]

pub mod access;
pub mod accounts;
pub mod admin;
pub mod auth;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod clock;
pub mod components;
pub mod error;
pub mod home;
pub mod live;
pub mod mail;
pub mod profile;
pub mod reports;
#[cfg(feature = "ssr")]
pub mod session;
pub mod setup;
pub mod shell;
pub mod theme;
pub mod tickets;
pub mod two_factor;
pub mod upload;
pub mod wiki;
pub mod words;

pub use shell::{App, shell};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

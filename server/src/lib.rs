//! Deskside's backend: settings, database, authentication, the REST API and the command line.

// Rendering the app's nested view types in release builds needs more than the default depth.
#![recursion_limit = "256"]

pub mod access;
pub mod accounts;
pub mod api;
pub mod auth;
pub mod blocking;
pub mod calendar;
pub mod cli;
pub mod client_address;
pub mod db;
pub mod demo;
pub mod error;
pub mod home;
pub mod jobs;
pub mod live;
pub mod mail;
pub mod markdown;
pub mod presence;
pub mod reports;
pub mod security;
pub mod settings;
pub mod setup;
pub mod startup;
pub mod state;
pub mod tickets;
pub mod wiki;

//! Integration tests: the real server on port 0 with a fresh database per test.

#[path = "mail_servers/mail_servers.rs"]
pub mod mail_servers;

mod api {
    pub mod access;
    pub mod account_links;
    pub mod accounts;
    pub mod attachments;
    pub mod auth;
    pub mod canned;
    pub mod cli;
    pub mod demo;
    pub mod errors;
    pub mod events;
    pub mod home;
    pub mod limits;
    pub mod mail;
    pub mod mail_inbound;
    pub mod mail_servers;
    pub mod matrix;
    pub mod notifications;
    pub mod pages;
    pub mod presence;
    pub mod queue;
    pub mod reports;
    pub mod security;
    pub mod sessions;
    pub mod settings;
    pub mod setup;
    pub mod signin_attacks;
    pub mod support;
    pub mod tickets;
    pub mod two_factor;
    pub mod wiki;
}

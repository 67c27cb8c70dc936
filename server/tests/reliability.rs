//! Reliability: the real server binary killed mid-write and mid-mail, live streams cut off and
//! resumed, backups taken under load. `make soak` (`DESKSIDE_SOAK=1`) runs the same tests longer.

mod reliability {
    pub mod backup;
    pub mod crash;
    pub mod events;
    pub mod mail;
    pub mod support;
}

#[path = "mail_servers/mail_servers.rs"]
mod mail_servers;

//! Reliability: the real server binary killed mid-write, live streams cut off and resumed,
//! backups taken under load. `make soak` (`DESKSIDE_SOAK=1`) runs the same tests longer.

mod reliability {
    pub mod backup;
    pub mod crash;
    pub mod events;
    pub mod support;
}

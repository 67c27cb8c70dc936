//! Tickets: the rules for filing, following and working requests.

pub mod sla;

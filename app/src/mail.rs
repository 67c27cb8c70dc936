//! Email: the admin sections about Deskside's mail.

pub mod inbound;

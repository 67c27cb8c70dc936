//! Email: per-person notification preferences (`preferences`).

pub mod preferences;

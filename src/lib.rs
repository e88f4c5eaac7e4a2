//! hocvuso: a chat bot that teaches digital skills to everyone, for Vietnam's
//! "Bình dân học vụ số" movement.
//!
//! - [`lesson`]: the lesson tree, loaded from files and validated.
//! - [`core`]: the pure conversation logic (input + state → actions).
//! - [`store`]: persistence behind a small trait; sled by default.
//! - [`engine`]: runs the core against a store for one event.
//! - [`i18n`]: interface text through Fluent.
//! - [`channel`]: the edges that talk to people (console, …).
//! - [`render`]: certificate and chart pictures (SVG → PNG), platform-free.
//! - [`app`]: start-up wiring shared by every command.
//! - [`config`]: `serve`'s configuration, from file, environment and flags.
//! - [`serve`]: runs the configured channels until a signal stops them.

pub mod app;
pub mod area;
pub mod channel;
pub mod config;
pub mod core;
pub mod engine;
pub mod i18n;
pub mod lesson;
pub mod present;
pub mod render;
pub mod serve;
pub mod store;

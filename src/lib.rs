//! hocvuso: a chat bot that teaches digital skills to everyone, for Vietnam's
//! "Bình dân học vụ số" movement.
//!
//! - [`lang`]: the language tag, shared by everything below.
//! - [`lesson`]: the lesson tree, loaded from files and validated.
//! - [`core`]: the pure conversation logic (input + state → actions).
//! - [`store`]: persistence behind a small trait; sled by default.
//! - [`engine`]: runs the core against a store for one event.
//! - [`i18n`]: interface text through Fluent.
//! - [`channel`]: the edges that talk to people (console, …).
//! - [`search`]: a typed question finds its lesson (pure, over the lesson tree).
//! - [`render`]: certificate and chart pictures (SVG → PNG), platform-free.
//! - [`app`]: start-up wiring shared by every command.

pub mod app;
pub mod area;
pub mod channel;
pub mod core;
pub mod engine;
pub mod i18n;
pub mod lang;
pub mod lesson;
pub mod present;
pub mod render;
pub mod search;
pub mod store;

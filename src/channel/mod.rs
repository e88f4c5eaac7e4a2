//! Channels: the edges where people talk to the bot. Each one only
//! translates its platform's events into `engine::Event`s and the core's
//! actions into its platform's messages; what they share is in `kit`.

pub mod console;
pub mod kit;
pub mod plain;
pub mod telegram;
pub mod zalo;

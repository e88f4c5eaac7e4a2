//! Whole conversations and channels, driven from outside the crate.

mod console_chat;
mod fake_bot_api;
mod fake_zalo_api;
mod lesson_validation;
mod roles_and_figures;
mod shipped_lessons;
mod support;
mod telegram;
mod telegram_faults;
mod telegram_outbox;
mod telegram_serve;
mod zalo;

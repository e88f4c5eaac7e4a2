//! Whole conversations and channels, driven from outside the crate.

mod console_chat;
mod crash_loop;
mod fake_bot_api;
mod fake_zalo_api;
mod layering;
mod learner_support;
mod lesson_validation;
mod roles_and_figures;
mod search_eval;
mod shipped_lessons;
mod store_backup;
mod store_cli;
mod store_damage;
mod store_driver;
mod store_failures;
mod store_harness;
mod support;
mod telegram;
mod telegram_outbox;
mod telegram_serve;
mod transcripts;
mod zalo;

//! Whole conversations and channels, driven from outside the crate.

mod console_chat;
mod fake_bot_api;
mod fake_zalo_api;
mod layering;
mod learner_support;
mod lesson_validation;
mod postgres;
mod privacy;
mod report;
mod roles_and_figures;
mod search_eval;
mod shipped_lessons;
mod support;
mod telegram;
mod telegram_outbox;
mod telegram_serve;
mod transcripts;
mod zalo;

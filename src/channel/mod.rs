//! Channels: the edges where people talk to the bot. Each one only
//! translates its platform's events into `engine::Event`s and the core's
//! actions into its platform's messages.

pub mod console;
pub mod plain;
pub mod telegram;
pub mod zalo;

use std::time::Duration;

/// Exponential backoff: `base` after the first failure, doubling after each
/// further one, never more than `max`.
pub(crate) fn backoff(base: Duration, max: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    base.saturating_mul(factor).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let (base, max) = (Duration::from_millis(100), Duration::from_secs(1));
        let waits: Vec<u128> = (1..=6).map(|f| backoff(base, max, f).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(base, max, u32::MAX), max);
    }
}

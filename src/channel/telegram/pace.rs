//! When the next message may go to a chat: Telegram's limits (messages per
//! second overall, per minute per group, per second per chat) as evenly
//! spaced send times, plus pauses ordered by a 429.
//!
//! Pure: the time is an argument. Sends are spaced rather than drawn from a
//! bucket that fills up while idle, because a burst is what trips Telegram's
//! flood control. Each interval carries a small headroom so that arrival
//! jitter on the way to Telegram does not push a window over the limit.
//!
//! One pacer serves live replies and the outbox, so a chat has one budget:
//! - a live reply (the answer to someone's own tap) goes first: while one
//!   waits for a chat, the outbox sends nothing there;
//! - in a group, live replies keep the group's spacing like outbox posts,
//!   so a volunteer typing `/push` again and again cannot push the group
//!   over its limit; in a private chat they wait only for a 429 pause (a
//!   person's own taps are far below the limits, and Telegram allows short
//!   bursts there), but they count, so the outbox keeps its distance;
//! - the overall rate is the outbox's (a broadcast); live replies are not
//!   held by it, nor by the pause of everything that 429s in several chats
//!   call for, so a flood in one chat never delays anyone else's answer.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Intervals are this much longer than the limits strictly allow.
const HEADROOM: f64 = 1.03;
/// Up to this much lateness of the scheduler (timer granularity) is made up,
/// so the achieved rate stays at the configured one; more is not, so a
/// stall never turns into a burst.
const MAX_CATCH_UP: Duration = Duration::from_millis(10);
/// 429s for this many different chats within `FLOOD_WINDOW` mean the bot's
/// overall limit was hit, not one chat's: everything pauses.
const GLOBAL_FLOOD_CHATS: usize = 2;
const FLOOD_WINDOW: Duration = Duration::from_secs(1);

/// Telegram's limits, as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Messages per second over all chats.
    pub per_second: f64,
    /// Messages per minute to one group.
    pub group_per_minute: f64,
    /// Messages per second to one chat.
    pub chat_per_second: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_second: 30.0,
            group_per_minute: 20.0,
            chat_per_second: 1.0,
        }
    }
}

/// A spacing: the interval between sends and the lateness it may make up.
#[derive(Debug, Clone, Copy)]
struct Spacing {
    interval: Duration,
    catch_up: Duration,
}

impl Spacing {
    fn per(window: Duration, count: f64) -> Self {
        let interval = window.mul_f64(HEADROOM / count.max(1e-6));
        Spacing {
            interval,
            catch_up: (interval / 2).min(MAX_CATCH_UP),
        }
    }

    /// The next send time after one at `now` that was due at `due`.
    fn after(&self, due: Instant, now: Instant) -> Instant {
        let base = due.max(now.checked_sub(self.catch_up).unwrap_or(now));
        base + self.interval
    }
}

/// What the pacer knows of one chat.
#[derive(Debug, Clone, Copy)]
struct Chat {
    /// The earliest next send by its spacing.
    next: Instant,
    /// A 429 said to wait until then.
    paused_until: Option<Instant>,
    /// Live replies waiting for this chat.
    live_waiting: u32,
}

impl Chat {
    fn new(now: Instant) -> Self {
        Chat {
            next: now,
            paused_until: None,
            live_waiting: 0,
        }
    }

    fn paused(&self) -> Option<Instant> {
        self.paused_until
    }
}

#[derive(Debug)]
pub struct Pacer {
    global: Spacing,
    chat: Spacing,
    group: Spacing,
    next_global: Instant,
    /// Chats with a time to keep (absent: any time).
    chats: HashMap<i64, Chat>,
    /// The outbox waits until then (a 429 on the overall limit).
    paused_until: Option<Instant>,
    recent_floods: VecDeque<(Instant, i64)>,
}

impl Pacer {
    pub fn new(limits: Limits, now: Instant) -> Self {
        let chat = Spacing::per(Duration::from_secs(1), limits.chat_per_second);
        let group = Spacing::per(Duration::from_secs(60), limits.group_per_minute);
        Pacer {
            global: Spacing::per(Duration::from_secs(1), limits.per_second),
            group: if group.interval > chat.interval {
                group
            } else {
                chat
            },
            chat,
            next_global: now,
            chats: HashMap::new(),
            paused_until: None,
            recent_floods: VecDeque::new(),
        }
    }

    /// The earliest time the outbox may send anything.
    pub fn global_ready_at(&self) -> Instant {
        self.paused_until
            .map_or(self.next_global, |p| p.max(self.next_global))
    }

    /// The earliest time the outbox may send to `chat`.
    pub fn ready_at(&self, chat: i64) -> Instant {
        let global = self.global_ready_at();
        self.chats.get(&chat).map_or(global, |c| {
            global.max(c.next).max(c.paused().unwrap_or(global))
        })
    }

    /// Whether a live reply waits for `chat` (the outbox then lets it go first).
    pub fn live_waiting(&self, chat: i64) -> bool {
        self.chats.get(&chat).is_some_and(|c| c.live_waiting > 0)
    }

    /// Records an outbox send to `chat` at `now`.
    pub fn sent(&mut self, chat: i64, group: bool, now: Instant) {
        self.next_global = self.global.after(self.next_global, now);
        self.space(chat, group, now);
    }

    /// The earliest time a live reply may go to `chat`: a group's spacing
    /// and a 429 pause hold it; nothing else does.
    pub fn live_ready_at(&self, chat: i64, group: bool, now: Instant) -> Instant {
        let Some(c) = self.chats.get(&chat) else {
            return now;
        };
        let spaced = if group { c.next } else { now };
        spaced.max(c.paused().unwrap_or(now))
    }

    /// A live reply starts (`true`) or stops (`false`) waiting for `chat`.
    pub fn live_wait(&mut self, chat: i64, waiting: bool, now: Instant) {
        let c = self.chats.entry(chat).or_insert_with(|| Chat::new(now));
        if waiting {
            c.live_waiting += 1;
        } else {
            c.live_waiting = c.live_waiting.saturating_sub(1);
        }
    }

    /// Records a live reply to `chat` at `now`: it takes the chat's budget
    /// (not the overall one).
    pub fn live_sent(&mut self, chat: i64, group: bool, now: Instant) {
        self.space(chat, group, now);
    }

    fn space(&mut self, chat: i64, group: bool, now: Instant) {
        let spacing = if group { self.group } else { self.chat };
        let c = self.chats.entry(chat).or_insert_with(|| Chat::new(now));
        c.next = spacing.after(c.next, now);
    }

    /// A 429 for `chat`: that chat waits `retry_after`, live replies and the
    /// outbox alike; when several chats got one lately, the overall limit
    /// was hit and the outbox waits everywhere.
    pub fn flood(&mut self, chat: i64, retry_after: Duration, now: Instant) {
        let until = now + retry_after;
        let c = self.chats.entry(chat).or_insert_with(|| Chat::new(now));
        c.paused_until = Some(c.paused_until.map_or(until, |p| p.max(until)));
        while self
            .recent_floods
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > FLOOD_WINDOW)
        {
            self.recent_floods.pop_front();
        }
        self.recent_floods.push_back((now, chat));
        let mut chats: Vec<i64> = self.recent_floods.iter().map(|(_, c)| *c).collect();
        chats.sort_unstable();
        chats.dedup();
        if chats.len() >= GLOBAL_FLOOD_CHATS {
            self.paused_until = Some(self.paused_until.map_or(until, |p| p.max(until)));
        }
    }

    /// Forgets chats with nothing left to keep (their times have passed and
    /// no reply waits), so memory follows the chats in flight, not all ever
    /// served.
    pub fn prune(&mut self, now: Instant) {
        self.chats.retain(|_, c| {
            c.next > now || c.paused().is_some_and(|p| p > now) || c.live_waiting > 0
        });
        if self.paused_until.is_some_and(|p| p <= now) {
            self.paused_until = None;
        }
    }

    #[cfg(test)]
    pub fn tracked_chats(&self) -> usize {
        self.chats.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Sends as fast as the pacer allows to `chats` in turn for `span`,
    /// returning the send times per chat.
    fn drive(pacer: &mut Pacer, chats: &[(i64, bool)], span: Duration) -> Vec<(Instant, i64)> {
        let start = Instant::now();
        let mut now = start;
        let mut sent = Vec::new();
        while now < start + span {
            let next = chats
                .iter()
                .min_by_key(|(c, _)| pacer.ready_at(*c))
                .copied()
                .unwrap();
            now = now.max(pacer.ready_at(next.0));
            pacer.sent(next.0, next.1, now);
            sent.push((now, next.0));
        }
        sent
    }

    /// The most sends within any window of `window` (half-open).
    fn max_in_window(times: &[Instant], window: Duration) -> usize {
        times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u <= *t && *t - **u < window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn the_overall_rate_is_kept_with_headroom_but_close_to_the_limit() {
        let mut pacer = Pacer::new(Limits::default(), Instant::now());
        let chats: Vec<(i64, bool)> = (0..100).map(|c| (c, false)).collect();
        let sent = drive(&mut pacer, &chats, Duration::from_secs(10));
        let times: Vec<Instant> = sent.iter().map(|(t, _)| *t).collect();
        assert!(max_in_window(&times, Duration::from_secs(1)) <= 30);
        let rate = sent.len() as f64 / 10.0;
        assert!(rate >= 0.95 * 30.0, "{rate}/s");
    }

    #[test]
    fn a_chat_gets_one_a_second_and_a_group_twenty_a_minute() {
        let mut pacer = Pacer::new(Limits::default(), Instant::now());
        let sent = drive(
            &mut pacer,
            &[(1, false), (-5, true)],
            Duration::from_secs(120),
        );
        let of = |chat| -> Vec<Instant> {
            sent.iter()
                .filter(|(_, c)| *c == chat)
                .map(|(t, _)| *t)
                .collect()
        };
        assert!(max_in_window(&of(1), Duration::from_secs(1)) <= 1);
        assert!(max_in_window(&of(-5), Duration::from_secs(60)) <= 20);
        assert!(of(-5).len() >= 38, "{}", of(-5).len());
    }

    #[test]
    fn a_waiting_group_does_not_hold_up_other_chats() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        pacer.sent(-5, true, now);
        assert!(pacer.ready_at(-5) >= now + Duration::from_secs(3));
        assert!(pacer.ready_at(7) <= now + ms(35));
    }

    #[test]
    fn lateness_is_made_up_a_little_but_a_stall_never_bursts() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        pacer.sent(1, false, now);
        let due = pacer.global_ready_at();
        // A millisecond late: the schedule holds.
        pacer.sent(2, false, due + ms(1));
        assert_eq!(pacer.global_ready_at(), due + (due - now));
        // A second late: spacing starts again from (almost) now.
        let late = due + Duration::from_secs(1);
        pacer.sent(3, false, late);
        assert!(pacer.global_ready_at() >= late + ms(20));
    }

    #[test]
    fn a_429_pauses_its_chat_and_several_pause_everything() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        pacer.flood(1, Duration::from_secs(5), now);
        assert_eq!(pacer.ready_at(1), now + Duration::from_secs(5));
        assert!(pacer.ready_at(2) <= now + ms(1));
        pacer.flood(2, Duration::from_secs(3), now + ms(100));
        assert!(pacer.ready_at(9) >= now + Duration::from_secs(3));
        pacer.prune(now + Duration::from_secs(6));
        assert_eq!(pacer.tracked_chats(), 0);
        assert!(pacer.ready_at(9) <= now + Duration::from_secs(6));
    }

    #[test]
    fn live_replies_in_a_group_keep_its_spacing_and_go_before_the_outbox() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        let group = -5;
        pacer.sent(group, true, now);
        let next = pacer.ready_at(group);
        assert!(next >= now + Duration::from_secs(3));
        // A live reply to the group waits for the same slot…
        assert_eq!(pacer.live_ready_at(group, true, now), next);
        pacer.live_wait(group, true, now);
        assert!(pacer.live_waiting(group));
        // …takes it, and the outbox's next send moves one interval on.
        pacer.live_wait(group, false, next);
        pacer.live_sent(group, true, next);
        assert!(!pacer.live_waiting(group));
        assert!(pacer.ready_at(group) >= next + Duration::from_secs(3));
    }

    #[test]
    fn a_private_live_reply_waits_only_for_a_429_but_the_outbox_keeps_its_distance() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        pacer.live_sent(9, false, now);
        assert_eq!(pacer.live_ready_at(9, false, now + ms(10)), now + ms(10));
        assert!(pacer.ready_at(9) >= now + Duration::from_secs(1));
        pacer.flood(9, Duration::from_secs(4), now);
        assert_eq!(
            pacer.live_ready_at(9, false, now),
            now + Duration::from_secs(4)
        );
        // Another chat's answer is not held up by it.
        assert_eq!(pacer.live_ready_at(10, false, now), now);
    }

    #[test]
    fn floods_in_several_chats_pause_the_outbox_but_not_live_replies() {
        let now = Instant::now();
        let mut pacer = Pacer::new(Limits::default(), now);
        pacer.flood(1, Duration::from_secs(5), now);
        pacer.flood(2, Duration::from_secs(5), now + ms(100));
        assert!(pacer.ready_at(3) >= now + Duration::from_secs(5));
        assert_eq!(pacer.live_ready_at(3, false, now + ms(200)), now + ms(200));
        assert_eq!(pacer.live_ready_at(-3, true, now + ms(200)), now + ms(200));
    }
}

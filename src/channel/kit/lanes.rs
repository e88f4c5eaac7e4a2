//! Work kept in order per key, keys in parallel: each chat's updates (or
//! sends) run one after another, while other chats go on.
//!
//! A key with work has exactly one task, started when its first job comes
//! and ended when its queue is empty, so memory follows the chats in flight,
//! not every chat ever seen. A job that panics is logged and the key's next
//! job still runs.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use tokio::sync::Notify;

type Job<J> = Box<dyn Fn(i64, J) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

pub struct Lanes<J> {
    shared: Arc<Shared<J>>,
}

impl<J> Clone for Lanes<J> {
    fn clone(&self) -> Self {
        Lanes {
            shared: Arc::clone(&self.shared),
        }
    }
}

struct Shared<J> {
    /// Jobs waiting per key; a key is present while its task runs.
    queues: Mutex<HashMap<i64, VecDeque<J>>>,
    run: Job<J>,
    /// Jobs queued or running, over all keys.
    pending: AtomicUsize,
    idle: Notify,
}

impl<J: Send + 'static> Lanes<J> {
    /// Lanes that run each job with `run(key, job)`.
    pub fn new<F, Fut>(run: F) -> Self
    where
        F: Fn(i64, J) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        Lanes {
            shared: Arc::new(Shared {
                queues: Mutex::new(HashMap::new()),
                run: Box::new(move |key, job| Box::pin(run(key, job))),
                pending: AtomicUsize::new(0),
                idle: Notify::new(),
            }),
        }
    }

    /// Queues `job` behind `key`'s earlier ones (starts it now if none).
    pub fn push(&self, key: i64, job: J) {
        self.shared.pending.fetch_add(1, Ordering::SeqCst);
        let mut queues = self.shared.lock();
        match queues.get_mut(&key) {
            Some(queue) => queue.push_back(job),
            None => {
                queues.insert(key, VecDeque::new());
                drop(queues);
                tokio::spawn(drive(Arc::clone(&self.shared), key, job));
            }
        }
    }

    /// Jobs queued or running.
    pub fn pending(&self) -> usize {
        self.shared.pending.load(Ordering::SeqCst)
    }

    /// Jobs waiting behind `key`'s running one.
    pub fn waiting(&self, key: i64) -> usize {
        self.shared.lock().get(&key).map_or(0, VecDeque::len)
    }

    /// Waits until every job pushed so far (and any they pushed) is done.
    pub async fn idle(&self) {
        loop {
            let notified = self.shared.idle.notified();
            if self.pending() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl<J> Shared<J> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, VecDeque<J>>> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }
}

async fn drive<J: Send + 'static>(shared: Arc<Shared<J>>, key: i64, first: J) {
    let mut job = first;
    loop {
        if AssertUnwindSafe((shared.run)(key, job))
            .catch_unwind()
            .await
            .is_err()
        {
            tracing::error!(key, "a job panicked; the next one of its chat goes on");
        }
        let next = {
            let mut queues = shared.lock();
            let next = queues.get_mut(&key).and_then(VecDeque::pop_front);
            if next.is_none() {
                queues.remove(&key);
            }
            next
        };
        if shared.pending.fetch_sub(1, Ordering::SeqCst) == 1 {
            shared.idle.notify_waiters();
        }
        match next {
            Some(j) => job = j,
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_of_a_key_run_in_order_and_keys_in_parallel() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let lanes = {
            let log = Arc::clone(&log);
            Lanes::new(move |key, (n, wait): (u32, u64)| {
                let log = Arc::clone(&log);
                async move {
                    tokio::time::sleep(Duration::from_millis(wait)).await;
                    log.lock().unwrap().push((key, n));
                }
            })
        };
        // Key 1 is slow; key 2's jobs must not wait for it.
        lanes.push(1, (1, 200));
        lanes.push(1, (2, 0));
        for n in 1..=3 {
            lanes.push(2, (n, 1));
        }
        assert_eq!(lanes.waiting(1), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(*log.lock().unwrap(), [(2, 1), (2, 2), (2, 3)]);
        lanes.idle().await;
        assert_eq!(lanes.pending(), 0);
        let of = |key| -> Vec<u32> {
            log.lock()
                .unwrap()
                .iter()
                .filter(|(k, _)| *k == key)
                .map(|(_, n)| *n)
                .collect()
        };
        assert_eq!(of(1), [1, 2]);
        assert_eq!(lanes.waiting(1), 0);
    }

    #[tokio::test]
    async fn a_panicking_job_does_not_stop_its_lane() {
        let done = Arc::new(AtomicUsize::new(0));
        let lanes = {
            let done = Arc::clone(&done);
            Lanes::new(move |_, boom: bool| {
                let done = Arc::clone(&done);
                async move {
                    assert!(!boom, "a job that fails");
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        };
        lanes.push(7, true);
        lanes.push(7, false);
        lanes.idle().await;
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }
}

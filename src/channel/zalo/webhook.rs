//! The webhook: Zalo posts each OA event to our HTTPS address (a reverse
//! proxy in front of `listen`), served by the shared listener with its
//! limits (`kit::listen`: header and body timeouts, a connection cap, a
//! shutdown deadline). A request without a well-formed signature header is
//! refused before its body is read; then the signature is checked against
//! the body; a bad or missing one is logged and answered 401, and nothing of
//! it is stored or handled. A good event is deduplicated, queued
//! and answered 200 at once (Zalo wants an answer within about 2 seconds and
//! retries otherwise); workers handle the queue in the background, one
//! user's events in order. Shutdown stops accepting, drains the queues, then
//! persists and flushes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::event::{self, Incoming};
use super::signature;
use super::{Zalo, ZaloError};
use crate::channel::kit::{listen, pause, unix_now};

/// The webhook's queues and workers.
struct Dispatcher {
    zalo: Arc<Zalo>,
    queues: Mutex<Option<Vec<mpsc::Sender<Incoming>>>>,
}

impl Dispatcher {
    fn start(zalo: Arc<Zalo>) -> (Arc<Self>, Vec<JoinHandle<()>>) {
        let mut queues = Vec::new();
        let mut workers = Vec::new();
        for _ in 0..zalo.settings.workers.max(1) {
            let (tx, mut rx) = mpsc::channel::<Incoming>(zalo.settings.queue.max(1));
            queues.push(tx);
            let zalo = Arc::clone(&zalo);
            workers.push(tokio::spawn(async move {
                while let Some(incoming) = rx.recv().await {
                    zalo.handle(incoming).await;
                }
            }));
        }
        let dispatcher = Dispatcher {
            zalo,
            queues: Mutex::new(Some(queues)),
        };
        (Arc::new(dispatcher), workers)
    }

    /// Queues an event on its user's worker; `false` when that queue is full
    /// or closed.
    fn dispatch(&self, incoming: Incoming) -> bool {
        let queues = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        let Some(queues) = queues.as_ref() else {
            return false;
        };
        let mut hasher = DefaultHasher::new();
        incoming
            .kind
            .user()
            .unwrap_or(&incoming.key)
            .hash(&mut hasher);
        let queue = &queues[(hasher.finish() as usize) % queues.len()];
        queue.try_send(incoming).is_ok()
    }

    /// Closes the queues: workers finish what is queued, then stop.
    fn close(&self) {
        self.queues.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

impl Zalo {
    /// Serves the webhook on `listener` until `shutdown` turns true, with the
    /// token refresher, the outbox sender and the persister beside it. Events
    /// in hand are finished before the store is flushed.
    pub async fn run(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), ZaloError> {
        let addr = listener
            .local_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        let (dispatcher, workers) = Dispatcher::start(Arc::clone(&self));
        let background = vec![
            tokio::spawn(Arc::clone(&self).run_refresher(shutdown.clone())),
            tokio::spawn(Arc::clone(&self).run_persister(shutdown.clone())),
            tokio::spawn(Arc::clone(&self).run_outbox(shutdown.clone())),
        ];
        let router = Router::new()
            .route(&self.settings.webhook_path, post(receive))
            .with_state(Arc::clone(&dispatcher));
        tracing::info!(%addr, path = %self.settings.webhook_path, "zalo webhook listening");
        listen::serve(listener, router, &self.settings.listener, shutdown).await;
        dispatcher.close();
        for worker in workers {
            if let Err(e) = worker.await {
                tracing::error!(error = %e, "a zalo worker failed");
            }
        }
        for task in background {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a zalo background task failed");
            }
        }
        self.finish()?;
        tracing::info!(%addr, "zalo channel stopped");
        Ok(())
    }

    /// Refreshes the access token before it expires; after a failure, tries
    /// again a minute later (calls refused meanwhile also refresh).
    async fn run_refresher(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let wait = (self.tokens.due_at().await - unix_now()).clamp(0, 3600) as u64;
            if wait > 0 {
                pause(&mut shutdown, Duration::from_secs(wait)).await;
                continue;
            }
            if let Err(e) = self.tokens.refresh_if_due().await {
                tracing::error!(error = %e, "could not refresh the zalo access token");
                pause(&mut shutdown, Duration::from_secs(60)).await;
            }
        }
    }

    async fn run_persister(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            pause(&mut shutdown, self.settings.persist_every).await;
            let zalo = Arc::clone(&self);
            let _ = tokio::task::spawn_blocking(move || zalo.persist()).await;
        }
    }
}

async fn receive(
    State(dispatcher): State<Arc<Dispatcher>>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let zalo = &dispatcher.zalo;
    let given = headers.get(signature::HEADER).map(|v| v.as_bytes());
    // A request that is not even signed is refused before its body is read.
    if let Err(reason) = signature::well_formed(given) {
        tracing::debug!(%reason, "zalo webhook request refused");
        return StatusCode::UNAUTHORIZED;
    }
    let body = match listen::read_body(body, &zalo.settings.listener).await {
        Ok(body) => body,
        Err(status) => return status,
    };
    if let Err(reason) = signature::verify(
        &zalo.settings.app_id,
        zalo.settings.oa_secret.expose(),
        &body,
        given,
    ) {
        tracing::warn!(%reason, len = body.len(), "zalo webhook request refused");
        return StatusCode::UNAUTHORIZED;
    }
    let incoming = match event::parse(&body) {
        Ok(incoming) => incoming,
        Err(e) => {
            // Signed by Zalo but unreadable to us: a retry would not help.
            tracing::warn!(error = %e, "unreadable zalo event skipped");
            return StatusCode::OK;
        }
    };
    if !zalo.dedupe.admit(&incoming.key) {
        tracing::debug!(key = %incoming.key, "zalo event already handled");
        return StatusCode::OK;
    }
    let key = incoming.key.clone();
    if dispatcher.dispatch(incoming) {
        StatusCode::OK
    } else {
        // Overloaded or stopping: let Zalo deliver it again later.
        zalo.dedupe.forget(&key);
        StatusCode::SERVICE_UNAVAILABLE
    }
}

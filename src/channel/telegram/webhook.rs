//! Webhook mode: Telegram posts each update to our HTTPS address (a reverse
//! proxy in front of `listen`), served by the shared listener with its
//! limits (`kit::listen`). `setWebhook` at start.
//!
//! The secret token header is compared in constant time before the body is
//! read. An update is answered 200 once its effects are stored (not when its
//! answer is sent), 500 if the store failed, so Telegram delivers it again.
//! Each delivery is checked against the store (`Engine::handle_once`), not
//! against a high-water mark: an update that arrives after a later one is
//! handled, and one delivered twice changes nothing the second time.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::json;
use teloxide::types::Update;
use tokio::sync::{oneshot, watch};

use super::outbox::OutboxTask;
use super::updates::{Done, Job, Pipeline};
use super::{Telegram, TelegramError};
use crate::channel::kit::{Secret, listen};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";
/// At shutdown, answers in hand get this long to go out.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

struct Hook {
    pipeline: Pipeline,
    secret: Secret,
    limits: listen::Limits,
}

impl Telegram {
    /// Registers the webhook and serves it until `shutdown` turns true;
    /// updates in hand are finished before the store is flushed.
    pub async fn run_webhook(
        self: Arc<Self>,
        url: &str,
        listen: std::net::SocketAddr,
        secret: &Secret,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), TelegramError> {
        let listener =
            tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| TelegramError::Listen {
                    addr: listen.to_string(),
                    reason: e.to_string(),
                })?;
        let path = url::path_of(url);
        let hook = Arc::new(Hook {
            pipeline: Pipeline::new(&self),
            secret: secret.clone(),
            limits: self.settings.listener.clone(),
        });
        let app = Router::new()
            .route(&path, post(receive))
            .with_state(Arc::clone(&hook));
        self.call(
            "setWebhook",
            &json!({"url": url, "secret_token": secret.expose(),
                    "max_connections": self.settings.listener.max_connections.min(100),
                    "allowed_updates": ["message", "callback_query"]}),
        )
        .await?;
        tracing::info!(%listen, path, "telegram webhook listening");
        let outbox = OutboxTask::start(&self, shutdown.clone());
        listen::serve(listener, app, &self.settings.listener, shutdown).await;
        hook.pipeline.finish(SHUTDOWN_GRACE).await;
        outbox.finish().await;
        self.finish()?;
        tracing::info!("telegram webhook stopped");
        Ok(())
    }
}

async fn receive(State(hook): State<Arc<Hook>>, headers: HeaderMap, body: Body) -> StatusCode {
    // The secret before anything else: a stranger's body is never read.
    let given = headers.get(SECRET_HEADER).map_or(&[][..], |v| v.as_bytes());
    if !hook.secret.matches(given) {
        return StatusCode::UNAUTHORIZED;
    }
    let body = match listen::read_body(body, &hook.limits).await {
        Ok(body) => body,
        Err(status) => return status,
    };
    let update = match serde_json::from_slice::<Update>(&body) {
        Ok(update) => update,
        Err(e) => {
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["update_id"].as_i64());
            return match id {
                // Telegram's, but not for us to read: a retry would not help.
                Some(id) => {
                    tracing::warn!(id, error = %e, "unreadable update skipped");
                    StatusCode::OK
                }
                None => StatusCode::BAD_REQUEST,
            };
        }
    };
    let (stored, committed) = oneshot::channel();
    hook.pipeline.push(Job {
        id: i64::from(update.id.0),
        update,
        done: Done::new(move |ok| {
            let _ = stored.send(ok);
        }),
    });
    match committed.await {
        Ok(true) => StatusCode::OK,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

mod url {
    /// The path part of an `https://host[:port]/path` address (`/` if none).
    pub fn path_of(url: &str) -> String {
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        match rest.find('/') {
            Some(i) => rest[i..]
                .split(['?', '#'])
                .next()
                .unwrap_or("/")
                .to_string(),
            None => "/".to_string(),
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_listening_path_comes_from_the_public_url() {
            assert_eq!(
                super::path_of("https://bot.example.org/tg/hook?x=1"),
                "/tg/hook"
            );
            assert_eq!(super::path_of("https://bot.example.org"), "/");
        }
    }
}

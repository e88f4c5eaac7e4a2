//! Webhook mode: Telegram posts each update to our HTTPS address (a reverse
//! proxy in front of `listen`). The secret token header is checked, the
//! update handled, then answered 200. `setWebhook` at start; the dedupe mark
//! is written every few seconds and at shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::json;
use teloxide::types::Update;
use tokio::sync::watch;

use super::outbox::OutboxTask;
use super::{Telegram, TelegramError};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

impl Telegram {
    /// Registers the webhook and serves it until `shutdown` turns true;
    /// requests in flight are finished before the store is flushed.
    pub async fn run_webhook(
        self: Arc<Self>,
        url: &str,
        listen: std::net::SocketAddr,
        secret: &str,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), TelegramError> {
        let listener =
            tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| TelegramError::Listen {
                    addr: listen.to_string(),
                    reason: e.to_string(),
                })?;
        let path = url::path_of(url);
        let app = Router::new()
            .route(&path, post(receive))
            .with_state((Arc::clone(&self), secret.to_string()));
        self.call(
            "setWebhook",
            &json!({"url": url, "secret_token": secret,
                    "allowed_updates": ["message", "callback_query"]}),
        )
        .await?;
        tracing::info!(%listen, path, "telegram webhook listening");
        let outbox = OutboxTask::start(&self, shutdown.clone());
        let persister = {
            let bot = Arc::clone(&self);
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                while !*stop.borrow() {
                    super::pause(&mut stop, Duration::from_secs(5)).await;
                    if let Err(e) = bot.dedupe.persist() {
                        tracing::error!(error = %e, "could not persist the last update id");
                    }
                }
            })
        };
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await;
        let _ = persister.await;
        outbox.finish().await;
        self.finish()?;
        served.map_err(|e| TelegramError::Listen {
            addr: listen.to_string(),
            reason: e.to_string(),
        })
    }
}

async fn receive(
    State((bot, secret)): State<(Arc<Telegram>, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let given = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok());
    if given != Some(secret.as_str()) {
        return StatusCode::UNAUTHORIZED;
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let Some(id) = value["update_id"].as_i64() else {
        return StatusCode::BAD_REQUEST;
    };
    if !bot.dedupe.admit(id) {
        return StatusCode::OK;
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => bot.handle_update(update).await,
        Err(e) => tracing::warn!(id, error = %e, "unreadable update skipped"),
    }
    StatusCode::OK
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

//! The webhook listener Telegram and Zalo share: an axum router served over
//! HTTP/1.1 with limits a public address needs.
//!
//! - A request's headers must arrive within `header_timeout` (an idle
//!   keep-alive connection is closed after it too); its body, read by
//!   `read_body`, within `body_timeout` and up to `max_body` bytes. So a
//!   client that opens connections and sends nothing, or a byte a minute,
//!   holds nothing for long.
//! - At most `max_connections` are served at once; further ones wait in the
//!   kernel's accept queue until a slot frees.
//! - Handlers check their secret before reading the body (`read_body` is
//!   called after the check), so an unauthenticated sender cannot make us
//!   read megabytes.
//! - Shutdown stops accepting, lets requests in hand finish for at most
//!   `shutdown_grace`, then drops the rest: a half-sent request never keeps
//!   the process alive (the platform delivers an unanswered update again).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_body: usize,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            // Updates and events are a few KB; 1 MB leaves room for long texts.
            max_body: 1 << 20,
            max_connections: 256,
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

/// Reads a request body within the limits: 408 when it comes too slowly,
/// 413 when it is too large, 400 when the connection breaks.
pub async fn read_body(body: Body, limits: &Limits) -> Result<Bytes, StatusCode> {
    let read = axum::body::to_bytes(body, limits.max_body);
    match tokio::time::timeout(limits.body_timeout, read).await {
        Err(_) => Err(StatusCode::REQUEST_TIMEOUT),
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => {
            // `to_bytes` reports a body over the limit as an error whose
            // source is axum's `LengthLimitError`.
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            })
        }
    }
}

/// Serves `router` on `listener` until `shutdown` turns true, then as the
/// module says. Returns once every connection is finished or dropped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (closing, close) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("never closed"),
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.wait_for(|stop| *stop) => break,
            // Reap finished connections now and then.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let header_timeout = limits.header_timeout;
        let mut close = close.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => return finished(peer, result),
                _ = close.wait_for(|c| *c) => connection.as_mut().graceful_shutdown(),
            }
            finished(peer, connection.await);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let in_hand = connections.len();
    let drained = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(limits.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            in_hand,
            left = connections.len(),
            "webhook requests unfinished at shutdown were dropped"
        );
        connections.shutdown().await;
    }
}

fn finished(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Timeouts and resets of one client: not worth more than debug.
        tracing::debug!(%peer, error = %e, "webhook connection ended");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn echo(body: Body) -> (StatusCode, Bytes) {
        let limits = Limits {
            body_timeout: Duration::from_millis(300),
            max_body: 16,
            ..Limits::default()
        };
        match read_body(body, &limits).await {
            Ok(bytes) => (StatusCode::OK, bytes),
            Err(status) => (status, Bytes::new()),
        }
    }

    async fn start(
        limits: Limits,
    ) -> (SocketAddr, watch::Sender<bool>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, shutdown) = watch::channel(false);
        let router = Router::new().route("/", post(echo));
        let task = tokio::spawn(async move { serve(listener, router, &limits, shutdown).await });
        (addr, stop, task)
    }

    fn quick() -> Limits {
        Limits {
            header_timeout: Duration::from_millis(300),
            max_connections: 2,
            shutdown_grace: Duration::from_millis(300),
            ..Limits::default()
        }
    }

    /// Writes `request` and reads what comes back until the server closes.
    async fn exchange(addr: SocketAddr, request: &[u8]) -> (String, Duration) {
        let started = Instant::now();
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        (
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_headers_slow_bodies_and_big_bodies_are_cut_off() {
        let (addr, stop, task) = start(quick()).await;
        let ok = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
        let (answer, _) = exchange(addr, ok).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hi"), "{answer}");

        // Headers never finished: the connection is closed after the timeout.
        let (answer, took) = exchange(addr, b"POST / HTTP/1.1\r\nhost: x\r\n").await;
        assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(took < Duration::from_secs(2), "{took:?}");

        // A body that never comes: 408.
        let slow = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nab";
        let (answer, took) = exchange(addr, slow).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(took < Duration::from_secs(2), "{took:?}");

        let big = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 40\r\nconnection: close\r\n\r\n0123456789012345678901234567890123456789";
        let (answer, _) = exchange(addr, big).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        stop.send(true).unwrap();
        task.await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn connections_over_the_cap_wait_and_shutdown_does_not_wait_for_a_half_sent_request() {
        let limits = Limits {
            header_timeout: Duration::from_secs(30),
            ..quick()
        };
        let (addr, stop, task) = start(limits).await;
        // Two idle connections take both slots…
        let mut idle = Vec::new();
        for _ in 0..2 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
                .await
                .unwrap();
            idle.push(s);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        // …so a third is not served while they last.
        let ok = b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
        let third = tokio::spawn(exchange(addr, ok));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!third.is_finished(), "served over the cap");
        drop(idle.pop());
        let (answer, _) = third.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

        // One half-sent request is still open: shutdown gives it the grace
        // period, not the 30 s header timeout.
        let started = Instant::now();
        stop.send(true).unwrap();
        task.await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        drop(idle);
    }
}

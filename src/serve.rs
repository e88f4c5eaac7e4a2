//! The body of `hocvuso serve`: start the app, run every configured channel
//! (Telegram, Zalo or both) on one async runtime until SIGTERM or Ctrl-C,
//! and let each finish cleanly. When one channel fails, the other is
//! stopped too, so both flush what they hold before the process exits.
//!
//! Beside the channels, the store forgets platform deliveries older than
//! `FORGET_UPDATES_AFTER` once an hour: Telegram and Zalo redeliver an
//! update for a day at most, so older ids would only grow the store.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::app::{App, StartError};
use crate::channel::kit::{pause, unix_now};
use crate::channel::telegram::{Telegram, TelegramError};
use crate::channel::zalo::{Zalo, ZaloError};
use crate::config::Serve;

/// Deliveries older than this are forgotten.
const FORGET_UPDATES_AFTER: i64 = 2 * 86_400;
const FORGET_EVERY: Duration = Duration::from_secs(3600);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("telegram: {0}")]
    Telegram(#[from] TelegramError),
    #[error("zalo: {0}")]
    Zalo(#[from] ZaloError),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: String, reason: String },
}

/// Runs until a signal (or a channel's failure); the first error, if any.
pub fn run(config: Serve) -> Result<(), ServeError> {
    let app = Arc::new(App::start(&config.paths, &config.staffing)?);
    let runtime = tokio::runtime::Runtime::new().map_err(ServeError::Runtime)?;
    runtime.block_on(async move {
        let (stop, shutdown) = watch::channel(false);
        let stop = Arc::new(stop);
        {
            let stop = Arc::clone(&stop);
            tokio::spawn(async move {
                wait_for_signal().await;
                tracing::info!("stopping: finishing the updates in hand");
                let _ = stop.send(true);
            });
        }
        let housekeeping = tokio::spawn(forget_old_updates(Arc::clone(&app), shutdown.clone()));
        // Each channel stops the other when it fails, so both finish cleanly.
        let telegram = {
            let (app, shutdown, stop) = (Arc::clone(&app), shutdown.clone(), Arc::clone(&stop));
            async move {
                let Some(settings) = config.telegram else {
                    return Ok(());
                };
                let result = async {
                    let bot = Telegram::connect(app, settings).await?;
                    eprintln!(
                        "hocvuso is running on Telegram as @{} (Ctrl-C to stop)",
                        bot.username()
                    );
                    bot.run(shutdown).await
                }
                .await;
                if result.is_err() {
                    let _ = stop.send(true);
                }
                result.map_err(ServeError::from)
            }
        };
        let zalo = {
            let (app, stop) = (Arc::clone(&app), Arc::clone(&stop));
            async move {
                let Some(settings) = config.zalo else {
                    return Ok(());
                };
                let result = async {
                    let listen = settings.listen;
                    let zalo = Zalo::new(app, settings)?;
                    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
                        ServeError::Listen {
                            addr: listen.to_string(),
                            reason: e.to_string(),
                        }
                    })?;
                    eprintln!(
                        "hocvuso is running on Zalo, webhook on {listen}{} (Ctrl-C to stop)",
                        zalo.settings().webhook_path
                    );
                    zalo.run(listener, shutdown).await?;
                    Ok(())
                }
                .await;
                if result.is_err() {
                    let _ = stop.send(true);
                }
                result
            }
        };
        let (telegram, zalo) = tokio::join!(telegram, zalo);
        let _ = stop.send(true);
        let _ = housekeeping.await;
        telegram.and(zalo)
    })
}

/// Once an hour, forgets deliveries too old to come again.
async fn forget_old_updates(app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let store = Arc::clone(app.engine.store());
        let before = unix_now() - FORGET_UPDATES_AFTER;
        match tokio::task::spawn_blocking(move || store.forget_updates(before)).await {
            Ok(Ok(n)) if n > 0 => tracing::info!(forgotten = n, "old delivery ids forgotten"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "could not forget old delivery ids"),
            Err(e) => tracing::error!(error = %e, "forgetting old delivery ids panicked"),
        }
        pause(&mut shutdown, FORGET_EVERY).await;
    }
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

//! Start-up: loads lessons and locales, opens the store, builds the engine.
//! Every start-up failure is a typed error with a message for the operator.

use std::path::PathBuf;
use std::sync::Arc;

use crate::area::{AreaError, AreaTree};
use crate::core::{Core, LearnerId};
use crate::engine::Engine;
use crate::i18n::{LocaleError, Localizer};
use crate::lesson::{LessonTree, LoadError, load_tree};
use crate::present::Presenter;
use crate::store::{SledStore, StoreError};

#[derive(Debug, Clone)]
pub struct Paths {
    pub lessons: PathBuf,
    pub locales: PathBuf,
    pub data: PathBuf,
    /// The area tree file (`areas.toml`).
    pub areas: PathBuf,
}

/// Who may do what, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct Staffing {
    /// Admins by channel user id (`tg:123`, `zalo:456`, `console:name`).
    pub admins: Vec<LearnerId>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Lessons(#[from] LoadError),
    #[error(transparent)]
    Locales(#[from] LocaleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Areas(#[from] AreaError),
}

pub struct App {
    pub engine: Engine,
    pub localizer: Arc<Localizer>,
    /// Turns certificates and charts into pictures for every channel.
    pub presenter: Arc<Presenter>,
}

impl App {
    pub fn start(paths: &Paths, staffing: &Staffing) -> Result<Self, StartError> {
        let lessons = Arc::new(load_tree(&paths.lessons)?);
        let localizer = Arc::new(Localizer::load(&paths.locales)?);
        let areas = Arc::new(AreaTree::load(&paths.areas)?);
        let store = Arc::new(SledStore::open(&paths.data)?);
        let core = Core::new(lessons, localizer.languages())
            .with_areas(areas)
            .with_admins(staffing.admins.clone());
        Ok(Self::with_core(core, localizer, store))
    }

    /// An app on a given store, with no areas and no admins (tests, benches).
    pub fn with_store(
        lessons: Arc<LessonTree>,
        localizer: Arc<Localizer>,
        store: Arc<dyn crate::store::Store>,
    ) -> Self {
        let core = Core::new(lessons, localizer.languages());
        Self::with_core(core, localizer, store)
    }

    pub fn with_core(
        core: Core,
        localizer: Arc<Localizer>,
        store: Arc<dyn crate::store::Store>,
    ) -> Self {
        // The fonts are compiled into the binary: failing to read them is a
        // broken build, caught by the renderer's own tests.
        let presenter = Presenter::new(localizer.clone()).expect("the embedded fonts load");
        App {
            engine: Engine::new(core, store),
            localizer,
            presenter: Arc::new(presenter),
        }
    }
}

/// How often a running bot looks for due timers (reminders, questions to
/// move up). Reminders are days apart, so a minute is plenty.
pub const TIMER_PERIOD: std::time::Duration = std::time::Duration::from_secs(60);

impl App {
    /// Runs due timers every `TIMER_PERIOD` until `shutdown` turns true. The
    /// messages they make go out through each channel's outbox sender.
    pub async fn run_timers(
        self: Arc<Self>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
        clock: fn() -> i64,
    ) {
        loop {
            let app = self.clone();
            let now = clock();
            // Handling a timer reads and writes the store: off the async workers.
            match tokio::task::spawn_blocking(move || app.engine.tick(now, 500)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(n)) => tracing::info!(timers = n, "handled due timers"),
                Ok(Err(e)) => tracing::error!(error = %e, "timers could not be handled"),
                Err(e) => tracing::error!(error = %e, "the timer task failed"),
            }
            tokio::select! {
                _ = tokio::time::sleep(TIMER_PERIOD) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}

/// Seconds since the Unix epoch, from the system clock.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

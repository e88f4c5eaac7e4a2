//! Start-up: loads lessons and locales, opens the store, builds the engine.
//! Every start-up failure is a typed error with a message for the operator.

use std::path::PathBuf;
use std::sync::Arc;

use crate::core::Core;
use crate::engine::Engine;
use crate::i18n::{LocaleError, Localizer};
use crate::lesson::{LessonTree, LoadError, load_tree};
use crate::store::{SledStore, StoreError};

#[derive(Debug, Clone)]
pub struct Paths {
    pub lessons: PathBuf,
    pub locales: PathBuf,
    pub data: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Lessons(#[from] LoadError),
    #[error(transparent)]
    Locales(#[from] LocaleError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct App {
    pub engine: Engine,
    pub localizer: Arc<Localizer>,
}

impl App {
    pub fn start(paths: &Paths) -> Result<Self, StartError> {
        let lessons = Arc::new(load_tree(&paths.lessons)?);
        let localizer = Arc::new(Localizer::load(&paths.locales)?);
        let store = Arc::new(SledStore::open(&paths.data)?);
        Ok(Self::with_store(lessons, localizer, store))
    }

    pub fn with_store(
        lessons: Arc<LessonTree>,
        localizer: Arc<Localizer>,
        store: Arc<dyn crate::store::Store>,
    ) -> Self {
        let core = Core::new(lessons, localizer.languages());
        App {
            engine: Engine::new(core, store),
            localizer,
        }
    }
}

//! The language type shared by lessons, the core and i18n. It imports
//! nothing else of the crate, so every module can depend on it.

use serde::{Deserialize, Serialize};

/// The language every lesson and topic must have; others fall back to it.
pub const BASE_LANG: &str = "vi";

/// A language tag such as `vi` or `en`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lang(String);

impl Lang {
    pub fn new(tag: impl Into<String>) -> Self {
        Lang(tag.into())
    }

    pub fn base() -> Self {
        Lang(BASE_LANG.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

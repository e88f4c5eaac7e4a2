//! The OA access token and its single-use refresh token.
//!
//! Zalo's access token lives about a day (`expires_in` 90000 s) and each
//! refresh returns a new refresh token while spending the old one
//! [developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new,
//! as quoted in hoangnd25/monorepo `wip/zalo-platform-integration.md`]. So:
//! - the pair is one store value (`zalo/tokens`, JSON), written with a single
//!   `channel_put`, so a crash can never leave a new access token next to a
//!   spent refresh token;
//! - a new pair is stored *before* it is used;
//! - configured tokens only seed an empty store: after a restart the stored
//!   pair wins, never a refresh token from the config that is already spent;
//! - refreshes are single-flight: one at a time, and a caller whose token was
//!   refused while another refresh ran just takes the new token.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::api::{Api, ApiError};
use crate::channel::kit::{Secret, unix_now};
use crate::core::Timestamp;
use crate::store::{Store, StoreError};

pub const TOKENS_KEY: &str = "zalo/tokens";

/// The stored pair. Public so an operator tool (or a test) can seed a store.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds; `0` when unknown (refresh at the first chance).
    pub expires_at: Timestamp,
}

impl std::fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl TokenRecord {
    pub fn load(store: &dyn Store) -> Result<Option<Self>, StoreError> {
        match store.channel_get(TOKENS_KEY)? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| StoreError::Corrupt {
                    key: TOKENS_KEY.to_string(),
                    reason: e.to_string(),
                }),
        }
    }

    /// Durable when this returns.
    pub fn save(&self, store: &dyn Store) -> Result<(), StoreError> {
        let json = serde_json::to_string(self).map_err(|e| StoreError::Io(e.to_string()))?;
        store.channel_put(TOKENS_KEY, &json)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(
        "no zalo tokens: set access_token and refresh_token under [zalo] (or ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN) for the first start"
    )]
    None,
    #[error("a stored zalo token is malformed")]
    Malformed,
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Current {
    access: Secret,
    refresh: Secret,
    expires_at: Timestamp,
    /// Set when a new pair could not be written: it is retried, since the
    /// previous refresh token is already spent.
    unsaved: bool,
}

pub struct Tokens {
    store: Arc<dyn Store>,
    api: Api,
    app_id: String,
    app_secret: Secret,
    margin: Duration,
    current: tokio::sync::Mutex<Current>,
}

impl Tokens {
    /// The stored pair, or the configured one written to an empty store.
    pub fn load(
        store: Arc<dyn Store>,
        api: Api,
        app_id: &str,
        app_secret: Secret,
        seed: Option<(Secret, Secret)>,
        margin: Duration,
    ) -> Result<Self, TokenError> {
        let record = match TokenRecord::load(store.as_ref())? {
            Some(record) => record,
            None => {
                let (access, refresh) = seed.ok_or(TokenError::None)?;
                let record = TokenRecord {
                    access_token: access.expose().to_string(),
                    refresh_token: refresh.expose().to_string(),
                    // When a configured token expires is unknown: refresh soon.
                    expires_at: 0,
                };
                record.save(store.as_ref())?;
                tracing::info!("zalo tokens seeded from the configuration");
                record
            }
        };
        let current = Current {
            access: Secret::new(record.access_token).ok_or(TokenError::Malformed)?,
            refresh: Secret::new(record.refresh_token).ok_or(TokenError::Malformed)?,
            expires_at: record.expires_at,
            unsaved: false,
        };
        Ok(Tokens {
            store,
            api,
            app_id: app_id.to_string(),
            app_secret,
            margin,
            current: tokio::sync::Mutex::new(current),
        })
    }

    /// The access token to call with, refreshed first when it is due. A
    /// failed refresh is logged and the current token used: it may still work,
    /// and a refused one triggers `refused`.
    pub async fn access(&self) -> Secret {
        let mut current = self.current.lock().await;
        if current.unsaved {
            self.save(&mut current);
        }
        if unix_now() >= current.expires_at - self.margin.as_secs() as i64
            && let Err(e) = self.refresh_locked(&mut current).await
        {
            tracing::error!(error = %e, "could not refresh the zalo access token");
        }
        current.access.clone()
    }

    /// Zalo refused `used`: refresh, unless another caller already did.
    pub async fn refused(&self, used: &Secret) -> Result<(), ApiError> {
        let mut current = self.current.lock().await;
        if &current.access != used {
            return Ok(());
        }
        self.refresh_locked(&mut current).await
    }

    /// When the access token should be refreshed (unix seconds).
    pub async fn due_at(&self) -> Timestamp {
        self.current.lock().await.expires_at - self.margin.as_secs() as i64
    }

    /// Refreshes now unless the token is no longer due (the background task).
    pub async fn refresh_if_due(&self) -> Result<(), ApiError> {
        let mut current = self.current.lock().await;
        if unix_now() < current.expires_at - self.margin.as_secs() as i64 {
            return Ok(());
        }
        self.refresh_locked(&mut current).await
    }

    async fn refresh_locked(&self, current: &mut Current) -> Result<(), ApiError> {
        let pair = self
            .api
            .refresh(&self.app_id, &self.app_secret, &current.refresh)
            .await?;
        // From here the old refresh token is spent: the new pair is all there is.
        current.access = pair.access_token;
        current.refresh = pair.refresh_token;
        current.expires_at = unix_now() + pair.expires_in.as_secs() as i64;
        self.save(current);
        tracing::info!(
            expires_at = current.expires_at,
            "zalo access token refreshed"
        );
        Ok(())
    }

    /// Writes the pair; on failure keeps it marked, to be written again before
    /// the next use.
    fn save(&self, current: &mut Current) {
        let record = TokenRecord {
            access_token: current.access.expose().to_string(),
            refresh_token: current.refresh.expose().to_string(),
            expires_at: current.expires_at,
        };
        match record.save(self.store.as_ref()) {
            Ok(()) => current.unsaved = false,
            Err(e) => {
                current.unsaved = true;
                tracing::error!(error = %e, "could not store the new zalo tokens; retrying");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;

    fn api() -> Api {
        Api::new(
            "http://127.0.0.1:1",
            "http://127.0.0.1:1",
            Duration::from_millis(200),
        )
        .unwrap()
    }

    #[test]
    fn configured_tokens_only_seed_an_empty_store() {
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let secret = |s: &str| Secret::new(s).unwrap();
        let seed = || Some((secret("A1"), secret("R1")));
        Tokens::load(
            store.clone(),
            api(),
            "1",
            secret("S"),
            seed(),
            Duration::ZERO,
        )
        .unwrap();
        assert_eq!(
            TokenRecord::load(store.as_ref())
                .unwrap()
                .unwrap()
                .refresh_token,
            "R1"
        );
        TokenRecord {
            access_token: "A2".into(),
            refresh_token: "R2".into(),
            expires_at: 5,
        }
        .save(store.as_ref())
        .unwrap();
        Tokens::load(
            store.clone(),
            api(),
            "1",
            secret("S"),
            seed(),
            Duration::ZERO,
        )
        .unwrap();
        let kept = TokenRecord::load(store.as_ref()).unwrap().unwrap();
        assert_eq!(
            (kept.access_token.as_str(), kept.refresh_token.as_str()),
            ("A2", "R2")
        );
        let empty: Arc<dyn Store> = Arc::new(MemoryStore::new());
        assert!(matches!(
            Tokens::load(empty, api(), "1", secret("S"), None, Duration::ZERO),
            Err(TokenError::None)
        ));
        assert!(!format!("{kept:?}").contains("R2"));
    }
}

//! A thin client for Zalo's Open API and OAuth server over reqwest: one call
//! in, the answer's `data` or a classified error out. It never sleeps and
//! never logs a token (tokens travel only in headers and form bodies).
//!
//! Wire format (sources in brackets):
//! - OA calls send the token in an `access_token` header and answer HTTP 200
//!   with `{"error": 0, "message": "Success", "data": {...}}`, or a negative
//!   `error` code [developers.zalo.me/docs/official-account/tin-nhan/tin-tu-van,
//!   as quoted in hoangnd25/monorepo `wip/zalo-platform-integration.md`].
//! - Uploads are multipart with the file in a `file` field; `data` holds
//!   `attachment_id` (images) or `token` (files) [clients calling
//!   `/v2.0/oa/upload/image`, e.g. the OA bots found by the code search].
//! - Refresh: `POST /v4/oa/access_token`, header `secret_key: <app secret>`,
//!   form `refresh_token`, `app_id`, `grant_type=refresh_token`; the answer is
//!   `{access_token, refresh_token, expires_in}` (`expires_in` a string of
//!   seconds, 90000) or `{error, error_name, error_description}`.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::channel::kit::{Classify, Failure, Secret};

/// Why a call failed, in the terms the retry policy and the quota decide on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("zalo server error {status}")]
    Server { status: u16 },
    /// The request never reached Zalo (no connection): safe to repeat.
    #[error("network error: {0}")]
    Network(String),
    /// No answer after the request was sent (a timeout, a dropped
    /// connection): Zalo may have delivered it, and it takes no idempotency
    /// key, so repeating it may send the learner a second copy.
    #[error("no answer from zalo (it may have been delivered): {0}")]
    Uncertain(String),
    /// -216 "access token is invalid", -220 "access_token is expired or removed".
    #[error("zalo refused the access token ({0})")]
    Token(i64),
    /// -32 "your application reached limit call api" (or HTTP 429).
    #[error("zalo rate limit ({0})")]
    RateLimited(i64),
    /// The user is outside the messaging window or the OA has no quota left:
    /// -230/-232 (no interaction in 7 days), -211/-218 (out of quota),
    /// -221/-224 (OA not verified / no tier package), -321 (no money).
    #[error("zalo will not deliver this message now ({0}): {1}")]
    NoQuota(i64, String),
    /// The user cannot be reached at all: -213 (not following), -217,
    /// -227 (banned or inactive), -244 (restricted this OA).
    #[error("the user cannot receive messages from the OA ({0}): {1}")]
    Unreachable(i64, String),
    #[error("zalo refused the request ({code}): {message}")]
    Rejected { code: i64, message: String },
    /// The OAuth server refused the refresh token (used, expired or wrong).
    #[error("zalo refused the refresh token ({code}): {message}")]
    RefreshRefused { code: i64, message: String },
    #[error("unreadable answer from zalo: {0}")]
    Invalid(String),
}

impl Classify for ApiError {
    fn failure(&self) -> Failure {
        match self {
            // Zalo names no wait: a rate limit backs off like a server error.
            ApiError::Server { .. }
            | ApiError::Network(_)
            | ApiError::RateLimited(_)
            | ApiError::Invalid(_) => Failure::Transient,
            ApiError::Uncertain(_) => Failure::Uncertain,
            ApiError::Unreachable(..) => Failure::Blocked,
            // A refused access token is refreshed by the caller first.
            ApiError::Token(_)
            | ApiError::NoQuota(..)
            | ApiError::Rejected { .. }
            | ApiError::RefreshRefused { .. } => Failure::Refused,
        }
    }
}

/// Maps an OA error answer (`error` < 0) to an `ApiError`.
pub fn classify(code: i64, message: String) -> ApiError {
    match code {
        -216 | -220 => ApiError::Token(code),
        -32 => ApiError::RateLimited(code),
        -230 | -232 | -211 | -218 | -221 | -224 | -321 => ApiError::NoQuota(code, message),
        -213 | -217 | -227 | -244 => ApiError::Unreachable(code, message),
        _ => ApiError::Rejected { code, message },
    }
}

/// A fresh token pair from the OAuth server.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenPair {
    pub access_token: Secret,
    pub refresh_token: Secret,
    pub expires_in: Duration,
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    error: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Value,
}

#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    api_url: String,
    oauth_url: String,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl Api {
    pub fn new(api_url: &str, oauth_url: &str, timeout: Duration) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(timeout)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(network)?;
        Ok(Api {
            client,
            api_url: api_url.trim_end_matches('/').to_string(),
            oauth_url: oauth_url.trim_end_matches('/').to_string(),
        })
    }

    /// `POST <api_url><path>` with a JSON body; the answer's `data`.
    pub async fn post(&self, path: &str, token: &Secret, body: &Value) -> Result<Value, ApiError> {
        let response = self
            .client
            .post(format!("{}{path}", self.api_url))
            .header("access_token", token.expose())
            .json(body)
            .send()
            .await
            .map_err(network)?;
        finish(response).await
    }

    /// Uploads one file (multipart field `file`); the answer's `data`.
    pub async fn upload(
        &self,
        path: &str,
        token: &Secret,
        file_name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Result<Value, ApiError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str(mime)
            .map_err(|e| ApiError::Invalid(e.to_string()))?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .client
            .post(format!("{}{path}", self.api_url))
            .header("access_token", token.expose())
            .multipart(form)
            .send()
            .await
            .map_err(network)?;
        finish(response).await
    }

    /// Trades a refresh token (single-use) for a new pair.
    pub async fn refresh(
        &self,
        app_id: &str,
        app_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<TokenPair, ApiError> {
        let response = self
            .client
            .post(format!("{}/v4/oa/access_token", self.oauth_url))
            .header("secret_key", app_secret.expose())
            .form(&[
                ("refresh_token", refresh_token.expose()),
                ("app_id", app_id),
                ("grant_type", "refresh_token"),
            ])
            .send()
            .await
            .map_err(network)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(network)?;
        let value: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) if status >= 500 => return Err(ApiError::Server { status }),
            Err(e) => return Err(ApiError::Invalid(format!("status {status}: {e}"))),
        };
        if status >= 500 {
            return Err(ApiError::Server { status });
        }
        let secret = |key: &str| value[key].as_str().and_then(Secret::new);
        match (secret("access_token"), secret("refresh_token")) {
            (Some(access_token), Some(refresh_token)) => {
                // A string in the docs' examples; accept a number too.
                let expires_in = match &value["expires_in"] {
                    Value::String(s) => s.trim().parse().ok(),
                    Value::Number(n) => n.as_u64(),
                    _ => None,
                }
                .unwrap_or(90_000);
                Ok(TokenPair {
                    access_token,
                    refresh_token,
                    expires_in: Duration::from_secs(expires_in),
                })
            }
            _ => {
                let code = value["error"].as_i64().unwrap_or(i64::from(status));
                let message = ["error_description", "error_name", "message"]
                    .iter()
                    .find_map(|k| value[*k].as_str())
                    .unwrap_or_default()
                    .to_string();
                Err(ApiError::RefreshRefused { code, message })
            }
        }
    }
}

/// A transport failure: before the connection was made nothing was sent;
/// after it, the request may have been delivered. Without the URL: it names
/// the server, and a token never goes there anyway.
fn network(e: reqwest::Error) -> ApiError {
    let unsent = e.is_connect() || e.is_builder();
    let e = e.without_url().to_string();
    if unsent {
        ApiError::Network(e)
    } else {
        ApiError::Uncertain(e)
    }
}

async fn finish(response: reqwest::Response) -> Result<Value, ApiError> {
    let status = response.status().as_u16();
    let text = response.text().await.map_err(network)?;
    if status == 429 {
        return Err(ApiError::RateLimited(429));
    }
    match serde_json::from_str::<Envelope>(&text) {
        Ok(envelope) if status < 500 && envelope.error == 0 => Ok(envelope.data),
        Ok(envelope) if status < 500 => Err(classify(envelope.error, envelope.message)),
        _ if status >= 500 => Err(ApiError::Server { status }),
        // Accepted, but the answer is unreadable: it may well have been sent.
        _ if (200..300).contains(&status) => Err(ApiError::Uncertain(format!(
            "status {status}, unreadable answer"
        ))),
        Ok(_) => Err(ApiError::Invalid(format!("status {status}"))),
        Err(e) => Err(ApiError::Invalid(format!("status {status}: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_classified() {
        assert_eq!(classify(-216, String::new()), ApiError::Token(-216));
        assert_eq!(classify(-220, String::new()), ApiError::Token(-220));
        assert_eq!(classify(-32, String::new()), ApiError::RateLimited(-32));
        assert!(matches!(
            classify(-230, String::new()),
            ApiError::NoQuota(-230, _)
        ));
        assert!(matches!(
            classify(-213, String::new()),
            ApiError::Unreachable(-213, _)
        ));
        assert!(matches!(
            classify(-201, String::new()),
            ApiError::Rejected { code: -201, .. }
        ));
    }

    #[test]
    fn a_timeout_after_sending_is_uncertain_not_a_network_error() {
        assert_eq!(
            ApiError::Uncertain("timed out".into()).failure(),
            Failure::Uncertain
        );
        assert_eq!(
            ApiError::Network("refused".into()).failure(),
            Failure::Transient
        );
        assert_eq!(ApiError::RateLimited(-32).failure(), Failure::Transient);
        assert_eq!(classify(-213, String::new()).failure(), Failure::Blocked);
        for refused in [-216, -230, -201] {
            assert_eq!(classify(refused, String::new()).failure(), Failure::Refused);
        }
    }

    #[tokio::test]
    async fn a_request_that_got_no_answer_is_classified_uncertain() {
        // A server that reads the request and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let api = Api::new(&url, &url, Duration::from_millis(200)).unwrap();
        let token = Secret::new("T").unwrap();
        let error = api
            .post("/v3.0/oa/message/cs", &token, &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::Uncertain(_)), "{error:?}");
        // Nobody listening: never sent, safe to repeat.
        let closed = Api::new(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            Duration::from_millis(200),
        )
        .unwrap();
        let error = closed
            .post("/x", &token, &serde_json::json!({}))
            .await
            .unwrap_err();
        assert!(matches!(error, ApiError::Network(_)), "{error:?}");
    }
}

//! A thin Bot API client over reqwest: one method call in, the `result`
//! value or a classified error out.
//!
//! It keeps the HTTP status, `error_code` and `retry_after`, which the retry
//! policy needs, and never sleeps on its own. The token lives only in the
//! base URL, which is never logged: errors are stripped of their URL.

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::channel::kit::{Classify, Failure, Secret};

/// Why a Bot API call failed, in the terms the retry policy decides on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    #[error("flood control: retry after {0:?}")]
    RetryAfter(Duration),
    #[error("telegram server error {status}: {description}")]
    Server { status: u16, description: String },
    /// The request never reached Telegram (no connection): safe to repeat.
    #[error("network error: {0}")]
    Network(String),
    /// No answer after the request was sent (a timeout or a dropped
    /// connection): Telegram may have delivered it, and it has no idempotency
    /// key, so repeating it may duplicate the message.
    #[error("no answer from telegram (it may have been delivered): {0}")]
    Uncertain(String),
    #[error("the chat does not accept messages from the bot: {0}")]
    Blocked(String),
    #[error("telegram refused the request ({code}): {description}")]
    Rejected { code: u16, description: String },
    #[error("unreadable answer from telegram: {0}")]
    Invalid(String),
}

impl Classify for ApiError {
    fn failure(&self) -> Failure {
        match self {
            ApiError::RetryAfter(wait) => Failure::RetryAfter(*wait),
            ApiError::Server { .. } | ApiError::Network(_) | ApiError::Invalid(_) => {
                Failure::Transient
            }
            ApiError::Uncertain(_) => Failure::Uncertain,
            ApiError::Blocked(_) => Failure::Blocked,
            ApiError::Rejected { .. } => Failure::Refused,
        }
    }
}

#[derive(Deserialize)]
struct Envelope<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    #[serde(default)]
    description: String,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

/// A Bot API endpoint for one bot: `<api_url>/bot<token>/<method>`.
#[derive(Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").finish_non_exhaustive()
    }
}

impl Api {
    /// `timeout` bounds every call but `getUpdates`, which adds its own poll time.
    pub fn new(api_url: &str, token: &Secret, timeout: Duration) -> Result<Self, ApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .pool_max_idle_per_host(256)
            .build()
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        Ok(Api {
            client,
            base: format!("{}/bot{}/", api_url.trim_end_matches('/'), token.expose()),
            timeout,
        })
    }

    /// Calls `method` with a JSON body.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, ApiError> {
        self.call_with_timeout(method, body, self.timeout).await
    }

    pub async fn call_with_timeout(
        &self,
        method: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<Value, ApiError> {
        self.post(method, body, timeout).await
    }

    /// Calls `method` when its result is not needed (a sent message, an
    /// answered button press): the answer is checked, not kept.
    pub async fn call_ignoring(&self, method: &str, body: &Value) -> Result<(), ApiError> {
        self.post::<serde::de::IgnoredAny>(method, body, self.timeout)
            .await
            .map(|_| ())
    }

    async fn post<T: serde::de::DeserializeOwned + Default>(
        &self,
        method: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let response = self
            .client
            .post(format!("{}{method}", self.base))
            .timeout(timeout)
            .json(body)
            .send()
            .await
            .map_err(network)?;
        finish(response).await
    }

    /// `getUpdates`: the updates as raw JSON, each parsed once by the caller.
    pub async fn get_updates(
        &self,
        body: &Value,
        timeout: Duration,
    ) -> Result<Vec<Box<serde_json::value::RawValue>>, ApiError> {
        let response = self
            .client
            .post(format!("{}getUpdates", self.base))
            .timeout(timeout)
            .json(body)
            .send()
            .await
            .map_err(network)?;
        finish(response).await
    }

    /// Calls `method` with a multipart form (file uploads).
    pub async fn call_multipart(
        &self,
        method: &str,
        form: reqwest::multipart::Form,
    ) -> Result<Value, ApiError> {
        let response = self
            .client
            .post(format!("{}{method}", self.base))
            .timeout(self.timeout)
            .multipart(form)
            .send()
            .await
            .map_err(network)?;
        finish(response).await
    }
}

/// A transport failure: before the connection was made nothing was sent;
/// after it, the request may have been delivered.
fn network(e: reqwest::Error) -> ApiError {
    let unsent = e.is_connect() || e.is_builder();
    let e = e.without_url().to_string();
    if unsent {
        ApiError::Network(e)
    } else {
        ApiError::Uncertain(e)
    }
}

async fn finish<T: serde::de::DeserializeOwned + Default>(
    response: reqwest::Response,
) -> Result<T, ApiError> {
    let status = response.status().as_u16();
    let text = response.bytes().await.map_err(network)?;
    match serde_json::from_slice::<Envelope<T>>(&text) {
        Ok(envelope) if envelope.ok => Ok(envelope.result.unwrap_or_default()),
        Ok(envelope) => Err(classify(
            envelope.error_code.unwrap_or(status),
            envelope.description,
            envelope.parameters.and_then(|p| p.retry_after),
        )),
        Err(_) if status >= 500 => Err(ApiError::Server {
            status,
            description: String::new(),
        }),
        // Accepted, but the answer is unreadable: it may well have been sent.
        Err(e) if (200..300).contains(&status) => Err(ApiError::Uncertain(format!(
            "status {status}, unreadable answer: {e}"
        ))),
        Err(e) => Err(ApiError::Invalid(format!("status {status}: {e}"))),
    }
}

/// Maps a Bot API error answer to an `ApiError`.
pub fn classify(code: u16, description: String, retry_after: Option<u64>) -> ApiError {
    match (code, retry_after) {
        (_, Some(secs)) => ApiError::RetryAfter(Duration::from_secs(secs)),
        (429, None) => ApiError::RetryAfter(Duration::from_secs(1)),
        (500.., _) => ApiError::Server {
            status: code,
            description,
        },
        (403, _) => ApiError::Blocked(description),
        _ => ApiError::Rejected { code, description },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_are_classified() {
        assert_eq!(
            classify(429, "Too Many Requests".into(), Some(3)),
            ApiError::RetryAfter(Duration::from_secs(3))
        );
        assert!(matches!(
            classify(502, "Bad Gateway".into(), None),
            ApiError::Server { status: 502, .. }
        ));
        assert!(matches!(
            classify(403, "Forbidden: bot was blocked by the user".into(), None),
            ApiError::Blocked(_)
        ));
        assert!(matches!(
            classify(400, "Bad Request: chat not found".into(), None),
            ApiError::Rejected { code: 400, .. }
        ));
    }

    #[test]
    fn failures_are_classified_for_the_retry_decision() {
        let cases = [
            (
                ApiError::RetryAfter(Duration::from_secs(2)),
                Failure::RetryAfter(Duration::from_secs(2)),
            ),
            (ApiError::Network("refused".into()), Failure::Transient),
            (ApiError::Uncertain("timed out".into()), Failure::Uncertain),
            (ApiError::Blocked("blocked".into()), Failure::Blocked),
            (
                ApiError::Rejected {
                    code: 400,
                    description: String::new(),
                },
                Failure::Refused,
            ),
        ];
        for (error, failure) in cases {
            assert_eq!(error.failure(), failure, "{error:?}");
        }
    }

    #[test]
    fn the_token_never_shows_in_debug_output() {
        let token = Secret::for_url("123:SECRET").unwrap();
        let api = Api::new("http://127.0.0.1:1", &token, Duration::from_secs(1)).unwrap();
        assert!(!format!("{token:?} {api:?}").contains("SECRET"));
    }
}

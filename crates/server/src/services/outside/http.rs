//! RID-10, SHR-04: the outside systems as traits, and their HTTP adapters.
//!
//! The contract every adapter speaks (JSON over HTTP, `Authorization: Bearer <credential>`):
//! - a deduction system (civility credit, party index): `POST {base}/deductions` with the
//!   request (its `request_id` is ours and the same on every retry, so the system applies it
//!   once) answers `{"id": …}`; `GET {base}/deductions/{id}` answers `{"state": "pending" |
//!   "applied" | "refused", "detail": …}`;
//! - the grassroots-governance platform: `POST {base}/tasks` and `POST {base}/lists` answer
//!   `{"id": …}`; `GET {base}/tasks/{id}` answers `{"state": "pending" | "done" | "refused",
//!   "result": text, "photos": [base64 JPEG], "assessment": text}`.
//!
//! A timeout, a refused connection, 408, 429 or a 5xx answer is tried again later; any other
//! 4xx answer is a refusal, not retried.

use std::time::Duration;

use serde_json::Value;

use crate::config::{OutsideSettings, OutsideSystemSettings};

/// Why an attempt did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again later (timeout, connection, 408, 429, 5xx).
    Retry(String),
    /// The outside system refused it; trying again changes nothing.
    Refused(String),
}

/// What a read-back found.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadBack {
    /// Not done yet: read again later.
    Pending,
    /// Done; the answer as read.
    Done(Value),
    /// The outside system will not do it, with its reason.
    Refused(String),
}

/// RID-10 a, b: a system that deducts points (civility credit, the party-member pioneer index).
pub(crate) trait DeductionSystem {
    /// Asks for the deduction; the system's id for it.
    async fn deduct(&self, request: &Value) -> Result<String, Failure>;
    /// RID-10 "read back to confirm": whether the deduction is in place.
    async fn read_deduction(&self, remote_id: &str) -> Result<ReadBack, Failure>;
}

/// SHR-04: the grassroots-governance platform.
pub(crate) trait GrassrootsPlatform {
    /// A task for a village's grid workers; the platform's id for it.
    async fn send_task(&self, task: &Value) -> Result<String, Failure>;
    /// A village's list of riders by tier.
    async fn send_list(&self, list: &Value) -> Result<String, Failure>;
    /// The task's result and assessment, once its grid worker answered.
    async fn read_task(&self, remote_id: &str) -> Result<ReadBack, Failure>;
}

/// One outside system over HTTP.
pub(crate) struct Http {
    client: reqwest::Client,
    base: String,
    credential: String,
}

impl Http {
    pub(crate) fn new(
        all: &OutsideSettings,
        system: &OutsideSystemSettings,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(all.timeout_ms.max(1)))
            .connect_timeout(Duration::from_millis(all.connect_timeout_ms.max(1)))
            .build()?;
        Ok(Self {
            client,
            base: system.base().to_owned(),
            credential: system.credential.expose().to_owned(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn post(&self, path: &str, body: &Value) -> Result<String, Failure> {
        let answer = self
            .call(self.client.post(self.url(path)).json(body))
            .await?;
        match &answer["id"] {
            Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(Failure::Retry("the answer names no id".into())),
        }
    }

    async fn get(&self, path: &str) -> Result<ReadBack, Failure> {
        let answer = self.call(self.client.get(self.url(path))).await?;
        let detail = || answer["detail"].as_str().unwrap_or_default().to_owned();
        match answer["state"].as_str().unwrap_or_default() {
            "pending" => Ok(ReadBack::Pending),
            "applied" | "done" => Ok(ReadBack::Done(answer.clone())),
            "refused" => Ok(ReadBack::Refused(detail())),
            other => Err(Failure::Retry(format!("unknown state {other:?} read back"))),
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, Failure> {
        let mut request = request.header("accept", "application/json");
        if !self.credential.is_empty() {
            request = request.bearer_auth(&self.credential);
        }
        let response = request.send().await.map_err(|e| {
            Failure::Retry(if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                "the call failed".to_owned()
            })
        })?;
        let status = response.status();
        if status.is_success() {
            return response
                .json::<Value>()
                .await
                .map_err(|_| Failure::Retry("the answer is not JSON".into()));
        }
        let body: String = response
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(200)
            .collect();
        let what = format!("HTTP {}: {}", status.as_u16(), body.trim());
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            Err(Failure::Retry(what))
        } else {
            Err(Failure::Refused(what))
        }
    }
}

impl DeductionSystem for Http {
    async fn deduct(&self, request: &Value) -> Result<String, Failure> {
        self.post("/deductions", request).await
    }

    async fn read_deduction(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        self.get(&format!("/deductions/{}", path_segment(remote_id)))
            .await
    }
}

impl GrassrootsPlatform for Http {
    async fn send_task(&self, task: &Value) -> Result<String, Failure> {
        self.post("/tasks", task).await
    }

    async fn send_list(&self, list: &Value) -> Result<String, Failure> {
        self.post("/lists", list).await
    }

    async fn read_task(&self, remote_id: &str) -> Result<ReadBack, Failure> {
        self.get(&format!("/tasks/{}", path_segment(remote_id)))
            .await
    }
}

/// An id the outside system gave, made safe as one path segment.
fn path_segment(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(128)
        .collect()
}

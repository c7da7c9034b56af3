//! Errors as RFC 9457 `application/problem+json`, and the JSON body and
//! query extractors whose rejections become such problems naming the field.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use settle_store::StoreError;
use utoipa::ToSchema;

/// An RFC 9457 problem detail.
#[derive(Clone, Debug, Serialize, serde::Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in words a person can act on.
    pub detail: String,
    /// The request field at fault, as a path such as `lines[0].quantity`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A failed request: becomes a problem+json response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub field: Option<String>,
    pub detail: String,
    /// Extra headers, like Retry-After.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            field: None,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn field(status: StatusCode, field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError {
            field: Some(field.into()),
            ..ApiError::new(status, detail)
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "log in first: send `Authorization: Bearer <API token>` or the session cookie from POST /api/v1/auth/login",
        )
    }

    pub fn forbidden(permission: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!("your role does not have the permission {permission:?} this needs"),
        )
    }

    pub fn problem(&self) -> Problem {
        let slug = match self.status.as_u16() {
            400 => "bad-request",
            401 => "unauthenticated",
            403 => "forbidden",
            404 => "not-found",
            409 => "conflict",
            413 => "body-too-large",
            415 => "unsupported-media-type",
            422 => "invalid-field",
            429 => "too-many-requests",
            503 => "busy",
            _ => "internal-error",
        };
        Problem {
            kind: format!("https://settle.invalid/problems/{slug}"),
            title: self.status.canonical_reason().unwrap_or("Error").to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            field: self.field.clone(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match &error {
            // Another organisation's record is reported exactly like one
            // that does not exist: nothing leaks, not even existence.
            StoreError::NotFound { .. } => ApiError::new(StatusCode::NOT_FOUND, error.to_string()),
            StoreError::Invalid { field, message } => ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, *field, message.clone()),
            StoreError::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, "this conflicts with the books as they are now; nothing was changed"),
            StoreError::IdempotencyMismatch { .. } => ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, "Idempotency-Key", error.to_string()),
            StoreError::Contention => ApiError {
                retry_after: Some(1),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.to_string())
            },
            StoreError::Unavailable(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, error.to_string())
            },
            StoreError::OutcomeUnknown => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
            StoreError::TotalTooLarge(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
            StoreError::Database(_) | StoreError::Corrupt(_) => {
                tracing::error!(error = %error, "internal error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "an internal error occurred; nothing was changed")
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON body, parsed strictly: wrong content type, malformed JSON, wrong
/// types and unknown fields are problems that name where they are.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json")));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(status, format!("the body is larger than the limit of {} bytes", crate::BODY_LIMIT))
            } else {
                ApiError::new(status, rejection.body_text())
            }
        })?;
        parse_json(&bytes).map(Body)
    }
}

/// Parses JSON, naming the path of the first field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => deserializer
            .end()
            .map(|()| value)
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}"))),
        Err(error) => Err(json_problem(error)),
    }
}

/// A JSON value already read (a body taken apart by its handler) as `T`,
/// naming the path of the first field at fault as `parse_json` does.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> ApiResult<T> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(json_problem)
}

fn json_problem(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {inner}"))
    } else if path == "." {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, strip_position(&inner.to_string()))
    } else {
        ApiError::field(StatusCode::UNPROCESSABLE_ENTITY, path, strip_position(&inner.to_string()))
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// Query parameters, parsed strictly, naming the parameter at fault.
pub struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(deserializer).map(Params).map_err(|error| {
            let path = error.path().to_string();
            let message = error.into_inner().to_string();
            if path == "." {
                ApiError::new(StatusCode::BAD_REQUEST, format!("query: {message}"))
            } else {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    path.clone(),
                    format!("query parameter {path:?} is not valid: {message}"),
                )
            }
        })
    }
}

/// A path parameter; a malformed one is a problem naming the parameter.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|rejection| ApiError::new(StatusCode::BAD_REQUEST, format!("the path is not valid: {}", rejection.body_text())))
    }
}

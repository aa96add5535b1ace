//! RFC 9457 problems: every error the server answers, including axum's own rejections.

use super::*;

/// A handler failure: always answered as a problem document.
pub(crate) struct ApiFail(pub(crate) Problem);

impl From<Problem> for ApiFail {
    fn from(p: Problem) -> Self {
        ApiFail(p)
    }
}

impl From<ProblemCode> for ApiFail {
    fn from(c: ProblemCode) -> Self {
        ApiFail(Problem::new(c))
    }
}

impl From<rusqlite::Error> for ApiFail {
    fn from(e: rusqlite::Error) -> Self {
        // SQLite messages name tables and constraints, never bound values.
        tracing::error!(error = %e, "simulator database error");
        ApiFail(Problem::new(ProblemCode::Internal))
    }
}

impl IntoResponse for ApiFail {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// A problem as an HTTP response (RFC 9457). A trait of ours: the orphan rule keeps axum's
/// `IntoResponse` off the API crate's type.
pub(crate) trait ProblemResponse {
    /// The response: status, problem JSON, and `WWW-Authenticate` for a refused kiosk.
    fn into_response(self) -> Response;
}

impl ProblemResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let unauthorized_kiosk = self.code == ProblemCode::UnauthorizedKiosk.as_str()
            || self.code == ProblemCode::UnauthorizedAdmin.as_str();
        let mut resp = (status, Json(self)).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        if unauthorized_kiosk {
            // RFC 6750 §3: say which scheme is expected.
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// `Json<T>` whose rejections are problems. The detail never echoes the body: serde's
/// messages can quote input values, and those may be a QID or a code.
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiFail;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let (code, detail) = match &rejection {
                    JsonRejection::JsonDataError(_) => (
                        ProblemCode::BadRequest,
                        "request body does not have the expected fields",
                    ),
                    JsonRejection::JsonSyntaxError(_) => {
                        (ProblemCode::BadRequest, "request body is not valid JSON")
                    }
                    JsonRejection::MissingJsonContentType(_) => (
                        ProblemCode::BadRequest,
                        "expected content-type application/json",
                    ),
                    _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        (ProblemCode::PayloadTooLarge, "request body is too large")
                    }
                    _ => (ProblemCode::BadRequest, "could not read the request body"),
                };
                Err(Problem::new(code).with_detail(detail).into())
            }
        }
    }
}

/// Safety net: rewrites any non-problem error response (axum's plain-text 404, 405,
/// 413, path rejections) into a problem with the matching code.
pub(crate) async fn problemize(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_CONTENT_TYPE.as_bytes());
    if is_problem {
        return resp;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ProblemCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ProblemCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ProblemCode::PayloadTooLarge,
        s if s.is_server_error() => ProblemCode::Internal,
        _ => ProblemCode::BadRequest,
    };
    let allow = resp.headers().get(header::ALLOW).cloned();
    let mut out = Problem::new(code).into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

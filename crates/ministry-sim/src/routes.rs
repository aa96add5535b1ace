//! The router: routes, authentication layers, body limits and the in-flight guard.

use super::*;

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let mut protected = Router::new()
        .route("/v1/auth/challenges", post(create_challenge))
        .route("/v1/auth/challenges/{id}/verify", post(verify_challenge))
        .route("/v1/documents", get(list_documents))
        .route("/v1/documents/{id}", get(fetch_document))
        .route("/v1/keys", get(list_keys))
        .route("/v1/seals/{document_id}/status", get(seal_status))
        .route("/v1/outbox/events", post(post_events))
        .route("/v1/kiosk/health", post(post_health));
    if state.demo_sms {
        protected = protected.route("/v1/demo/sms/{id}", get(demo_sms));
    }
    let protected =
        protected.route_layer(middleware::from_fn_with_state(state.clone(), require_kiosk));
    let admin = Router::new()
        .route("/v1/admin/faults", post(set_faults).delete(clear_faults))
        .route("/v1/admin/keys/rotate", post(rotate_keys))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_admin));
    // Layers run outermost last-added first: problem mapper → in-flight guard → faults.
    // Public: the phone verifier page and the two calls it makes, for anyone with a paper.
    let public = Router::new()
        .route("/v1/public/keys", get(list_keys))
        .route("/v1/public/seals/{document_id}/status", get(seal_status))
        .route("/verify", get(verify_page::file))
        .route("/verify/messages.json", get(verify_page::messages))
        .route("/verify/keys.json", get(verify_page::bundled_keys))
        .route("/verify/{*file}", get(verify_page::file));
    Router::new()
        .route("/v1/health", get(health))
        .merge(public)
        .merge(protected)
        .merge(admin)
        .fallback(|| async { ApiFail(Problem::new(ProblemCode::NotFound)) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard_in_flight,
        ))
        .layer(middleware::map_response(problemize))
        .with_state(state)
}

/// Kiosk authentication: `Authorization: Bearer <token>` (RFC 6750) with a configured
/// token. Runs before the body is read.
pub(crate) async fn require_kiosk(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    if !state.kiosk_known(req.headers()) {
        tracing::warn!(
            path = req.uri().path(),
            "request refused: unauthorized kiosk"
        );
        return Problem::new(ProblemCode::UnauthorizedKiosk).into_response();
    }
    next.run(req).await
}

/// Administrator authentication for `/v1/admin/*`: `Authorization: Bearer <admin token>`.
pub(crate) async fn require_admin(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let ok =
        bearer(req.headers()).is_some_and(|t| ct_eq(t.as_bytes(), state.admin_token.as_bytes()));
    if !ok {
        tracing::warn!(
            path = req.uri().path(),
            "request refused: unauthorized admin"
        );
        return Problem::new(ProblemCode::UnauthorizedAdmin).into_response();
    }
    next.run(req).await
}

/// Reads a whole request body for a middleware: over [`MAX_BODY_BYTES`] (declared or
/// counted) is 413 `payload-too-large`, a body cut short is 400 `bad-request`.
pub(crate) async fn read_body(
    parts: &Parts,
    body: Body,
) -> Result<axum::body::Bytes, Box<Response>> {
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let too_large = || {
        Box::new(
            Problem::new(ProblemCode::PayloadTooLarge)
                .with_detail("request body is too large")
                .into_response(),
        )
    };
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => Ok(b),
        // Without a declared length, a failure is most likely the limit.
        Err(_) if declared.is_none() => Err(too_large()),
        Err(_) => Err(Box::new(
            Problem::new(ProblemCode::BadRequest)
                .with_detail("could not read the request body")
                .into_response(),
        )),
    }
}

/// Removes a batch's keys from the in-flight set when its request ends (answered,
/// failed or dropped).
pub(crate) struct InFlight {
    pub(crate) state: Arc<AppState>,
    pub(crate) keys: Vec<Uuid>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut set = self
            .state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for k in &self.keys {
            set.remove(k);
        }
    }
}

/// The IETF Idempotency-Key draft's in-flight rule for `POST /v1/outbox/events`: while a
/// batch is being processed (including injected latency), another batch carrying any of
/// its keys is refused whole with 409 `idempotency-key-in-flight` and nothing of it is
/// applied. Only requests from a known kiosk take part (others get their 401 inside).
pub(crate) async fn guard_in_flight(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST
        || req.uri().path() != "/v1/outbox/events"
        || !state.kiosk_known(req.headers())
    {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match read_body(&parts, body).await {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    // Keys of a body that does not parse are not claimed: the handler refuses it anyway.
    let keys: Vec<Uuid> = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| {
            v.get("events")?.as_array().map(|evs| {
                evs.iter()
                    .filter_map(|e| e.get("idempotency_key")?.as_str())
                    .filter_map(|k| Uuid::parse_str(k).ok())
                    .collect()
            })
        })
        .unwrap_or_default();
    let guard = {
        let mut set = state
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if keys.iter().any(|k| set.contains(k)) {
            drop(set);
            tracing::info!("outbox batch refused: idempotency key in flight");
            return Problem::new(ProblemCode::IdempotencyKeyInFlight)
                .with_detail("a batch with one of these idempotency keys is being processed")
                .into_response();
        }
        set.extend(keys.iter().copied());
        InFlight {
            state: state.clone(),
            keys,
        }
    };
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    drop(guard);
    resp
}

/// The resident behind `X-Resident-Session` (a live session's QID).
pub(crate) struct ResidentAuth {
    pub(crate) qid: String,
}

impl FromRequestParts<Arc<AppState>> for ResidentAuth {
    type Rejection = ApiFail;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(RESIDENT_SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ProblemCode::InvalidSession)?
            .to_owned();
        let qid = state
            .with_db(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT qid FROM sessions WHERE token = ?1 AND expires_at > ?2",
                        params![token, now_ms()],
                        |r| r.get::<_, String>(0),
                    )
                    .optional()?)
            })
            .await?
            .ok_or(ProblemCode::InvalidSession)?;
        Ok(ResidentAuth { qid })
    }
}

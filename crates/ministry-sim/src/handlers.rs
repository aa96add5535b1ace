//! One handler per operation of `docs/ministry-api.yaml`.

use super::*;

pub(crate) async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

pub(crate) async fn create_challenge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ChallengeRequest>,
) -> Result<(StatusCode, Json<Challenge>), Response> {
    if let Err(e) = validate_qid(&req.qid) {
        // QidError's text never contains the QID.
        return Err(
            ApiFail(Problem::new(ProblemCode::InvalidQid).with_detail(e.to_string()))
                .into_response(),
        );
    }
    // The kiosk, by a hash of its token (never the token itself).
    let kiosk = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            use sha2::Digest as _;
            sha2::Sha256::digest(v.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        })
        .unwrap_or_default();
    let limits = state.challenge_limits;
    let challenge = state
        .with_db(move |conn| {
            let resident = conn
                .query_row(
                    "SELECT phone, locked FROM residents WHERE qid = ?1",
                    [&req.qid],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?)),
                )
                .optional()?;
            let Some((phone, locked)) = resident else {
                return Err(ProblemCode::ResidentNotFound.into());
            };
            if locked {
                return Err(ProblemCode::AccountLocked.into());
            }
            let now = now_ms();
            // Housekeeping: forget challenges and sessions that can no longer be used.
            conn.execute("DELETE FROM challenges WHERE expires_at < ?1", [now])?;
            conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
            // Quotas over a sliding window, per resident and per kiosk.
            let window_ms = i64::try_from(limits.window_s.saturating_mul(1000)).unwrap_or(i64::MAX);
            conn.execute(
                "DELETE FROM challenge_log WHERE at < ?1",
                [now.saturating_sub(window_ms)],
            )?;
            for (column, value, limit) in [
                ("qid", req.qid.as_str(), limits.per_qid),
                ("kiosk", kiosk.as_str(), limits.per_kiosk),
            ] {
                let (count, oldest): (u32, Option<i64>) = conn.query_row(
                    &format!("SELECT COUNT(*), MIN(at) FROM challenge_log WHERE {column} = ?1"),
                    [value],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if count >= limit {
                    let wait_ms = oldest.unwrap_or(now) + window_ms - now;
                    let retry_after_s = u64::try_from(wait_ms.max(1000))
                        .unwrap_or(1000)
                        .div_ceil(1000);
                    return Ok(Err((column, retry_after_s)));
                }
            }
            conn.execute(
                "INSERT INTO challenge_log (qid, kiosk, at) VALUES (?1, ?2, ?3)",
                params![req.qid, kiosk, now],
            )?;
            // A new challenge supersedes the resident's open ones: only the newest code works.
            conn.execute(
                "UPDATE challenges SET state = 'superseded' WHERE qid = ?1 AND state = 'open'",
                [&req.qid],
            )?;
            let id = Uuid::new_v4().to_string();
            let code = format!(
                "{:0width$}",
                rand::rng().random_range(0..10u32.pow(CODE_LEN as u32)),
                width = CODE_LEN
            );
            conn.execute(
                "INSERT INTO challenges (id, qid, code, expires_at, attempts_left, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open')",
                params![
                    id,
                    req.qid,
                    code,
                    now + ttl_ms(CHALLENGE_TTL),
                    MAX_CODE_ATTEMPTS
                ],
            )?;
            Ok(Ok(Challenge {
                challenge_id: id,
                masked_phone: mask_phone(&phone),
                expires_in_s: CHALLENGE_TTL.as_secs() as u32,
            }))
        })
        .await;
    let challenge = match challenge {
        Ok(Err((over, retry_after_s))) => {
            tracing::info!(over, retry_after_s, "challenge refused: quota");
            let mut resp = Problem::new(ProblemCode::RateLimited)
                .with_detail(format!(
                    "too many one-time codes for this {over}; try later"
                ))
                .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            return Err(resp);
        }
        Ok(Ok(c)) => Ok(c),
        Err(f) => Err(f),
    };
    match &challenge {
        Ok(c) => tracing::info!(challenge_id = %c.challenge_id, "challenge created"),
        Err(f) => tracing::info!(code = %f.0.code, "challenge refused"),
    }
    match challenge {
        Ok(c) => Ok((StatusCode::CREATED, Json(c))),
        Err(f) => Err(f.into_response()),
    }
}

/// Verify outcome decided inside the transaction.
pub(crate) enum Verdict {
    Session(ResidentSession),
    Refused(Problem),
}

pub(crate) async fn verify_challenge(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<ResidentSession>, ApiFail> {
    let verdict = state
        .with_db(move |conn| {
            let tx = conn.transaction()?;
            let row = tx
                .query_row(
                    "SELECT qid, code, expires_at, attempts_left, state
                     FROM challenges WHERE id = ?1",
                    [&id],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, i64>(2)?,
                            r.get::<_, u32>(3)?,
                            r.get::<_, String>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((qid, code, expires_at, attempts_left, st)) = row else {
                return Ok(Verdict::Refused(Problem::new(
                    ProblemCode::ChallengeExpired,
                )));
            };
            let now = now_ms();
            let verdict = if st == "dead" {
                Verdict::Refused(Problem::new(ProblemCode::TooManyAttempts).with_attempts_left(0))
            } else if st != "open" || expires_at <= now {
                Verdict::Refused(Problem::new(ProblemCode::ChallengeExpired))
            } else if ct_eq(code.as_bytes(), req.code.as_bytes()) {
                tx.execute("UPDATE challenges SET state = 'used' WHERE id = ?1", [&id])?;
                let token = random_hex(32);
                tx.execute(
                    "INSERT INTO sessions (token, qid, expires_at) VALUES (?1, ?2, ?3)",
                    params![token, qid, now + ttl_ms(SESSION_TTL)],
                )?;
                Verdict::Session(ResidentSession {
                    session_token: token,
                    expires_in_s: SESSION_TTL.as_secs() as u32,
                })
            } else {
                let left = attempts_left.saturating_sub(1);
                let new_state = if left == 0 { "dead" } else { "open" };
                tx.execute(
                    "UPDATE challenges SET attempts_left = ?1, state = ?2 WHERE id = ?3",
                    params![left, new_state, id],
                )?;
                if left == 0 {
                    Verdict::Refused(
                        Problem::new(ProblemCode::TooManyAttempts).with_attempts_left(0),
                    )
                } else {
                    Verdict::Refused(Problem::new(ProblemCode::WrongCode).with_attempts_left(left))
                }
            };
            tx.commit()?;
            Ok(verdict)
        })
        .await?;
    match verdict {
        Verdict::Session(s) => {
            tracing::info!("challenge verified, resident session opened");
            Ok(Json(s))
        }
        Verdict::Refused(p) => {
            tracing::info!(code = %p.code, attempts_left = ?p.attempts_left, "verify refused");
            Err(p.into())
        }
    }
}

pub(crate) async fn list_documents(
    State(state): State<Arc<AppState>>,
    resident: ResidentAuth,
) -> Result<Json<DocumentList>, ApiFail> {
    let documents = state
        .with_db(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, kind, number, title_ar, title_en, issued_on
                 FROM documents WHERE qid = ?1 AND status = 'valid' ORDER BY issued_on, id",
            )?;
            let rows = stmt.query_map([&resident.qid], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, kind, number, title_ar, title_en, issued_on) = row?;
                out.push(DocumentSummary {
                    id,
                    kind: stored_kind(&kind)?,
                    number,
                    title_ar,
                    title_en,
                    issued_on,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(Json(DocumentList { documents }))
}

pub(crate) fn stored_kind(kind: &str) -> Result<DocumentKind, ApiFail> {
    DocumentKind::from_wire(kind).ok_or_else(|| {
        tracing::error!(kind, "unknown document kind in the simulator database");
        ApiFail(Problem::new(ProblemCode::Internal))
    })
}

pub(crate) async fn fetch_document(
    State(state): State<Arc<AppState>>,
    resident: ResidentAuth,
    Path(id): Path<String>,
) -> Result<Json<SignedDocument>, ApiFail> {
    let doc = state
        .with_db(move |conn| {
            // Scoped to the session's resident: someone else's id is simply "not found".
            let row = conn
                .query_row(
                    "SELECT kind, number, payload, status FROM documents
                     WHERE id = ?1 AND qid = ?2",
                    [&id, &resident.qid],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    },
                )
                .optional()?;
            let Some((kind, number, payload, status)) = row else {
                return Err(ProblemCode::DocumentNotFound.into());
            };
            if status != "valid" {
                return Err(ProblemCode::DocumentRevoked.into());
            }
            let payload = serde_json::from_str(&payload).map_err(|_| {
                tracing::error!("unparseable document payload in the simulator database");
                ApiFail(Problem::new(ProblemCode::Internal))
            })?;
            Ok(SignedDocument {
                id,
                kind: stored_kind(&kind)?,
                number,
                payload,
                seal: None,
                holder_ref: None,
            })
        })
        .await?;
    let doc = seal_document(&state, doc);
    Ok(Json(doc))
}

/// Puts the Tawkeed seal on an issued document with [`SimState::signing_key`]: the claims
/// digest exactly the fields the paper prints (`documents::kinds::Content::printed_fields`),
/// signed as COSE_Sign1 ES256 (DESIGN §4, `documents::seal`). A payload the paper layout
/// cannot read goes out unsealed, and the kiosk then refuses to print it.
pub(crate) fn seal_document(state: &SimState, mut doc: SignedDocument) -> SignedDocument {
    match manassa_documents::kinds::content(doc.kind, &doc.payload) {
        Ok(content) => {
            let (kid, key) = state.signing_key();
            let claims =
                manassa_documents::seal::claims_for(&doc.id, &content, &state.holder_secret);
            doc.holder_ref = Some(claims.holder_ref.clone());
            doc.seal = Some(manassa_documents::seal::sign(&claims, &kid, &key));
        }
        Err(e) => tracing::error!(field = %e.field, "seeded document does not match its kind"),
    }
    doc
}

/// The published seal verification keys.
pub(crate) async fn list_keys(State(state): State<Arc<AppState>>) -> Result<Json<KeySet>, ApiFail> {
    let keys = state.with_db(|conn| Ok(keys::published(conn)?)).await?;
    Ok(Json(KeySet { keys }))
}

/// Online status of a document's seal: valid, revoked, or unknown (no such document).
/// Not scoped to a resident: anyone holding the paper may ask.
pub(crate) async fn seal_status(
    State(state): State<Arc<AppState>>,
    Path(document_id): Path<String>,
) -> Result<Json<SealStatus>, ApiFail> {
    let status = state
        .with_db(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT status FROM documents WHERE id = ?1",
                    [&document_id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?)
        })
        .await?;
    let status = match status.as_deref() {
        None => SealState::Unknown,
        Some("valid") => SealState::Valid,
        Some(_) => SealState::Revoked,
    };
    Ok(Json(SealStatus { status }))
}

/// Stores a kiosk health report after checking its shape (ids, XFS4IoT states).
pub(crate) async fn post_health(
    State(state): State<Arc<AppState>>,
    ApiJson(report): ApiJson<KioskHealthReport>,
) -> Result<(StatusCode, Json<HealthReceipt>), ApiFail> {
    let bad = |detail: &str| ApiFail(Problem::new(ProblemCode::BadRequest).with_detail(detail));
    let id_ok = |s: &str, max: usize| {
        !s.is_empty()
            && s.len() <= max
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if !id_ok(&report.kiosk_id, 64) {
        return Err(bad("kiosk_id must be 1-64 characters [A-Za-z0-9._-]"));
    }
    if report.app_version.is_empty() || report.app_version.len() > 64 {
        return Err(bad("app_version must be 1-64 characters"));
    }
    if !is_rfc3339(&report.reported_at) {
        return Err(bad("reported_at must be an RFC 3339 date-time"));
    }
    if report.devices.len() > MAX_HEALTH_DEVICES {
        return Err(bad("at most 16 devices"));
    }
    for d in &report.devices {
        if !id_ok(&d.name, 32) {
            return Err(bad("device name must be 1-32 characters [A-Za-z0-9._-]"));
        }
        if !DEVICE_STATES.contains(&d.device.as_str()) {
            return Err(bad("device state must be an XFS4IoT device state"));
        }
        let short = |v: &Option<String>| v.as_ref().is_none_or(|v| id_ok(v, 32));
        if !short(&d.media) || !short(&d.paper) {
            return Err(bad("media and paper states must be 1-32 characters"));
        }
    }
    let received_at = rfc3339_now();
    let stored_at = received_at.clone();
    let body = serde_json::to_string(&report).map_err(|_| ProblemCode::Internal)?;
    state
        .with_db(move |conn| {
            conn.execute(
                "INSERT INTO health_reports (kiosk_id, received_at, body) VALUES (?1, ?2, ?3)",
                params![report.kiosk_id, stored_at, body],
            )?;
            Ok(())
        })
        .await?;
    tracing::info!("kiosk health report received");
    Ok((StatusCode::ACCEPTED, Json(HealthReceipt { received_at })))
}

/// `POST /v1/admin/faults`: puts a fault plan in force (and re-seeds its dice).
pub(crate) async fn set_faults(
    State(state): State<Arc<AppState>>,
    ApiJson(plan): ApiJson<FaultPlan>,
) -> Result<Json<FaultPlan>, ApiFail> {
    plan.validate()
        .map_err(|e| Problem::new(ProblemCode::BadRequest).with_detail(e.to_string()))?;
    tracing::info!(?plan, "fault plan set");
    state.faults.set(Some(plan.clone()));
    Ok(Json(plan))
}

/// `DELETE /v1/admin/faults`: no more faults.
pub(crate) async fn clear_faults(State(state): State<Arc<AppState>>) -> StatusCode {
    tracing::info!("fault plan cleared");
    state.faults.set(None);
    StatusCode::NO_CONTENT
}

/// `POST /v1/admin/keys/rotate`: retires the signing key, answers the new one (201).
pub(crate) async fn rotate_keys(
    State(state): State<Arc<AppState>>,
) -> Result<(StatusCode, Json<VerificationKey>), ApiFail> {
    let key = state.rotate_keys().await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Outbox intake with the IETF Idempotency-Key draft's rules applied per event: a new
/// key is stored (`accepted`); a known key with the same kind and payload is a
/// `duplicate` (stored once); a known key with a different kind or payload is `rejected`
/// with `idempotency-key-reused`; an event with an empty or over-long kind or a
/// `created_at` that is not RFC 3339 is `rejected` with `bad-request` and not stored.
/// The whole batch is one transaction. (The in-flight rule is [`guard_in_flight`].)
pub(crate) async fn post_events(
    State(state): State<Arc<AppState>>,
    ApiJson(batch): ApiJson<OutboxBatch>,
) -> Result<Json<OutboxBatchResult>, ApiFail> {
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Err(Problem::new(ProblemCode::BadRequest)
            .with_detail(format!("at most {MAX_BATCH_EVENTS} events per batch"))
            .into());
    }
    let results = state
        .with_db(move |conn| {
            let tx = conn.transaction()?;
            let received_at = rfc3339_now();
            let mut results = Vec::with_capacity(batch.events.len());
            for ev in batch.events {
                let key = ev.idempotency_key.to_string();
                let result = |status, code: Option<ProblemCode>| EventResult {
                    idempotency_key: ev.idempotency_key,
                    status,
                    code: code.map(|c| c.as_str().to_owned()),
                };
                if ev.kind.is_empty()
                    || ev.kind.len() > MAX_EVENT_KIND_LEN
                    || !is_rfc3339(&ev.created_at)
                {
                    results.push(result(EventStatus::Rejected, Some(ProblemCode::BadRequest)));
                    continue;
                }
                let known = tx
                    .query_row(
                        "SELECT kind, payload FROM events WHERE idempotency_key = ?1",
                        [&key],
                        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                    )
                    .optional()?;
                match known {
                    None => {
                        tx.execute(
                            "INSERT INTO events
                                 (idempotency_key, kind, payload, created_at, received_at)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            params![
                                key,
                                ev.kind,
                                ev.payload.to_string(),
                                ev.created_at,
                                received_at
                            ],
                        )?;
                        results.push(result(EventStatus::Accepted, None));
                    }
                    Some((kind, payload)) => {
                        // Compare parsed values so key order in the JSON does not matter.
                        let same = kind == ev.kind
                            && serde_json::from_str::<Value>(&payload).ok().as_ref()
                                == Some(&ev.payload);
                        if same {
                            results.push(result(EventStatus::Duplicate, None));
                        } else {
                            results.push(result(
                                EventStatus::Rejected,
                                Some(ProblemCode::IdempotencyKeyReused),
                            ));
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(results)
        })
        .await?;
    let count = |s: EventStatus| results.iter().filter(|r| r.status == s).count();
    tracing::info!(
        accepted = count(EventStatus::Accepted),
        duplicate = count(EventStatus::Duplicate),
        rejected = count(EventStatus::Rejected),
        "outbox batch received"
    );
    Ok(Json(OutboxBatchResult { results }))
}

/// Demo stand-in for the SMS gateway: reveals a live challenge's code. Never logged.
pub(crate) async fn demo_sms(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiFail> {
    let (code, phone) = state
        .with_db(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT c.code, r.phone FROM challenges c JOIN residents r ON r.qid = c.qid
                     WHERE c.id = ?1 AND c.state = 'open' AND c.expires_at > ?2",
                    params![id, now_ms()],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
                )
                .optional()?)
        })
        .await?
        .ok_or(ProblemCode::ChallengeExpired)?;
    Ok(Json(
        json!({"code": code, "masked_phone": mask_phone(&phone)}),
    ))
}

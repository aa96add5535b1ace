//! Fault injection for the simulator: a middleware that, for requests matching the
//! current [`FaultPlan`], adds latency, answers 429 or 500, drops the connection (before
//! or after the handler ran) or trickles the response body. The dice come from a
//! `StdRng` seeded with [`FaultPlan::seed`] and reset whenever a plan is set, so a test
//! that sends the same requests in the same order sees the same faults.

use std::convert::Infallible;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt as _;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use tokio::sync::Notify;

use super::{AppState, FaultPlan};
use manassa_ministry_api::{Problem, ProblemCode};

use crate::ProblemResponse as _;

/// Path prefix never subject to faults (so a test can always clear them).
const ADMIN_PREFIX: &str = "/v1/admin";

/// Most pieces a trickled body is cut into.
const TRICKLE_CHUNKS: usize = 16;

/// Why a fault plan string or document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault plan: {0}")]
pub struct FaultPlanError(pub String);

impl FaultPlan {
    /// Checks ranges: probabilities in `0..=1`, a route (if any) starting with `/`.
    pub fn validate(&self) -> Result<(), FaultPlanError> {
        for (name, p) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("throttle_rate", self.throttle_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(FaultPlanError(format!("{name} must be within 0..=1")));
            }
        }
        if let Some(r) = &self.route
            && !r.starts_with('/')
        {
            return Err(FaultPlanError("route must start with /".into()));
        }
        Ok(())
    }

    fn applies_to(&self, path: &str) -> bool {
        !path.starts_with(ADMIN_PREFIX) && self.route.as_deref().is_none_or(|r| path.starts_with(r))
    }
}

/// Parses the CLI form: comma-separated `key=value` pairs naming [`FaultPlan`] fields,
/// e.g. `latency_ms=200,error_rate=0.2,route=/v1/outbox`. Unnamed fields keep their
/// defaults; `drop_after_commit` takes `true`/`false`.
impl FromStr for FaultPlan {
    type Err = FaultPlanError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut plan = FaultPlan::default();
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| FaultPlanError(format!("`{pair}` is not key=value")))?;
            let (key, value) = (key.trim(), value.trim());
            let bad = |what: &str| FaultPlanError(format!("{key}: expected {what}"));
            let int = || value.parse::<u64>().map_err(|_| bad("a whole number"));
            let prob = || value.parse::<f64>().map_err(|_| bad("a number 0..=1"));
            match key {
                "route" => plan.route = Some(value.to_owned()),
                "latency_ms" => plan.latency_ms = int()?,
                "error_rate" => plan.error_rate = prob()?,
                "drop_rate" => plan.drop_rate = prob()?,
                "drop_after_commit" => {
                    plan.drop_after_commit = value.parse().map_err(|_| bad("true or false"))?;
                }
                "slow_body_ms" => plan.slow_body_ms = int()?,
                "throttle_rate" => plan.throttle_rate = prob()?,
                "retry_after_s" => plan.retry_after_s = int()?,
                "seed" => plan.seed = int()?,
                _ => return Err(FaultPlanError(format!("unknown key `{key}`"))),
            }
        }
        plan.validate()?;
        Ok(plan)
    }
}

/// The plan in force and its dice.
#[derive(Default)]
pub(super) struct FaultState {
    inner: Mutex<Option<(FaultPlan, StdRng)>>,
}

/// What to do to one request, decided when it arrives.
struct Decision {
    latency: Duration,
    throttle: Option<u64>,
    error: bool,
    drop: Option<bool>,
    slow_body: Duration,
}

impl FaultState {
    pub(super) fn set(&self, plan: Option<FaultPlan>) {
        let next = plan.map(|p| {
            let rng = StdRng::seed_from_u64(p.seed);
            (p, rng)
        });
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner) = next;
    }

    pub(super) fn get(&self) -> Option<FaultPlan> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|(p, _)| p.clone())
    }

    fn decide(&self, path: &str) -> Option<Decision> {
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (plan, rng) = guard.as_mut()?;
        if !plan.applies_to(path) {
            return None;
        }
        // Always three draws in the same order, so one request's faults do not shift the
        // next request's dice.
        let (t, e, d): (f64, f64, f64) = (rng.random(), rng.random(), rng.random());
        Some(Decision {
            latency: Duration::from_millis(plan.latency_ms),
            throttle: (t < plan.throttle_rate).then_some(plan.retry_after_s),
            error: e < plan.error_rate,
            drop: (d < plan.drop_rate).then_some(plan.drop_after_commit),
            slow_body: Duration::from_millis(plan.slow_body_ms),
        })
    }
}

/// Lets a request ask its connection task to drop the connection without an answer.
/// Inserted into every request's extensions by the accept loop.
#[derive(Clone, Default)]
pub(super) struct ConnAbort(Arc<Notify>);

impl ConnAbort {
    pub(super) fn abort(&self) {
        self.0.notify_one();
    }

    pub(super) async fn aborted(&self) {
        self.0.notified().await;
    }
}

/// The fault middleware (outermost but for the problem mapper and the in-flight guard).
pub(super) async fn inject(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(d) = state.faults.decide(req.uri().path()) else {
        return next.run(req).await;
    };
    // Read the whole request first: every fault happens after the request arrived.
    let (parts, body) = req.into_parts();
    let bytes = match super::read_body(&parts, body).await {
        Ok(b) => b,
        Err(resp) => return *resp,
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    if !d.latency.is_zero() {
        tokio::time::sleep(d.latency).await;
    }
    if let Some(retry_after_s) = d.throttle {
        tracing::info!("fault injected: throttled");
        let mut resp = Problem::new(ProblemCode::RateLimited)
            .with_detail("injected fault")
            .into_response();
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        return resp;
    }
    if d.error {
        tracing::info!("fault injected: internal error");
        return Problem::new(ProblemCode::Internal)
            .with_detail("injected fault")
            .into_response();
    }
    if let Some(after_commit) = d.drop {
        let abort = req.extensions().get::<ConnAbort>().cloned();
        if after_commit {
            // Let the handler finish its work (and its body) so its effects are stored.
            let resp = next.run(req).await;
            let _ = to_bytes(resp.into_body(), usize::MAX).await;
        }
        tracing::info!(after_commit, "fault injected: connection dropped");
        if let Some(abort) = abort {
            abort.abort();
            // The connection task drops this future together with the connection.
            std::future::pending::<()>().await;
        }
        // Not served through the accept loop: nothing to drop, fail loudly instead.
        return Problem::new(ProblemCode::Internal)
            .with_detail("injected fault: connection drop unavailable")
            .into_response();
    }
    let resp = next.run(req).await;
    if d.slow_body.is_zero() {
        return resp;
    }
    trickle(resp, d.slow_body).await
}

/// Re-sends `resp`'s body in up to [`TRICKLE_CHUNKS`] pieces spread evenly over `over`
/// (the last piece leaves at `over` after the head).
async fn trickle(resp: Response, over: Duration) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Problem::new(ProblemCode::Internal).into_response();
    };
    let len = bytes.len();
    let n = len.clamp(1, TRICKLE_CHUNKS);
    let step = over / n as u32;
    let pieces: Vec<Bytes> = (0..n)
        .map(|i| bytes.slice(i * len / n..(i + 1) * len / n))
        .collect();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    let stream = futures_util::stream::iter(pieces).then(move |piece| async move {
        tokio::time::sleep(step).await;
        Ok::<_, Infallible>(piece)
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_form_parses_and_names_bad_keys() {
        let p: FaultPlan = "latency_ms=200, error_rate=0.2,route=/v1/outbox"
            .parse()
            .unwrap();
        assert_eq!(
            p,
            FaultPlan {
                route: Some("/v1/outbox".into()),
                latency_ms: 200,
                error_rate: 0.2,
                ..FaultPlan::default()
            }
        );
        let p: FaultPlan = "drop_rate=1,drop_after_commit=true,seed=7,throttle_rate=0.5,\
                            retry_after_s=3,slow_body_ms=900"
            .parse()
            .unwrap();
        assert!(p.drop_after_commit);
        assert_eq!((p.seed, p.retry_after_s, p.slow_body_ms), (7, 3, 900));
        assert_eq!("".parse::<FaultPlan>().unwrap(), FaultPlan::default());

        for (bad, names) in [
            ("latency=5", "latency"),
            ("error_rate=2", "error_rate"),
            ("latency_ms=-1", "latency_ms"),
            ("drop_after_commit=yes", "drop_after_commit"),
            ("route=v1", "route"),
            ("seed", "seed"),
        ] {
            let e = bad.parse::<FaultPlan>().unwrap_err();
            assert!(e.to_string().contains(names), "{bad}: {e}");
        }
    }

    #[test]
    fn dice_are_deterministic_per_seed_and_respect_routes() {
        let plan = FaultPlan {
            route: Some("/v1/outbox".into()),
            error_rate: 0.5,
            seed: 42,
            ..FaultPlan::default()
        };
        let run = || {
            let st = FaultState::default();
            st.set(Some(plan.clone()));
            (0..64)
                .map(|_| st.decide("/v1/outbox/events").unwrap().error)
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let errors = a.iter().filter(|e| **e).count();
        assert!((10..54).contains(&errors), "{errors} of 64 at p=0.5");

        let st = FaultState::default();
        st.set(Some(plan));
        assert!(st.decide("/v1/documents").is_none());
        assert!(st.decide("/v1/admin/faults").is_none());
        st.set(Some(FaultPlan::default()));
        assert!(st.decide("/v1/admin/keys/rotate").is_none());
        assert!(st.decide("/v1/health").is_some());
        st.set(None);
        assert!(st.decide("/v1/health").is_none());
    }
}

//! Contract test: real requests to the reference server over HTTP on loopback, each
//! request body and response checked against `docs/ministry-api.yaml` (OpenAPI 3.1).
//!
//! The YAML is parsed with `serde_yaml_ng` into JSON; schemas are validated with the
//! `jsonschema` crate (JSON Schema 2020-12, the dialect of OpenAPI 3.1, with format
//! checks). `$ref`s inside the document are resolved by validating against
//! `{"$ref": "#/paths/…/schema"}` with the whole OpenAPI document as the root resource,
//! so the file is used exactly as written. Response objects (`$ref` to
//! `components/responses`) and required headers are resolved here.
//!
//! Coverage: every documented (operation, status) pair must be produced at least once,
//! every produced status must be documented, and every problem code's status in the file
//! must agree with `ProblemCode::status`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use crate::support::{ADMIN, QID_A, QID_B, QID_LOCKED, QID_UNKNOWN, TOKEN, config, start};
use manassa_ministry_api::{
    ChallengeRequest, DeviceHealth, IdMethod, KioskHealthReport, OutboxBatch, OutboxEvent,
    OutboxHealth, ProblemCode, VerifyRequest,
};
use manassa_sim::{FaultPlan, SimHandle};
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/ministry-api.yaml");
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];
/// Documented answers no black-box test can provoke: a database failure during key
/// rotation (faults never touch `/v1/admin/*`).
const UNREACHABLE: [(&str, u16); 1] = [("rotateKeys", 500)];

/// JSON pointer escaping (RFC 6901).
fn esc(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

struct Spec {
    doc: Value,
    validators: Mutex<HashMap<String, jsonschema::Validator>>,
}

impl Spec {
    fn load() -> Spec {
        let text = std::fs::read_to_string(SPEC_PATH).expect("docs/ministry-api.yaml exists");
        let doc: Value = serde_yaml_ng::from_str(&text).expect("the OpenAPI file is YAML");
        assert_eq!(doc["openapi"], "3.1.0");
        Spec {
            doc,
            validators: Mutex::new(HashMap::new()),
        }
    }

    fn at(&self, pointer: &str) -> &Value {
        self.doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is missing from the OpenAPI file"))
    }

    /// Validates `instance` against the schema at `pointer`; the error lists every
    /// violation with its location.
    fn validate(&self, pointer: &str, instance: &Value) -> Result<(), String> {
        let mut cache = self.validators.lock().unwrap();
        let v = cache.entry(pointer.to_owned()).or_insert_with(|| {
            let mut root = self.doc.clone();
            let obj = root.as_object_mut().unwrap();
            obj.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            // A JSON pointer in a URI fragment is percent-encoded (RFC 6901 §6).
            let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
            obj.insert("$ref".into(), json!(format!("#{fragment}")));
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&root)
                .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}"))
        });
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// The path template (`/v1/documents/{document_id}`) matching a concrete path.
    fn template_for(&self, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.split('/').collect();
        self.doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|t| {
                let tsegs: Vec<&str> = t.split('/').collect();
                tsegs.len() == segs.len()
                    && tsegs.iter().zip(&segs).all(|(t, s)| {
                        (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                    })
            })
            .cloned()
    }
}

/// One request and its answer as seen on the wire.
struct Exchange {
    method: Method,
    path: String,
    request: Option<Value>,
    /// The request body is meant to satisfy the contract (not a deliberately bad one).
    request_is_valid: bool,
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

/// Sends requests, checks each exchange against the spec at once, records coverage.
struct Harness {
    spec: Spec,
    http: reqwest::Client,
    base: String,
    /// (operationId, status) pairs seen.
    seen: Mutex<BTreeSet<(String, u16)>>,
    checked: Mutex<usize>,
}

enum Body {
    None,
    /// A body meant to be valid, from the library's own wire types.
    Valid(Value),
    /// A deliberately invalid JSON body.
    Invalid(Value),
    /// Raw bytes with a content type.
    Raw(&'static str, Vec<u8>),
}

struct Req<'a> {
    method: Method,
    path: String,
    token: Option<&'a str>,
    session: Option<&'a str>,
    body: Body,
}

impl<'a> Req<'a> {
    fn get(path: impl Into<String>) -> Self {
        Req {
            method: Method::GET,
            path: path.into(),
            token: Some(TOKEN),
            session: None,
            body: Body::None,
        }
    }
    fn post(path: impl Into<String>, body: Body) -> Self {
        Req {
            method: Method::POST,
            path: path.into(),
            token: Some(TOKEN),
            session: None,
            body,
        }
    }
    fn method(mut self, m: Method) -> Self {
        self.method = m;
        self
    }
    fn token(mut self, t: Option<&'a str>) -> Self {
        self.token = t;
        self
    }
    fn session(mut self, s: &'a str) -> Self {
        self.session = Some(s);
        self
    }
}

impl Harness {
    fn new(base: String) -> Harness {
        Harness {
            spec: Spec::load(),
            http: reqwest::Client::new(),
            base,
            seen: Mutex::new(BTreeSet::new()),
            checked: Mutex::new(0),
        }
    }

    /// Sends `req`, checks the exchange, returns (status, JSON body or Null).
    async fn send(&self, req: Req<'_>) -> (u16, Value) {
        let mut rb = self
            .http
            .request(req.method.clone(), format!("{}{}", self.base, req.path));
        if let Some(t) = req.token {
            rb = rb.bearer_auth(t);
        }
        if let Some(s) = req.session {
            rb = rb.header("x-resident-session", s);
        }
        let (request, request_is_valid) = match req.body {
            Body::None => (None, true),
            Body::Valid(v) => {
                rb = rb.json(&v);
                (Some(v), true)
            }
            Body::Invalid(v) => {
                rb = rb.json(&v);
                (Some(v), false)
            }
            Body::Raw(ct, bytes) => {
                rb = rb.header("content-type", ct).body(bytes);
                (None, false)
            }
        };
        let resp = rb.send().await.expect("the reference server answers");
        let ex = Exchange {
            method: req.method,
            path: req.path,
            request,
            request_is_valid,
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            body: resp.bytes().await.unwrap().to_vec(),
        };
        self.check(&ex);
        let json = serde_json::from_slice(&ex.body).unwrap_or(Value::Null);
        (ex.status, json)
    }

    fn check(&self, ex: &Exchange) {
        let what = format!("{} {} → {}", ex.method, ex.path, ex.status);
        let spec = &self.spec;
        let method = ex.method.as_str().to_ascii_lowercase();
        let Some(template) = spec.template_for(&ex.path) else {
            assert_eq!(ex.status, 404, "{what}: unknown path must be 404");
            self.check_response(&what, "/components/responses/NotFound", ex);
            return;
        };
        let op_ptr = format!("/paths/{}/{method}", esc(&template));
        let Some(op) = spec.doc.pointer(&op_ptr) else {
            assert_eq!(ex.status, 405, "{what}: undocumented method must be 405");
            self.check_response(&what, "/components/responses/MethodNotAllowed", ex);
            let allow = ex.headers["allow"].to_str().unwrap().to_ascii_lowercase();
            for m in METHODS {
                if spec.doc["paths"][&template].get(m).is_some() {
                    assert!(allow.contains(m), "{what}: Allow lacks {m}");
                }
            }
            return;
        };
        let op_id = op["operationId"].as_str().unwrap().to_owned();
        let status = ex.status.to_string();
        let mut resp_ptr = format!("{op_ptr}/responses/{status}");
        let resp = spec
            .doc
            .pointer(&resp_ptr)
            .unwrap_or_else(|| panic!("{what}: status {status} is not documented for {op_id}"));
        if let Some(r) = resp.get("$ref").and_then(Value::as_str) {
            resp_ptr = r.trim_start_matches('#').to_owned();
        }
        self.check_response(&what, &resp_ptr, ex);
        if ex.request_is_valid
            && let Some(body) = &ex.request
        {
            let schema = format!("{op_ptr}/requestBody/content/application~1json/schema");
            spec.validate(&schema, body)
                .unwrap_or_else(|e| panic!("{what}: request body breaks the contract: {e}"));
        }
        self.seen.lock().unwrap().insert((op_id, ex.status));
        *self.checked.lock().unwrap() += 1;
    }

    fn check_response(&self, what: &str, resp_ptr: &str, ex: &Exchange) {
        let spec = &self.spec;
        let resp = spec.at(resp_ptr);
        if let Some(headers) = resp.get("headers").and_then(Value::as_object) {
            for (name, h) in headers {
                let value = ex.headers.get(name.as_str());
                if h["required"] == true {
                    assert!(value.is_some(), "{what}: header {name} is required");
                }
                if let Some(v) = value {
                    let text = v.to_str().unwrap();
                    let instance =
                        if h["schema"]["type"] == "integer" {
                            json!(text.parse::<i64>().unwrap_or_else(|_| panic!(
                                "{what}: header {name} is not an integer"
                            )))
                        } else {
                            json!(text)
                        };
                    spec.validate(
                        &format!("{resp_ptr}/headers/{}/schema", esc(name)),
                        &instance,
                    )
                    .unwrap_or_else(|e| panic!("{what}: header {name}: {e}"));
                }
            }
        }
        match resp.get("content").and_then(Value::as_object) {
            None => assert!(ex.body.is_empty(), "{what}: undocumented body"),
            Some(content) => {
                let ct = ex.headers["content-type"].to_str().unwrap();
                let media = ct.split(';').next().unwrap().trim();
                assert!(
                    content.contains_key(media),
                    "{what}: content type {ct} is not documented"
                );
                let body: Value = serde_json::from_slice(&ex.body)
                    .unwrap_or_else(|_| panic!("{what}: body is not JSON"));
                spec.validate(&format!("{resp_ptr}/content/{}/schema", esc(media)), &body)
                    .unwrap_or_else(|e| {
                        panic!("{what}: response breaks the contract: {e}\n{body}")
                    });
            }
        }
    }

    fn documented_pairs(&self) -> BTreeSet<(String, u16)> {
        let mut out = BTreeSet::new();
        for (_, item) in self.spec.doc["paths"].as_object().unwrap() {
            for m in METHODS {
                if let Some(op) = item.get(m) {
                    let id = op["operationId"].as_str().unwrap();
                    for status in op["responses"].as_object().unwrap().keys() {
                        out.insert((id.to_owned(), status.parse().unwrap()));
                    }
                }
            }
        }
        out
    }
}

fn event(kind: &str, payload: Value) -> OutboxEvent {
    OutboxEvent {
        idempotency_key: Uuid::new_v4(),
        kind: kind.to_owned(),
        payload,
        created_at: "2026-05-01T09:30:00.250Z".to_owned(),
    }
}

fn batch(events: Vec<OutboxEvent>) -> Body {
    Body::Valid(serde_json::to_value(OutboxBatch { events }).unwrap())
}

fn health_report() -> KioskHealthReport {
    KioskHealthReport {
        kiosk_id: "kiosk-villaggio-01".into(),
        app_version: env!("CARGO_PKG_VERSION").into(),
        reported_at: "2026-05-01T09:30:00Z".into(),
        devices: vec![
            DeviceHealth {
                name: "card_reader".into(),
                device: "online".into(),
                media: Some("notPresent".into()),
                paper: None,
            },
            DeviceHealth {
                name: "thermal_printer".into(),
                device: "online".into(),
                media: None,
                paper: Some("low".into()),
            },
        ],
        outbox: OutboxHealth {
            depth: 3,
            oldest_age_s: Some(42),
            dead_letters: 0,
        },
    }
}

fn challenge(qid: &str) -> Body {
    Body::Valid(
        serde_json::to_value(ChallengeRequest {
            qid: qid.into(),
            method: IdMethod::Typed,
        })
        .unwrap(),
    )
}

fn verify(code: &str) -> Body {
    Body::Valid(serde_json::to_value(VerifyRequest { code: code.into() }).unwrap())
}

/// A challenge for resident A and its code.
async fn open_challenge(h: &Harness) -> (String, String) {
    let (s, ch) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_A)))
        .await;
    assert_eq!(s, 201);
    let id = ch["challenge_id"].as_str().unwrap().to_owned();
    let (s, sms) = h.send(Req::get(format!("/v1/demo/sms/{id}"))).await;
    assert_eq!(s, 200);
    (id, sms["code"].as_str().unwrap().to_owned())
}

async fn session_for(h: &Harness, qid: &str) -> String {
    let (s, ch) = h
        .send(Req::post("/v1/auth/challenges", challenge(qid)))
        .await;
    assert_eq!(s, 201);
    let id = ch["challenge_id"].as_str().unwrap().to_owned();
    let (_, sms) = h.send(Req::get(format!("/v1/demo/sms/{id}"))).await;
    let (s, sess) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{id}/verify"),
            verify(sms["code"].as_str().unwrap()),
        ))
        .await;
    assert_eq!(s, 200);
    sess["session_token"].as_str().unwrap().to_owned()
}

async fn admin_faults(h: &Harness, plan: &FaultPlan) {
    let (s, echoed) = h
        .send(
            Req::post(
                "/v1/admin/faults",
                Body::Valid(serde_json::to_value(plan).unwrap()),
            )
            .token(Some(ADMIN)),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(serde_json::from_value::<FaultPlan>(echoed).unwrap(), *plan);
}

#[tokio::test]
async fn every_route_and_answer_matches_the_openapi_contract() {
    let sim: SimHandle = start(config()).await;
    let h = Harness::new(sim.base_url());

    // --- health, unknown routes, wrong methods
    assert_eq!(h.send(Req::get("/v1/health").token(None)).await.0, 200);
    assert_eq!(h.send(Req::get("/v1/nowhere")).await.0, 404);
    assert_eq!(h.send(Req::get("/v2/health")).await.0, 404);
    assert_eq!(
        h.send(Req::get("/v1/health").method(Method::DELETE))
            .await
            .0,
        405
    );
    assert_eq!(
        h.send(Req::get("/v1/documents").method(Method::POST))
            .await
            .0,
        405
    );

    // --- challenges
    let (s, _) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_A)))
        .await;
    assert_eq!(s, 201);
    let (s, p) = h
        .send(Req::post(
            "/v1/auth/challenges",
            Body::Invalid(json!({"qid": "18463400123", "method": "typed"})),
        ))
        .await;
    assert_eq!((s, p["code"].as_str()), (400, Some("invalid-qid")));
    let (s, p) = h
        .send(Req::post(
            "/v1/auth/challenges",
            Body::Raw("application/json", b"{not json".to_vec()),
        ))
        .await;
    assert_eq!((s, p["code"].as_str()), (400, Some("bad-request")));
    let (s, _) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_A)).token(None))
        .await;
    assert_eq!(s, 401);
    let (s, _) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_A)).token(Some("stolen")))
        .await;
    assert_eq!(s, 401);
    let (s, p) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_UNKNOWN)))
        .await;
    assert_eq!((s, p["code"].as_str()), (404, Some("resident-not-found")));
    let (s, p) = h
        .send(Req::post("/v1/auth/challenges", challenge(QID_LOCKED)))
        .await;
    assert_eq!((s, p["code"].as_str()), (423, Some("account-locked")));

    // --- verify: right code, wrong codes down to the dead challenge, reuse, bad bodies
    let (id, code) = open_challenge(&h).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (s, p) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{id}/verify"),
            verify(wrong),
        ))
        .await;
    assert_eq!((s, p["attempts_left"].as_u64()), (401, Some(2)));
    let (s, _) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{id}/verify"),
            verify(&code),
        ))
        .await;
    assert_eq!(s, 200);
    let (s, p) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{id}/verify"),
            verify(&code),
        ))
        .await;
    assert_eq!((s, p["code"].as_str()), (410, Some("challenge-expired")));
    let (id, _) = open_challenge(&h).await;
    for expected in [401, 401, 429, 429] {
        let (s, _) = h
            .send(Req::post(
                format!("/v1/auth/challenges/{id}/verify"),
                verify(wrong),
            ))
            .await;
        assert_eq!(s, expected);
    }
    let (s, _) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{}/verify", Uuid::new_v4()),
            verify("123456"),
        ))
        .await;
    assert_eq!(s, 410);
    let (s, _) = h
        .send(Req::post(
            format!("/v1/auth/challenges/{id}/verify"),
            Body::Invalid(json!({"code": 123456})),
        ))
        .await;
    assert_eq!(s, 400);
    let (s, _) = h
        .send(Req::post(format!("/v1/auth/challenges/{id}/verify"), verify("123456")).token(None))
        .await;
    assert_eq!(s, 401);

    // --- documents
    let a = session_for(&h, QID_A).await;
    let b = session_for(&h, QID_B).await;
    let (s, list) = h.send(Req::get("/v1/documents").session(&a)).await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = list["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["doc-bp-004512", "doc-cc-000871", "doc-ss-2026-10"]);
    let (s, list) = h.send(Req::get("/v1/documents").session(&b)).await;
    assert_eq!(
        (s, list["documents"].as_array().map(Vec::len)),
        (200, Some(0))
    );
    assert_eq!(h.send(Req::get("/v1/documents")).await.0, 401);
    assert_eq!(
        h.send(Req::get("/v1/documents").session(&a).token(None))
            .await
            .0,
        401
    );
    for id in ids {
        let (s, doc) = h
            .send(Req::get(format!("/v1/documents/{id}")).session(&a))
            .await;
        assert_eq!((s, doc["id"].as_str()), (200, Some(id)));
    }
    let (s, p) = h
        .send(Req::get("/v1/documents/doc-bp-003990").session(&a))
        .await;
    assert_eq!((s, p["code"].as_str()), (410, Some("document-revoked")));
    let (s, _) = h
        .send(Req::get("/v1/documents/doc-bp-004512").session(&b))
        .await;
    assert_eq!(s, 404);
    let (s, _) = h.send(Req::get("/v1/documents/doc-bp-004512")).await;
    assert_eq!(s, 401);

    // --- keys and seals
    let (s, keys) = h.send(Req::get("/v1/keys")).await;
    assert_eq!((s, keys["keys"].as_array().map(Vec::len)), (200, Some(1)));
    assert_eq!(h.send(Req::get("/v1/keys").token(None)).await.0, 401);
    for (id, status) in [
        ("doc-bp-004512", "valid"),
        ("doc-bp-003990", "revoked"),
        ("doc-xx-000000", "unknown"),
    ] {
        let (s, st) = h.send(Req::get(format!("/v1/seals/{id}/status"))).await;
        assert_eq!((s, st["status"].as_str()), (200, Some(status)));
    }
    assert_eq!(
        h.send(Req::get("/v1/seals/doc-bp-004512/status").token(Some("x")))
            .await
            .0,
        401
    );
    // The phone verifier page's two calls need no credential.
    let (s, public) = h.send(Req::get("/v1/public/keys").token(None)).await;
    assert_eq!((s, &public), (200, &keys));
    for (id, status) in [("doc-bp-004512", "valid"), ("doc-bp-003990", "revoked")] {
        let (s, st) = h
            .send(Req::get(format!("/v1/public/seals/{id}/status")).token(None))
            .await;
        assert_eq!((s, st["status"].as_str()), (200, Some(status)));
    }

    // --- outbox: accepted, duplicate, reused key, bad events, bad batch, in flight
    let first = event(
        "print.audit",
        json!({"document_id": "doc-bp-004512", "pages": 2}),
    );
    let (s, r) = h
        .send(Req::post("/v1/outbox/events", batch(vec![first.clone()])))
        .await;
    assert_eq!(
        (s, r["results"][0]["status"].as_str()),
        (200, Some("accepted"))
    );
    let mut reused = first.clone();
    reused.payload = json!({"document_id": "doc-bp-004512", "pages": 3});
    let mut bad_time = event("rating", json!({"stars": 5}));
    bad_time.created_at = "yesterday".into();
    let (s, r) = h
        .send(Req::post(
            "/v1/outbox/events",
            Body::Invalid(
                serde_json::to_value(OutboxBatch {
                    events: vec![first.clone(), reused, bad_time],
                })
                .unwrap(),
            ),
        ))
        .await;
    assert_eq!(s, 200);
    let statuses: Vec<(&str, Option<&str>)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_str().unwrap(), e["code"].as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("duplicate", None),
            ("rejected", Some("idempotency-key-reused")),
            ("rejected", Some("bad-request"))
        ]
    );
    let (s, _) = h
        .send(Req::post(
            "/v1/outbox/events",
            Body::Invalid(json!({"events": [{"kind": "x"}]})),
        ))
        .await;
    assert_eq!(s, 400);
    let too_many: Vec<OutboxEvent> = (0..1001).map(|_| event("t", json!({}))).collect();
    let (s, _) = h
        .send(Req::post(
            "/v1/outbox/events",
            Body::Invalid(serde_json::to_value(OutboxBatch { events: too_many }).unwrap()),
        ))
        .await;
    assert_eq!(s, 400);
    let (s, _) = h
        .send(Req::post("/v1/outbox/events", batch(vec![])).token(None))
        .await;
    assert_eq!(s, 401);
    {
        // In flight: hold one batch in the server with latency, send its twin meanwhile.
        sim.set_faults(FaultPlan {
            route: Some("/v1/outbox".into()),
            latency_ms: 60_000,
            ..FaultPlan::default()
        });
        let slow = event("complaint", json!({"text": "long queue"}));
        let body = serde_json::to_value(OutboxBatch {
            events: vec![slow.clone()],
        })
        .unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/v1/outbox/events", sim.base_url());
        let held = tokio::spawn(http.post(&url).bearer_auth(TOKEN).json(&body).send());
        while sim.in_flight_keys() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (s, p) = h
            .send(Req::post("/v1/outbox/events", Body::Valid(body)))
            .await;
        assert_eq!(
            (s, p["code"].as_str()),
            (409, Some("idempotency-key-in-flight"))
        );
        held.abort();
        sim.clear_faults();
        assert!(
            sim.stored_events()
                .unwrap()
                .iter()
                .all(|e| e.0 != slow.idempotency_key)
        );
    }

    // --- kiosk health
    let report = serde_json::to_value(health_report()).unwrap();
    assert_eq!(
        h.send(Req::post("/v1/kiosk/health", Body::Valid(report.clone())))
            .await
            .0,
        202
    );
    let mut bad = report.clone();
    bad["devices"][0]["device"] = json!("on fire");
    assert_eq!(
        h.send(Req::post("/v1/kiosk/health", Body::Invalid(bad)))
            .await
            .0,
        400
    );
    assert_eq!(
        h.send(Req::post("/v1/kiosk/health", Body::Valid(report)).token(None))
            .await
            .0,
        401
    );

    // --- demo SMS
    assert_eq!(
        h.send(Req::get(format!("/v1/demo/sms/{}", Uuid::new_v4())))
            .await
            .0,
        410
    );
    assert_eq!(h.send(Req::get("/v1/demo/sms/x").token(None)).await.0, 401);
    {
        let quiet = start(crate::support::config_without_demo_sms()).await;
        let h2 = Harness::new(quiet.base_url());
        assert_eq!(h2.send(Req::get("/v1/demo/sms/x")).await.0, 404);
        h.seen
            .lock()
            .unwrap()
            .extend(h2.seen.lock().unwrap().iter().cloned());
    }

    // --- admin
    let (s, _) = h
        .send(Req::post("/v1/admin/keys/rotate", Body::None).token(Some(ADMIN)))
        .await;
    assert_eq!(s, 201);
    let (_, keys) = h.send(Req::get("/v1/keys")).await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    assert!(keys["keys"][1]["not_after"].is_string());
    assert_eq!(
        h.send(Req::post("/v1/admin/keys/rotate", Body::None))
            .await
            .0,
        401,
        "a kiosk token is not an admin token"
    );
    admin_faults(&h, &FaultPlan::default()).await;
    assert_eq!(
        h.send(
            Req::post("/v1/admin/faults", Body::Invalid(json!({"error_rate": 3})))
                .token(Some(ADMIN))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        h.send(Req::post("/v1/admin/faults", Body::Invalid(json!({}))).token(None))
            .await
            .0,
        401
    );
    assert_eq!(
        h.send(
            Req::get("/v1/admin/faults")
                .method(Method::DELETE)
                .token(Some(ADMIN))
        )
        .await
        .0,
        204
    );
    assert_eq!(
        h.send(Req::get("/v1/admin/faults").method(Method::DELETE))
            .await
            .0,
        401
    );

    // --- 413 on every operation with a body
    let huge = vec![b' '; manassa_sim::MAX_BODY_BYTES + 1];
    for (path, token) in [
        ("/v1/auth/challenges".to_owned(), TOKEN),
        (format!("/v1/auth/challenges/{id}/verify"), TOKEN),
        ("/v1/outbox/events".to_owned(), TOKEN),
        ("/v1/kiosk/health".to_owned(), TOKEN),
        ("/v1/admin/faults".to_owned(), ADMIN),
    ] {
        let (s, _) = h
            .send(
                Req::post(path.clone(), Body::Raw("application/json", huge.clone()))
                    .token(Some(token)),
            )
            .await;
        assert_eq!(s, 413, "{path}");
    }

    // --- injected 500 and 429 on every kiosk operation
    let sms_id = open_challenge(&h).await.0;
    let kiosk_ops: Vec<(Method, String, Body)> = vec![
        (Method::GET, "/v1/health".into(), Body::None),
        (Method::POST, "/v1/auth/challenges".into(), challenge(QID_A)),
        (
            Method::POST,
            format!("/v1/auth/challenges/{sms_id}/verify"),
            verify("000000"),
        ),
        (Method::GET, "/v1/documents".into(), Body::None),
        (
            Method::GET,
            "/v1/documents/doc-bp-004512".into(),
            Body::None,
        ),
        (Method::GET, "/v1/keys".into(), Body::None),
        (
            Method::GET,
            "/v1/seals/doc-bp-004512/status".into(),
            Body::None,
        ),
        (Method::GET, "/v1/public/keys".into(), Body::None),
        (
            Method::GET,
            "/v1/public/seals/doc-bp-004512/status".into(),
            Body::None,
        ),
        (
            Method::POST,
            "/v1/outbox/events".into(),
            batch(vec![event("t", json!({}))]),
        ),
        (
            Method::POST,
            "/v1/kiosk/health".into(),
            Body::Valid(serde_json::to_value(health_report()).unwrap()),
        ),
        (Method::GET, format!("/v1/demo/sms/{sms_id}"), Body::None),
    ];
    for (plan, expected) in [
        (
            FaultPlan {
                error_rate: 1.0,
                ..FaultPlan::default()
            },
            500,
        ),
        (
            FaultPlan {
                throttle_rate: 1.0,
                retry_after_s: 7,
                ..FaultPlan::default()
            },
            429,
        ),
    ] {
        for (method, path, body) in &kiosk_ops {
            admin_faults(
                &h,
                &FaultPlan {
                    route: Some(path.clone()),
                    ..plan.clone()
                },
            )
            .await;
            let body = match body {
                Body::None => Body::None,
                Body::Valid(v) => Body::Valid(v.clone()),
                _ => unreachable!(),
            };
            let (s, p) = h
                .send(Req {
                    method: method.clone(),
                    path: path.clone(),
                    token: Some(TOKEN),
                    session: Some(&a),
                    body,
                })
                .await;
            assert_eq!(s, expected, "{method} {path}: {p}");
        }
    }
    sim.clear_faults();

    // --- coverage
    let seen = h.seen.lock().unwrap().clone();
    let missing: Vec<_> = h
        .documented_pairs()
        .into_iter()
        .filter(|(op, st)| !seen.contains(&(op.clone(), *st)))
        .filter(|(op, st)| !UNREACHABLE.contains(&(op.as_str(), *st)))
        .collect();
    assert!(
        missing.is_empty(),
        "documented but never produced: {missing:?}"
    );
    assert!(*h.checked.lock().unwrap() > 80);
}

/// The file's problem codes are exactly the library's, and wherever a response pins a
/// problem `status` and `code`, the pair agrees with `ProblemCode::status`.
#[test]
fn problem_codes_and_statuses_agree_with_the_library() {
    let spec = Spec::load();
    let file_codes: BTreeSet<&str> = spec.doc["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let lib_codes: BTreeSet<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(file_codes, lib_codes);
    let table = spec.doc["components"]["schemas"]["ProblemCode"]["description"]
        .as_str()
        .unwrap();
    for c in ProblemCode::ALL {
        assert!(
            table.contains(&format!("| `{}` | {} |", c.as_str(), c.status())),
            "the ProblemCode table lacks {} with {}",
            c.as_str(),
            c.status()
        );
    }

    // Walk every `properties: {status: {const}, code: {const|enum}}` pair.
    let mut pairs = 0;
    fn walk(v: &Value, pairs: &mut usize) {
        match v {
            Value::Object(m) => {
                if let Some(props) = m.get("properties")
                    && let Some(status) = props.pointer("/status/const").and_then(Value::as_u64)
                {
                    let codes: Vec<&str> = match props.get("code") {
                        Some(c) if c.get("const").is_some() => vec![c["const"].as_str().unwrap()],
                        Some(c) => c["enum"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|x| x.as_str().unwrap())
                            .collect(),
                        None => vec![],
                    };
                    for code in codes {
                        let known = ProblemCode::from_code(code)
                            .unwrap_or_else(|| panic!("unknown code {code}"));
                        assert_eq!(u64::from(known.status()), status, "{code}");
                        *pairs += 1;
                    }
                }
                m.values().for_each(|x| walk(x, pairs));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, pairs)),
            _ => {}
        }
    }
    walk(&spec.doc, &mut pairs);
    assert!(pairs > 20, "only {pairs} status/code pairs found");
}

/// The validator is not vacuous: documents that break the contract are refused.
#[test]
fn the_validator_refuses_what_the_contract_forbids() {
    let spec = Spec::load();
    let p = "/components/schemas/SignedDocument";
    let good = json!({"id": "d", "kind": "salary_statement", "number": "n", "seal": null,
        "payload": {"statement_no": "S", "employee_name_ar": "ا", "employee_name_en": "E",
            "employee_qid": QID_A, "employee_no": "1", "employer_ar": "و", "employer_en": "M",
            "period": "2026-10", "basic_salary": "1.00", "allowances": [], "deductions": "0.00",
            "net": "1.00", "currency": "QAR", "issued_on": "2026-11-02"}});
    spec.validate(p, &good).unwrap();
    let mut bad = good.clone();
    bad["payload"]["net"] = json!(1.0);
    assert!(
        spec.validate(p, &bad).is_err(),
        "money must be a decimal string"
    );
    let mut bad = good.clone();
    bad["extra"] = json!(1);
    assert!(spec.validate(p, &bad).is_err(), "closed object");
    let mut bad = good;
    bad["payload"]["issued_on"] = json!("02/11/2026");
    assert!(spec.validate(p, &bad).is_err(), "format: date is checked");
    let ev = "/components/schemas/EventResult";
    assert!(
        spec.validate(
            ev,
            &json!({"idempotency_key": Uuid::new_v4(), "status": "rejected"})
        )
        .is_err(),
        "rejected needs a code"
    );
    assert!(
        spec.validate(
            ev,
            &json!({"idempotency_key": Uuid::new_v4(), "status": "accepted", "code": "bad-request"})
        )
        .is_err(),
        "accepted has no code"
    );
}

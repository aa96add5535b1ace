//! The phone verifier page the ministry hosts (DESIGN §4), served at `/verify`: the static
//! files of `web/verify` embedded at build time, the page's messages from `locales/`
//! (Fluent, rendered per language with `{name}` placeholders), and the key set bundled
//! with the page. Public, as the page and its two API calls (`/v1/public/keys`,
//! `/v1/public/seals/{id}/status`) are for anyone holding a paper.

use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;

use super::*;

/// The page's files: (path under `/verify/`, content type, body).
const FILES: &[(&str, &str, &str)] = &[
    (
        "",
        "text/html; charset=utf-8",
        include_str!("../../../web/verify/index.html"),
    ),
    (
        "seal.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/verify/seal.js"),
    ),
    (
        "verify.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/verify/verify.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/verify/style.css"),
    ),
    (
        "vendor/jsQR.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/verify/vendor/jsQR.js"),
    ),
];

/// Message ids the page uses, by prefix.
const MESSAGE_PREFIXES: &[&str] = &[
    "verify-page-",
    "verdict-",
    "fact-",
    "doc-kind-",
    "amount-qar",
];

// Scripts and styles only from this origin; the camera stream is the page's own.
const CSP: &str = "default-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; \
                   object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `GET /verify` and `GET /verify/{file}`.
pub(crate) async fn file(path: Option<Path<String>>) -> Response {
    let want = path.map(|Path(p)| p).unwrap_or_default();
    match FILES.iter().find(|(p, _, _)| *p == want) {
        Some((_, ctype, body)) => (
            [
                (CONTENT_TYPE, *ctype),
                (CONTENT_SECURITY_POLICY, CSP),
                (CACHE_CONTROL, "no-cache"),
            ],
            *body,
        )
            .into_response(),
        None => ApiFail(Problem::new(ProblemCode::NotFound)).into_response(),
    }
}

/// `GET /verify/messages.json`: `{"ar": {id: text}, "en": {...}}`.
pub(crate) async fn messages() -> Response {
    use manassa_i18n::{Arg, Lang, message_ids, tr_args};
    let mut out = serde_json::Map::new();
    for lang in [Lang::Ar, Lang::En] {
        let mut m = serde_json::Map::new();
        for id in message_ids(lang) {
            if MESSAGE_PREFIXES.iter().any(|p| id.starts_with(p)) {
                let text = tr_args(
                    lang,
                    &id,
                    &[
                        ("area", Arg::Str("{area}")),
                        ("amount", Arg::Str("{amount}")),
                    ],
                );
                m.insert(id, text.into());
            }
        }
        let code = match lang {
            Lang::Ar => "ar",
            Lang::En => "en",
        };
        out.insert(code.into(), m.into());
    }
    (
        [(CACHE_CONTROL, "no-cache")],
        Json(serde_json::Value::Object(out)),
    )
        .into_response()
}

/// `GET /verify/keys.json`: the key set bundled with the page (as `/v1/public/keys`).
pub(crate) async fn bundled_keys(state: State<Arc<AppState>>) -> Result<Json<KeySet>, ApiFail> {
    handlers::list_keys(state).await
}

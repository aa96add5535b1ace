//! Tawkeed at the kiosk (DESIGN §4): the ministry's public keys kept on the data
//! partition, the check of a paper before it is printed, and the verdict on a scanned
//! paper, the same for the screen and `manassa doc verify`.
//!
//! Invariants: only a network error or a timeout means "the ministry is unreachable";
//! a seal whose key the kiosk lacks is "cannot check now" while the ministry is
//! unreachable, never "altered"; a key set the ministry answers replaces the old one (a
//! withdrawn key is gone), unless none of its keys could be used.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use manassa_documents::kinds::Content;
use manassa_documents::seal::{self, BindError, Claims, Fetched, KeySet, SealError};
use manassa_ministry_api::SealState;
use manassa_ministry_api::client::{ApiError, Client as ApiClient};
use manassa_session::{Verdict, VerdictStatus};

/// How often the key set is fetched again when nothing asks sooner, seconds (6 h).
pub const DEFAULT_REFRESH_S: u64 = 6 * 3600;

/// The ministry's public keys: in memory, persisted as JSON at `path` (written atomically:
/// a temporary file, fsync, rename), refreshed on a schedule and on an unknown key id.
///
/// File shape: `{"fetched_at": <Unix seconds>, "answer": <the /v1/keys answer>}`.
pub struct KeyStore {
    path: Option<PathBuf>,
    refresh_after: Duration,
    cached: Mutex<Option<(KeySet, SystemTime)>>,
}

impl Default for KeyStore {
    /// In memory, refreshed every [`DEFAULT_REFRESH_S`].
    fn default() -> Self {
        KeyStore::in_memory(Duration::from_secs(DEFAULT_REFRESH_S))
    }
}

/// Why a key refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The call failed; [`is_unreachable`] tells a network failure from an answer.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The answer had keys but none could be used; the old set is kept.
    #[error("the ministry's key set had no usable key ({0} skipped)")]
    NoUsableKey(usize),
    /// The set could not be saved (it is used in memory all the same).
    #[error("cannot save the key set: {0}")]
    Save(std::io::Error),
}

/// Whether an API error means the ministry could not be reached: a network failure or a
/// timeout, nothing else (an HTTP error or a malformed body is an answer).
pub fn is_unreachable(e: &ApiError) -> bool {
    matches!(e, ApiError::Network(_) | ApiError::Timeout)
}

impl KeyStore {
    /// A store persisted at `path`, loaded from it now. A missing file is an empty store;
    /// an unreadable or corrupt one is logged and ignored (the next refresh rewrites it).
    pub fn open(path: PathBuf, refresh_after: Duration) -> KeyStore {
        let cached = match std::fs::read(&path) {
            Ok(bytes) => match parse_file(&bytes) {
                Some(c) => {
                    tracing::info!(keys = c.0.keys.len(), "seal keys loaded from disk");
                    Some(c)
                }
                None => {
                    tracing::warn!(path = %path.display(), "seal key file is corrupt; ignored");
                    None
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "seal key file unreadable");
                None
            }
        };
        KeyStore {
            path: Some(path),
            refresh_after,
            cached: Mutex::new(cached),
        }
    }

    /// A store that keeps nothing on disk (tests, one-shot tools).
    pub fn in_memory(refresh_after: Duration) -> KeyStore {
        KeyStore {
            path: None,
            refresh_after,
            cached: Mutex::new(None),
        }
    }

    /// The keys held now, if any were ever fetched.
    pub fn current(&self) -> Option<KeySet> {
        self.lock().as_ref().map(|(k, _)| k.clone())
    }

    /// When the held keys were fetched.
    pub fn fetched_at(&self) -> Option<SystemTime> {
        self.lock().as_ref().map(|(_, t)| *t)
    }

    /// Whether the keys are missing or older than the refresh interval.
    pub fn is_stale(&self) -> bool {
        match self.fetched_at() {
            None => true,
            Some(t) => SystemTime::now()
                .duration_since(t)
                .map_or(true, |age| age >= self.refresh_after),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(KeySet, SystemTime)>> {
        self.cached
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Fetch the key set from the ministry, replace the held one and save it.
    ///
    /// Errors: [`RefreshError`]; on `Api` and `NoUsableKey` the held keys are unchanged.
    pub async fn refresh(&self, client: &ApiClient) -> Result<KeySet, RefreshError> {
        let answer = client.key_set_json().await?;
        let set = KeySet::from_json(&answer)
            .map_err(|_| ApiError::Malformed("key set without a keys array".into()))?;
        if set.skipped > 0 {
            tracing::warn!(
                skipped = set.skipped,
                "ministry key set: keys that cannot be used were skipped"
            );
        }
        if set.keys.is_empty() && set.skipped > 0 {
            return Err(RefreshError::NoUsableKey(set.skipped));
        }
        let now = SystemTime::now();
        *self.lock() = Some((set.clone(), now));
        tracing::info!(keys = set.keys.len(), "seal keys refreshed");
        if let Some(path) = &self.path {
            save_file(path, &answer, now).map_err(RefreshError::Save)?;
        }
        Ok(set)
    }

    /// The keys to verify with: refreshed first when stale or `force`d, else (or when the
    /// refresh fails) the held ones.
    pub async fn keys(&self, client: &ApiClient, force: bool) -> KeysNow {
        if !(force || self.is_stale()) {
            return KeysNow {
                keys: self.current(),
                refreshed: false,
                error: None,
            };
        }
        match self.refresh(client).await {
            Ok(set) => KeysNow {
                keys: Some(set),
                refreshed: true,
                error: None,
            },
            Err(RefreshError::Save(e)) => {
                tracing::warn!(error = %e, "seal keys refreshed but not saved");
                KeysNow {
                    keys: self.current(),
                    refreshed: true,
                    error: None,
                }
            }
            Err(e) => {
                tracing::info!(error = %e, "seal keys not refreshed; using those held");
                KeysNow {
                    keys: self.current(),
                    refreshed: false,
                    error: Some(e),
                }
            }
        }
    }
}

/// The keys [`KeyStore::keys`] gives, and what became of the refresh it tried.
#[derive(Debug)]
pub struct KeysNow {
    /// The keys to verify with, if any.
    pub keys: Option<KeySet>,
    /// A refresh was tried and the ministry's set is what `keys` holds.
    pub refreshed: bool,
    /// A refresh was tried and failed (`keys` are the older ones).
    pub error: Option<RefreshError>,
}

impl KeysNow {
    /// Whether asking the ministry again now could bring a key this set lacks.
    fn worth_refreshing(&self) -> bool {
        !self.refreshed && self.error.is_none()
    }
}

/// Keep `store` fresh in the background: at start, then whenever it has grown stale
/// (looked at every minute). Must be called within a Tokio runtime.
pub fn spawn_refresher(
    store: std::sync::Arc<KeyStore>,
    client: ApiClient,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if store.is_stale()
                && let Err(e) = store.refresh(&client).await
            {
                tracing::info!(error = %e, "scheduled seal key refresh failed; will retry");
            }
        }
    })
}

fn parse_file(bytes: &[u8]) -> Option<(KeySet, SystemTime)> {
    let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(v["fetched_at"].as_u64()?);
    let set = KeySet::from_json(&v["answer"]).ok()?;
    Some((set, at))
}

/// Write `answer` with its fetch time next to `path`, fsync it, and rename it over `path`
/// (POSIX rename is atomic: a power cut leaves the old file or the new one).
fn save_file(path: &Path, answer: &serde_json::Value, at: SystemTime) -> std::io::Result<()> {
    use std::io::Write as _;
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let body = serde_json::json!({ "fetched_at": secs, "answer": answer });
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(body.to_string().as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

/// What a check of a scanned seal found, for the screen and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The verdict with the sealed facts (sanitised).
    pub verdict: Verdict,
    /// The key id the seal names, when it could be read.
    pub kid: Option<String>,
    /// Whether the ministry answered the revocation question (valid or revoked).
    pub checked_online: bool,
}

/// The verdict on a scanned seal or QR text: the signature offline with the held keys
/// (refreshed on an unknown key id), then the ministry's revocation status.
pub async fn check_scanned(client: &ApiClient, store: &KeyStore, text: &str) -> Checked {
    // Bounded before anything looks at it.
    let text: String = text.chars().take(4096).collect();
    let kid = seal::kid_of(&text).ok().map(|k| manassa_text::sanitize(&k));
    let done = |status, claims: Option<&Claims>, not_confirmed, online, kid| Checked {
        verdict: verdict(status, claims, not_confirmed),
        kid,
        checked_online: online,
    };
    if seal::seal_from_qr_text(&text).is_err() {
        return done(VerdictStatus::NotASeal, None, false, false, kid);
    }
    let mut now = store.keys(client, false).await;
    let mut result = seal::verify(&text, now.keys.as_ref().unwrap_or(&KeySet::default()));
    if result == Err(SealError::UnknownKey) && now.worth_refreshing() {
        now = store.keys(client, true).await;
        result = seal::verify(&text, now.keys.as_ref().unwrap_or(&KeySet::default()));
    }
    if result == Err(SealError::UnknownKey) && now.error.is_some() {
        // No key for this kid, and the ministry could not give one: cannot check now.
        return done(VerdictStatus::Unverifiable, None, false, false, kid);
    }
    let claims = match result {
        Ok(c) => c,
        Err(SealError::NotASeal) => return done(VerdictStatus::NotASeal, None, false, false, kid),
        Err(_) => return done(VerdictStatus::Altered, None, false, false, kid),
    };
    // (verdict, not confirmed, checked online)
    let (status, not_confirmed, online) = match client.seal_status(&claims.document_id).await {
        Ok(SealState::Valid) => (VerdictStatus::Genuine, false, true),
        Ok(SealState::Revoked) => (VerdictStatus::Revoked, false, true),
        Ok(SealState::Unknown) => {
            tracing::warn!("seal verified but the ministry does not know its document");
            (VerdictStatus::GenuineUnchecked, true, false)
        }
        Err(e) if is_unreachable(&e) => (VerdictStatus::GenuineUnchecked, false, false),
        Err(e) => {
            tracing::warn!(error = %e, "seal status: no usable answer");
            (VerdictStatus::GenuineUnchecked, true, false)
        }
    };
    done(status, Some(&claims), not_confirmed, online, kid)
}

/// A verdict with the claims' facts, every text sanitised.
fn verdict(status: VerdictStatus, claims: Option<&Claims>, not_confirmed: bool) -> Verdict {
    let s = manassa_text::sanitize;
    match claims {
        None => Verdict {
            status,
            ..Verdict::default()
        },
        Some(c) => Verdict {
            status,
            not_confirmed,
            number: s(&c.number),
            kind: manassa_core::DocumentKind::from_wire(&c.kind),
            issued_on: s(&c.issued_on),
            facts: c
                .facts
                .iter()
                .map(|(f, v)| (f.name().to_string(), s(v)))
                .collect(),
        },
    }
}

/// Why a paper was refused before printing (audited as `seal_rejected`; no personal data).
#[derive(Debug, thiserror::Error)]
pub enum PrintRefusal {
    /// The document came without a seal.
    #[error("document has no seal")]
    NoSeal,
    /// No key could be had for the seal (never fetched, ministry unreachable).
    #[error("no verification key")]
    NoKeys,
    /// The seal failed or belongs to something else.
    #[error(transparent)]
    Bind(#[from] BindError),
}

/// Check a fetched document before printing it (DESIGN §4): its seal verifies, digests
/// exactly `content`'s printed fields and is bound to this document and holder; then the
/// QR symbol it will print (the verifier URL with the seal), within the version cap.
///
/// Errors: [`PrintRefusal`]; the paper is then not printed.
pub async fn check_for_print(
    client: &ApiClient,
    store: &KeyStore,
    verifier_url: &str,
    seal_text: Option<&str>,
    fetched: Fetched<'_>,
    content: &Content,
) -> Result<seal::QrSymbol, PrintRefusal> {
    let seal_text = seal_text.ok_or(PrintRefusal::NoSeal)?;
    let mut now = store.keys(client, false).await;
    let verify = |keys: &Option<KeySet>| match keys {
        Some(k) => seal::verify_content(seal_text, k, fetched, content),
        None => Err(BindError::Seal(SealError::UnknownKey)),
    };
    let mut result = verify(&now.keys);
    if result == Err(BindError::Seal(SealError::UnknownKey)) && now.worth_refreshing() {
        now = store.keys(client, true).await;
        result = verify(&now.keys);
    }
    if now.keys.is_none() {
        return Err(PrintRefusal::NoKeys);
    }
    result?;
    seal::qr_symbol(&seal::qr_text(verifier_url, seal_text))
        .map_err(|e| PrintRefusal::Bind(BindError::Seal(e)))
}

//! Technician PINs: Argon2id (RFC 9106) hashes in PHC string format, keyed by badge id,
//! peppered with a secret the kiosk user cannot read, with per-badge lockouts under a
//! kiosk-wide ceiling that survive restarts.
//!
//! Policy: after [`MAX_FAILURES`] wrong PINs in a row *for one badge* (known or not), that
//! badge is refused for a lockout that starts at [`BASE_LOCKOUT`] and doubles with each
//! further lockout of that badge, up to [`MAX_LOCKOUT`]; the other badges still work, so a
//! stranger's tag cannot lock the technicians out. A ceiling bounds guessing with many
//! tags (or a reader inventing ids): after [`GLOBAL_MAX_FAILURES`] wrong PINs in all since
//! the last success, every badge is refused for [`GLOBAL_LOCKOUT`] (fixed, so it cannot be
//! grown to hours). A correct PIN clears its badge and the kiosk-wide count. The state is
//! a small JSON file written atomically (temporary file, fsync, rename) after every change,
//! so pulling the power does not reset it. An unreadable state file counts as one kiosk-
//! wide lockout in force.
//!
//! **Secret.** With the systemd credential [`SECRET_CREDENTIAL`] (`LoadCredential=` from a
//! root-only file), two keys are derived from it with HMAC-SHA256: the Argon2 *secret*
//! (pepper, RFC 9106 §3.1 `K`) and the key of badge references. The PIN hashes in the
//! configuration, readable by the kiosk user, then cannot be cracked offline without it;
//! `manassa pin-hash --secret FILE` makes hashes for such a kiosk. Without the credential
//! (the demo) there is no pepper and the badge key is random, kept in the state folder.
//!
//! **Badge references.** Badge ids are credentials: the state file and the audits hold
//! [`PinStore::badge_ref`], HMAC-SHA256 of the id under the badge key (16 bytes, hex),
//! never the id. Unknown badges are checked against a dummy hash, so the time taken does
//! not tell whether a badge is registered.
//!
//! Every attempt during a lockout is refused, but only the first refusal of each badge in
//! a lockout period asks for an audit ([`LockAudit`]), for at most [`MAX_REFUSAL_AUDITS`]
//! badges: a badge hammering PINs (or a reader inventing ids) cannot fill the outbox. Which
//! badges were refused is kept in memory only, so a restart allows one more refusal audit
//! per badge.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use manassa_devices::badge::BadgeId;
pub use manassa_session::maintenance::{LockAudit, MAX_PIN_LEN, MIN_PIN_LEN, PinOutcome};

/// Wrong PINs in a row for one badge that lock that badge out.
pub const MAX_FAILURES: u32 = 5;
/// A badge's first lockout; each further lockout of the same badge doubles it.
pub const BASE_LOCKOUT: Duration = Duration::from_secs(60);
/// The longest lockout of a badge.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// Wrong PINs in all (any badges) since the last success that lock every badge out.
pub const GLOBAL_MAX_FAILURES: u32 = 20;
/// The kiosk-wide lockout's length (fixed).
pub const GLOBAL_LOCKOUT: Duration = Duration::from_secs(600);
/// Badges whose failures are tracked at once; more only count toward the ceiling.
pub const MAX_TRACKED_BADGES: usize = 256;
/// Name of the systemd credential (in `$CREDENTIALS_DIRECTORY`) holding the kiosk's
/// maintenance secret: at least 32 bytes, e.g. `head -c 32 /dev/urandom`.
pub const SECRET_CREDENTIAL: &str = "manassa-maintenance-secret";

type HmacSha256 = Hmac<Sha256>;

fn derive(secret: &[u8], label: &str) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The Argon2 pepper derived from the maintenance secret.
fn pepper(secret: &[u8]) -> [u8; 32] {
    derive(secret, "manassa pin pepper v1")
}

/// The maintenance secret from the systemd credential, if the service has one.
///
/// Errors: the credential exists but cannot be read or is shorter than 32 bytes.
pub fn secret_from_credentials() -> Result<Option<Vec<u8>>, String> {
    let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") else {
        return Ok(None);
    };
    let path = Path::new(&dir).join(SECRET_CREDENTIAL);
    match std::fs::read(&path) {
        Ok(bytes) if bytes.len() >= 32 => Ok(Some(bytes)),
        Ok(_) => Err(format!(
            "credential {SECRET_CREDENTIAL}: fewer than 32 bytes"
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("credential {SECRET_CREDENTIAL}: {e}")),
    }
}

fn argon(pepper: Option<&[u8; 32]>) -> Argon2<'_> {
    match pepper {
        Some(k) => {
            Argon2::new_with_secret(k, Algorithm::Argon2id, Version::V0x13, Params::default())
                .expect("a 32-byte secret is within Argon2's limits")
        }
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default()),
    }
}

/// Hash `pin` with Argon2id (default parameters of the `argon2` crate: m = 19 MiB, t = 2,
/// p = 1), a random salt and, given the kiosk's maintenance `secret`, its pepper; returns
/// the PHC string to put in the configuration.
///
/// # Errors
/// When `pin` is not [`MIN_PIN_LEN`]–[`MAX_PIN_LEN`] ASCII digits.
pub fn hash_pin(pin: &str, secret: Option<&[u8]>) -> Result<String, String> {
    check_pin_shape(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    let pepper = secret.map(pepper);
    argon(pepper.as_ref())
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn check_pin_shape(pin: &str) -> Result<(), String> {
    if (MIN_PIN_LEN..=MAX_PIN_LEN).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("a PIN is {MIN_PIN_LEN}–{MAX_PIN_LEN} digits"))
    }
}

/// Check that `phc` is an Argon2id PHC string (`$argon2id$v=19$…`).
///
/// # Errors
/// What is wrong with it.
pub fn check_phc(phc: &str) -> Result<(), String> {
    let h = PasswordHash::new(phc).map_err(|e| e.to_string())?;
    if h.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!("{} is not argon2id", h.algorithm));
    }
    if h.hash.is_none() || h.salt.is_none() {
        return Err("no salt or hash".into());
    }
    // One cost for every PIN (RFC 9106 parameters of `manassa pin-hash`): a weaker hash is
    // easier to crack, and a different cost would time-reveal which badges are registered.
    let params = Params::try_from(&h).map_err(|e| e.to_string())?;
    let want = Params::default();
    if (params.m_cost(), params.t_cost(), params.p_cost())
        != (want.m_cost(), want.t_cost(), want.p_cost())
    {
        return Err(format!(
            "cost m={},t={},p={} differs from m={},t={},p={}: make it with `manassa pin-hash`",
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            want.m_cost(),
            want.t_cost(),
            want.p_cost()
        ));
    }
    Ok(())
}

/// A lockout counter: of one badge, or kiosk-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Wrong PINs since the last success or lockout.
    pub failures: u32,
    /// Lockouts since the last success (sets the next lockout's length).
    pub lockouts: u32,
    /// Unix seconds until which PINs are refused (0: not locked).
    pub locked_until: u64,
}

/// The persisted state: the kiosk-wide counter and one per badge reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockFile {
    global: LockState,
    badges: BTreeMap<String, LockState>,
}

/// At most this many badges get a refusal audit per lockout period ([`LockAudit::Refused`]);
/// later ones are refused quietly.
pub const MAX_REFUSAL_AUDITS: usize = 16;

/// The registered PINs and the persisted lockouts.
pub struct PinStore {
    pins: HashMap<String, String>,
    path: PathBuf,
    state: Mutex<LockFile>,
    dummy: String,
    pepper: Option<[u8; 32]>,
    badge_key: [u8; 32],
    /// Badges (reference) refused and audited during the lockout ending at the value (Unix
    /// seconds); memory only, pruned to the lockouts in force.
    refused: Mutex<HashMap<String, u64>>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The random badge key of a kiosk without a maintenance secret: read from `path`, or made
/// and written there (mode 0600; kept for this run only if it cannot be written).
fn local_badge_key(path: &Path) -> Result<[u8; 32], String> {
    if let Ok(bytes) = std::fs::read(path)
        && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
    {
        return Ok(key);
    }
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    use std::os::unix::fs::OpenOptionsExt;
    let write = || -> std::io::Result<()> {
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&key)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        // A full partition must not keep the menu from working: references then change at
        // the next start, which the audits survive.
        tracing::warn!(path = %path.display(), error = %e, "badge key not saved; using it for this run");
    }
    Ok(key)
}

impl PinStore {
    /// `pins` maps badge ids (10 hex digits, any case) to Argon2id PHC strings; `path` is
    /// the lockout state file (created on first change; its folder must exist or be
    /// creatable); `secret` is the kiosk's maintenance secret ([`secret_from_credentials`]),
    /// without which a random badge key is kept beside `path` (`badge-ref.key`).
    ///
    /// # Errors
    /// A badge id or PHC string that does not parse (the message names the badge's masked
    /// form, never the whole id); a badge key that cannot be written.
    pub fn open(
        pins: &HashMap<String, String>,
        path: &Path,
        secret: Option<&[u8]>,
    ) -> Result<PinStore, String> {
        let mut map = HashMap::new();
        for (badge, phc) in pins {
            let id = BadgeId::from_hex(badge)?;
            check_phc(phc).map_err(|e| format!("PIN of badge {}: {e}", id.masked()))?;
            map.insert(id.hex(), phc.clone());
        }
        let state = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice::<LockFile>(&bytes)
                .or_else(|_| {
                    // The older, kiosk-wide-only file.
                    serde_json::from_slice::<LockState>(&bytes).map(|global| LockFile {
                        global,
                        badges: BTreeMap::new(),
                    })
                })
                .unwrap_or_else(|_| {
                    tracing::warn!(path = %path.display(), "PIN lockout state unreadable: locking");
                    LockFile {
                        global: LockState {
                            failures: 0,
                            lockouts: 1,
                            locked_until: unix(SystemTime::now()) + GLOBAL_LOCKOUT.as_secs(),
                        },
                        badges: BTreeMap::new(),
                    }
                }),
            Err(_) => LockFile::default(),
        };
        let pepper = secret.map(pepper);
        let badge_key = match secret {
            Some(s) => derive(s, "manassa badge ref v1"),
            None => {
                if let Some(dir) = path.parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                }
                local_badge_key(&path.with_file_name("badge-ref.key"))?
            }
        };
        // A fixed dummy with the same parameters as real hashes (salt "manassa-dummy-salt").
        let dummy = argon(pepper.as_ref())
            .hash_password(
                b"not-a-pin",
                &SaltString::encode_b64(b"manassa-dummy-salt").map_err(|e| e.to_string())?,
            )
            .map_err(|e| e.to_string())?
            .to_string();
        Ok(PinStore {
            pins: map,
            path: path.to_owned(),
            state: Mutex::new(state),
            dummy,
            pepper,
            badge_key,
            refused: Mutex::new(HashMap::new()),
        })
    }

    /// The badge's reference for audits and the state file: HMAC-SHA256 of its 10 hex
    /// digits under the badge key, first 16 bytes, lower-case hex (32 characters).
    pub fn badge_ref(&self, badge: &BadgeId) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.badge_key).expect("any key length");
        mac.update(badge.hex().as_bytes());
        mac.finalize().into_bytes()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The kiosk-wide lockout state as persisted.
    pub fn state(&self) -> LockState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).global
    }

    /// `badge`'s own lockout state (default when it has none).
    pub fn badge_state(&self, badge: &BadgeId) -> LockState {
        let r = self.badge_ref(badge);
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.badges.get(&r).copied().unwrap_or_default()
    }

    /// Time left at `now` of a lockout in force for `badge` (its own or kiosk-wide), if
    /// any. Never more than the longest lockout ([`MAX_LOCKOUT`]): a wall clock that jumped
    /// back (a dead RTC battery before NTP) or a tampered state file cannot lock the
    /// technicians out for longer.
    pub fn locked_for(&self, badge: &BadgeId, now: SystemTime) -> Option<Duration> {
        let until = self.locked_until(&self.badge_ref(badge));
        let now = unix(now);
        (until > now).then(|| Duration::from_secs(until - now).min(MAX_LOCKOUT))
    }

    fn locked_until(&self, badge_ref: &str) -> u64 {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let own = st.badges.get(badge_ref).map_or(0, |b| b.locked_until);
        own.max(st.global.locked_until)
    }

    /// Check `pin` for `badge` at `now`. Slow on purpose (Argon2id, tens of milliseconds
    /// in release builds): call it off the UI thread.
    pub fn verify(&self, badge: &BadgeId, pin: &str, now: SystemTime) -> PinOutcome {
        let r = self.badge_ref(badge);
        if let Some(remaining) = self.locked_for(badge, now) {
            let until = self.locked_until(&r);
            let mut refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
            let t = unix(now);
            refused.retain(|_, u| *u > t);
            // A reader sending ever new ids would otherwise grow the map and the outbox.
            let audit = if refused.get(&r) == Some(&until) || refused.len() >= MAX_REFUSAL_AUDITS {
                LockAudit::Quiet
            } else {
                refused.insert(r, until);
                LockAudit::Refused
            };
            return PinOutcome::LockedOut { remaining, audit };
        }
        let known = self.pins.contains_key(&badge.hex());
        // Same work for an unknown badge: the dummy hash.
        let phc = self.pins.get(&badge.hex()).unwrap_or(&self.dummy);
        let matches = PasswordHash::new(phc)
            .map(|h| {
                argon(self.pepper.as_ref())
                    .verify_password(pin.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        let ok = known && check_pin_shape(pin).is_ok() && matches;
        let t = unix(now);
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = if ok {
            st.badges.remove(&r);
            st.global.failures = 0;
            PinOutcome::Accepted
        } else {
            st.global.failures += 1;
            if st.badges.len() >= MAX_TRACKED_BADGES && !st.badges.contains_key(&r) {
                st.badges.retain(|_, b| b.locked_until > t);
            }
            let mut locked = None;
            let mut attempts_left = MAX_FAILURES;
            if st.badges.len() < MAX_TRACKED_BADGES || st.badges.contains_key(&r) {
                let b = st.badges.entry(r).or_default();
                b.failures += 1;
                attempts_left = MAX_FAILURES.saturating_sub(b.failures);
                if b.failures >= MAX_FAILURES {
                    let factor = 1u64 << b.lockouts.min(12);
                    let len = (BASE_LOCKOUT.as_secs() * factor).min(MAX_LOCKOUT.as_secs());
                    b.failures = 0;
                    b.lockouts += 1;
                    b.locked_until = t + len;
                    locked = Some(len);
                }
            }
            if st.global.failures >= GLOBAL_MAX_FAILURES {
                let len = GLOBAL_LOCKOUT.as_secs();
                st.global.failures = 0;
                st.global.lockouts += 1;
                st.global.locked_until = t + len;
                locked = Some(locked.unwrap_or(0).max(len));
                tracing::warn!(
                    seconds = len,
                    "PIN ceiling reached: every badge refused for a while"
                );
            }
            match locked {
                Some(len) => PinOutcome::LockedOut {
                    remaining: Duration::from_secs(len),
                    audit: LockAudit::Started,
                },
                None => PinOutcome::Rejected { attempts_left },
            }
        };
        if let Err(e) = save(&self.path, &*st) {
            tracing::error!(error = %e, "PIN lockout state not saved");
        }
        outcome
    }
}

/// Write `value` as JSON to `path` atomically (temporary file, fsync, rename).
pub(crate) fn save<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pins_hashed_at_another_cost_are_refused() {
        use argon2::PasswordHasher;
        use argon2::password_hash::SaltString;
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let weak = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        )
        .hash_password(b"2468", &salt)
        .unwrap()
        .to_string();
        let e = check_phc(&weak).unwrap_err();
        assert!(e.contains("pin-hash"), "{e}");
        let good = Argon2::default()
            .hash_password(b"2468", &salt)
            .unwrap()
            .to_string();
        assert!(check_phc(&good).is_ok());
    }

    #[test]
    fn a_lockout_never_outlasts_the_longest_one_even_if_the_clock_went_back() {
        let dir = std::env::temp_dir().join(format!("manassa-pins-clock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lockout.json");
        std::fs::write(
            &path,
            format!(
                "{{\"failures\":0,\"lockouts\":1,\"locked_until\":{}}}",
                u64::MAX / 2
            ),
        )
        .unwrap();
        let store = PinStore::open(&HashMap::new(), &path, None).unwrap();
        let left = store.locked_for(&BADGE, SystemTime::now()).unwrap();
        assert!(left <= MAX_LOCKOUT, "{left:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("manassa-pins-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const BADGE: BadgeId = BadgeId {
        version: 0x0F,
        tag: 0x00A1_B2C3,
    };

    #[test]
    fn accepts_the_right_pin_and_locks_out_growing_and_persisted() {
        let d = dir("lock");
        let path = d.join("lockout.json");
        let pins = HashMap::from([(
            BADGE.hex().to_lowercase(),
            hash_pin("246813", None).unwrap(),
        )]);
        let store = PinStore::open(&pins, &path, None).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(store.verify(&BADGE, "246813", t0), PinOutcome::Accepted);
        for left in (1..MAX_FAILURES).rev() {
            assert_eq!(
                store.verify(&BADGE, "111111", t0),
                PinOutcome::Rejected {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            store.verify(&BADGE, "111111", t0),
            PinOutcome::LockedOut {
                remaining: BASE_LOCKOUT,
                audit: LockAudit::Started,
            }
        );
        // Even the right PIN is refused while locked, and after a "restart".
        let store = PinStore::open(&pins, &path, None).unwrap();
        assert!(matches!(
            store.verify(&BADGE, "246813", t0 + Duration::from_secs(30)),
            PinOutcome::LockedOut { remaining, .. } if remaining == Duration::from_secs(30)
        ));
        // After it: five more failures lock for twice as long.
        let t1 = t0 + BASE_LOCKOUT;
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&BADGE, "000000", t1);
        }
        assert_eq!(
            store.verify(&BADGE, "000000", t1),
            PinOutcome::LockedOut {
                remaining: BASE_LOCKOUT * 2,
                audit: LockAudit::Started,
            }
        );
        let t2 = t1 + BASE_LOCKOUT * 2;
        assert_eq!(store.verify(&BADGE, "246813", t2), PinOutcome::Accepted);
        assert_eq!(store.badge_state(&BADGE), LockState::default());
        assert_eq!(store.state().failures, 0);
        // The file never holds the badge id.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&BADGE.hex()), "{text}");
        let _ = std::fs::remove_dir_all(d);
    }

    const OTHER: BadgeId = BadgeId {
        version: 0x0F,
        tag: 0x00D4_E5F6,
    };

    fn audit(o: PinOutcome) -> LockAudit {
        match o {
            PinOutcome::LockedOut { audit, .. } => audit,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn a_strangers_tag_locks_out_only_itself() {
        let d = dir("stranger");
        let path = d.join("lockout.json");
        let pins = HashMap::from([(OTHER.hex(), hash_pin("135792", None).unwrap())]);
        let store = PinStore::open(&pins, &path, None).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&BADGE, "111111", t0);
        }
        assert_eq!(
            audit(store.verify(&BADGE, "111111", t0)),
            LockAudit::Started
        );
        // The technician's own badge still works.
        assert_eq!(
            store.verify(&OTHER, "135792", t0 + Duration::from_secs(1)),
            PinOutcome::Accepted
        );
        assert!(store.locked_for(&BADGE, t0).is_some());
        assert!(store.locked_for(&OTHER, t0).is_none());
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn many_tags_reach_the_kiosk_wide_ceiling() {
        let d = dir("ceiling");
        let path = d.join("lockout.json");
        let pins = HashMap::from([(OTHER.hex(), hash_pin("135792", None).unwrap())]);
        let store = PinStore::open(&pins, &path, None).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let id = |i: u32| BadgeId {
            version: 0x0E,
            tag: i,
        };
        for i in 0..GLOBAL_MAX_FAILURES - 1 {
            assert!(matches!(
                store.verify(&id(i), "111111", t0),
                PinOutcome::Rejected { .. }
            ));
        }
        assert_eq!(
            store.verify(&id(999), "111111", t0),
            PinOutcome::LockedOut {
                remaining: GLOBAL_LOCKOUT,
                audit: LockAudit::Started
            }
        );
        // Now every badge waits, the registered one too, and after a "restart".
        let store = PinStore::open(&pins, &path, None).unwrap();
        assert!(matches!(
            store.verify(&OTHER, "135792", t0 + Duration::from_secs(5)),
            PinOutcome::LockedOut { .. }
        ));
        // Ever new ids: audited up to the cap, then refused quietly.
        let audits = (0..40u32)
            .map(|i| audit(store.verify(&id(1000 + i), "111111", t0 + Duration::from_secs(6))))
            .filter(|a| *a == LockAudit::Refused)
            .count();
        assert_eq!(audits, MAX_REFUSAL_AUDITS - 1, "OTHER was audited already");
        let after = t0 + GLOBAL_LOCKOUT;
        assert_eq!(store.verify(&OTHER, "135792", after), PinOutcome::Accepted);
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn one_refusal_audit_per_badge_and_lockout_period_every_attempt_refused() {
        let d = dir("refusals");
        let path = d.join("lockout.json");
        let pins = HashMap::from([(BADGE.hex(), hash_pin("246813", None).unwrap())]);
        let store = PinStore::open(&pins, &path, None).unwrap();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&BADGE, "111111", t0);
        }
        assert_eq!(
            audit(store.verify(&BADGE, "111111", t0)),
            LockAudit::Started
        );
        // The badge hammers PINs, the right one included: all refused, one audit.
        let t = |s| t0 + Duration::from_secs(s);
        assert_eq!(
            audit(store.verify(&BADGE, "111111", t(1))),
            LockAudit::Refused
        );
        for (i, pin) in ["246813", "111111", "246813", "000000"]
            .into_iter()
            .enumerate()
        {
            assert_eq!(
                audit(store.verify(&BADGE, pin, t(2 + i as u64))),
                LockAudit::Quiet
            );
        }
        // Its next lockout period is a new one.
        let t1 = t0 + BASE_LOCKOUT;
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&BADGE, "000000", t1);
        }
        assert_eq!(
            audit(store.verify(&BADGE, "000000", t1)),
            LockAudit::Started
        );
        assert_eq!(
            audit(store.verify(&BADGE, "246813", t1 + Duration::from_secs(1))),
            LockAudit::Refused
        );
        assert_eq!(
            audit(store.verify(&BADGE, "246813", t1 + Duration::from_secs(2))),
            LockAudit::Quiet
        );
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn the_pepper_is_needed_and_badges_are_referenced_by_a_keyed_hash() {
        let d = dir("pepper");
        let secret = [7u8; 32];
        let phc = hash_pin("246813", Some(&secret)).unwrap();
        let pins = HashMap::from([(BADGE.hex(), phc)]);
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        // Without the secret (a copy of the configuration elsewhere) the PIN does not verify.
        let bare = PinStore::open(&pins, &d.join("a.json"), None).unwrap();
        assert!(matches!(
            bare.verify(&BADGE, "246813", t0),
            PinOutcome::Rejected { .. }
        ));
        let other_secret = PinStore::open(&pins, &d.join("b.json"), Some(&[8u8; 32])).unwrap();
        assert!(matches!(
            other_secret.verify(&BADGE, "246813", t0),
            PinOutcome::Rejected { .. }
        ));
        let store = PinStore::open(&pins, &d.join("c.json"), Some(&secret)).unwrap();
        assert_eq!(store.verify(&BADGE, "246813", t0), PinOutcome::Accepted);

        // References: stable per key, different per badge and per key, never the id.
        let r = store.badge_ref(&BADGE);
        assert_eq!(r.len(), 32);
        assert!(r.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(r, store.badge_ref(&BADGE));
        assert_ne!(r, store.badge_ref(&OTHER));
        assert_ne!(r, other_secret.badge_ref(&BADGE));
        assert!(!r.to_uppercase().contains(&BADGE.hex()));
        // Without a secret the key is random per kiosk but survives a restart.
        let again = PinStore::open(&pins, &d.join("a.json"), None).unwrap();
        assert_eq!(bare.badge_ref(&BADGE), again.badge_ref(&BADGE));
        assert_ne!(bare.badge_ref(&BADGE), r);
        // The state file holds references only.
        store.verify(&BADGE, "000000", t0);
        let text = std::fs::read_to_string(d.join("c.json")).unwrap();
        assert!(text.contains(&r) && !text.contains(&BADGE.hex()), "{text}");
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn unknown_badges_count_as_failures_and_bad_config_is_named() {
        let d = dir("unknown");
        let store = PinStore::open(&HashMap::new(), &d.join("l.json"), None).unwrap();
        let t = SystemTime::now();
        assert_eq!(
            store.verify(&BADGE, "246813", t),
            PinOutcome::Rejected {
                attempts_left: MAX_FAILURES - 1
            }
        );
        let bad = HashMap::from([(
            BADGE.hex(),
            "$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA".to_string(),
        )]);
        let e = PinStore::open(&bad, &d.join("l.json"), None).err().unwrap();
        assert!(e.contains("******B2C3"), "{e}");
        assert!(hash_pin("12", None).is_err());
        // Four or five digits crack offline in minutes: at least six.
        assert!(hash_pin("2468", None).is_err());
        assert!(hash_pin("24681", None).is_err());
        assert!(hash_pin("246813", None).is_ok());
        let _ = std::fs::remove_dir_all(d);
    }
}

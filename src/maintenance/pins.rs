//! Technician PINs: Argon2id (RFC 9106) hashes in PHC string format, keyed by badge id,
//! with a kiosk-wide lockout that survives restarts.
//!
//! Policy: after [`MAX_FAILURES`] wrong PINs in a row (any badge, known or not) the kiosk
//! refuses every PIN for a lockout period that starts at [`BASE_LOCKOUT`] and doubles with
//! each further lockout, up to [`MAX_LOCKOUT`]; a correct PIN resets both. The state
//! (`failures`, `lockouts`, `locked_until` in Unix seconds) is a small JSON file written
//! atomically (temporary file, fsync, rename) after every change, so pulling the power
//! does not reset it. An unreadable state file counts as one lockout in force.
//!
//! Unknown badges are checked against a dummy hash, so the time taken does not tell
//! whether a badge is registered. Badge ids are credentials: the file never holds them.
//!
//! Every attempt during a lockout is refused, but only the first refusal of each badge in
//! a lockout period asks for an audit ([`LockAudit`]), for at most [`MAX_REFUSAL_AUDITS`]
//! badges: a badge hammering PINs (or a reader inventing ids) cannot fill the outbox. Which badges were refused is kept in memory only (the file holds no badge
//! ids), so a restart allows one more refusal audit per badge.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use manassa_devices::badge::BadgeId;
pub use manassa_session::maintenance::{LockAudit, MAX_PIN_LEN, MIN_PIN_LEN, PinOutcome};

/// Wrong PINs in a row that start a lockout.
pub const MAX_FAILURES: u32 = 5;
/// The first lockout's length; each further lockout doubles it.
pub const BASE_LOCKOUT: Duration = Duration::from_secs(60);
/// The longest lockout.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(3600);

/// Hash `pin` with Argon2id (default parameters of the `argon2` crate: m = 19 MiB, t = 2,
/// p = 1) and a random salt; returns the PHC string to put in the configuration.
///
/// # Errors
/// When `pin` is not 4–8 ASCII digits.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    check_pin_shape(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
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

/// Persisted lockout state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Wrong PINs since the last success or lockout.
    pub failures: u32,
    /// Lockouts since the last success (sets the next lockout's length).
    pub lockouts: u32,
    /// Unix seconds until which PINs are refused (0: not locked).
    pub locked_until: u64,
}

/// At most this many badges get a refusal audit per lockout period ([`LockAudit::Refused`]);
/// later ones are refused quietly.
pub const MAX_REFUSAL_AUDITS: usize = 16;

/// The registered PINs and the persisted lockout.
pub struct PinStore {
    pins: HashMap<String, String>,
    path: PathBuf,
    state: Mutex<LockState>,
    dummy: String,
    /// Badges (hex id) refused and audited during the lockout ending at the value (Unix
    /// seconds); memory only, pruned to the lockout in force.
    refused: Mutex<HashMap<String, u64>>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl PinStore {
    /// `pins` maps badge ids (10 hex digits, any case) to Argon2id PHC strings; `path` is
    /// the lockout state file (created on first change; its folder must exist or be
    /// creatable).
    ///
    /// # Errors
    /// A badge id or PHC string that does not parse (the message names the badge's masked
    /// form, never the whole id).
    pub fn open(pins: &HashMap<String, String>, path: &Path) -> Result<PinStore, String> {
        let mut map = HashMap::new();
        for (badge, phc) in pins {
            let id = BadgeId::from_hex(badge)?;
            check_phc(phc).map_err(|e| format!("PIN of badge {}: {e}", id.masked()))?;
            map.insert(id.hex(), phc.clone());
        }
        let state = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                tracing::warn!(path = %path.display(), "PIN lockout state unreadable: locking");
                LockState {
                    failures: 0,
                    lockouts: 1,
                    locked_until: unix(SystemTime::now()) + BASE_LOCKOUT.as_secs(),
                }
            }),
            Err(_) => LockState::default(),
        };
        // A fixed dummy with the same parameters as real hashes (salt "manassa-dummy-salt").
        let dummy = Argon2::default()
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
            refused: Mutex::new(HashMap::new()),
        })
    }

    /// The lockout state as persisted.
    pub fn state(&self) -> LockState {
        *self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Time left of a lockout in force at `now`, if any. Never more than the longest
    /// lockout ([`MAX_LOCKOUT`]): a wall clock that jumped back (a dead RTC battery before
    /// NTP) or a tampered state file cannot lock the technicians out for longer.
    pub fn locked_for(&self, now: SystemTime) -> Option<Duration> {
        let until = self.state().locked_until;
        let now = unix(now);
        (until > now).then(|| Duration::from_secs(until - now).min(MAX_LOCKOUT))
    }

    /// Check `pin` for `badge` at `now`. Slow on purpose (Argon2id, tens of milliseconds
    /// in release builds): call it off the UI thread.
    pub fn verify(&self, badge: &BadgeId, pin: &str, now: SystemTime) -> PinOutcome {
        if let Some(remaining) = self.locked_for(now) {
            let until = self.state().locked_until;
            let mut refused = self.refused.lock().unwrap_or_else(|p| p.into_inner());
            refused.retain(|_, u| *u == until);
            // A reader sending ever new ids would otherwise grow the map and the outbox.
            let audit = if refused.len() >= MAX_REFUSAL_AUDITS || refused.contains_key(&badge.hex())
            {
                LockAudit::Quiet
            } else {
                refused.insert(badge.hex(), until);
                LockAudit::Refused
            };
            return PinOutcome::LockedOut { remaining, audit };
        }
        let phc = self.pins.get(&badge.hex()).unwrap_or(&self.dummy);
        let ok = self.pins.contains_key(&badge.hex())
            && check_pin_shape(pin).is_ok()
            && PasswordHash::new(phc)
                .map(|h| {
                    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
                        .verify_password(pin.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false);
        if !self.pins.contains_key(&badge.hex()) {
            // Same work as a registered badge.
            if let Ok(h) = PasswordHash::new(&self.dummy) {
                let _ = Argon2::default().verify_password(pin.as_bytes(), &h);
            }
        }
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let outcome = if ok {
            *st = LockState::default();
            PinOutcome::Accepted
        } else {
            st.failures += 1;
            if st.failures >= MAX_FAILURES {
                let factor = 1u64 << st.lockouts.min(12);
                let len = (BASE_LOCKOUT.as_secs() * factor).min(MAX_LOCKOUT.as_secs());
                st.failures = 0;
                st.lockouts += 1;
                st.locked_until = unix(now) + len;
                PinOutcome::LockedOut {
                    remaining: Duration::from_secs(len),
                    audit: LockAudit::Started,
                }
            } else {
                PinOutcome::Rejected {
                    attempts_left: MAX_FAILURES - st.failures,
                }
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
        let store = PinStore::open(&HashMap::new(), &path).unwrap();
        let left = store.locked_for(SystemTime::now()).unwrap();
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
        let pins = HashMap::from([(BADGE.hex().to_lowercase(), hash_pin("246813").unwrap())]);
        let store = PinStore::open(&pins, &path).unwrap();
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
        let store = PinStore::open(&pins, &path).unwrap();
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
        assert_eq!(store.state(), LockState::default());
        // The file never holds the badge id.
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&BADGE.hex()), "{text}");
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn one_refusal_audit_per_badge_and_lockout_period_every_attempt_refused() {
        let d = dir("refusals");
        let path = d.join("lockout.json");
        let pins = HashMap::from([(BADGE.hex(), hash_pin("246813").unwrap())]);
        let store = PinStore::open(&pins, &path).unwrap();
        const OTHER: BadgeId = BadgeId {
            version: 0x0F,
            tag: 0x00D4_E5F6,
        };
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&BADGE, "111111", t0);
        }
        let audit = |o: PinOutcome| match o {
            PinOutcome::LockedOut { audit, .. } => audit,
            other => panic!("not refused: {other:?}"),
        };
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
        // Another badge gets its own one.
        assert_eq!(
            audit(store.verify(&OTHER, "246813", t(10))),
            LockAudit::Refused
        );
        assert_eq!(
            audit(store.verify(&OTHER, "246813", t(11))),
            LockAudit::Quiet
        );
        // Ever new ids: audited up to the cap, then refused quietly.
        let audits = (0..40u32)
            .map(|i| {
                let id = BadgeId {
                    version: 0x0E,
                    tag: i,
                };
                audit(store.verify(&id, "246813", t(12)))
            })
            .filter(|a| *a == LockAudit::Refused)
            .count();
        assert_eq!(
            audits,
            MAX_REFUSAL_AUDITS - 2,
            "two badges were audited already"
        );
        // The next lockout period is a new one.
        let t1 = t0 + BASE_LOCKOUT;
        for _ in 0..MAX_FAILURES - 1 {
            store.verify(&OTHER, "0000", t1);
        }
        assert_eq!(audit(store.verify(&OTHER, "0000", t1)), LockAudit::Started);
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
    fn unknown_badges_count_as_failures_and_bad_config_is_named() {
        let d = dir("unknown");
        let store = PinStore::open(&HashMap::new(), &d.join("l.json")).unwrap();
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
        let e = PinStore::open(&bad, &d.join("l.json")).err().unwrap();
        assert!(e.contains("******B2C3"), "{e}");
        assert!(hash_pin("12").is_err());
        // Four or five digits crack offline in minutes: at least six.
        assert!(hash_pin("2468").is_err());
        assert!(hash_pin("24681").is_err());
        assert!(hash_pin("246813").is_ok());
        let _ = std::fs::remove_dir_all(d);
    }
}

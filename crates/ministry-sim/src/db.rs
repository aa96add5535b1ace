//! The server's state: the SQLite schema and its seed data, sessions, and small helpers.

use super::*;

/// The simulator's shared state, behind every handler.
pub struct SimState {
    pub(crate) db: Arc<Mutex<Connection>>,
    pub(crate) kiosk_tokens: Vec<String>,
    pub(crate) admin_token: String,
    pub(crate) demo_sms: bool,
    pub(crate) challenge_limits: ChallengeLimits,
    pub(crate) faults: faults::FaultState,
    /// The active seal signing key, cached from the database.
    pub(crate) signing: RwLock<(String, SigningKey)>,
    /// The HMAC key of holder references in seals.
    pub(crate) holder_secret: Vec<u8>,
    /// Idempotency keys of outbox batches being processed.
    pub(crate) in_flight: Mutex<HashSet<Uuid>>,
}

pub(crate) type AppState = SimState;

pub(crate) fn lock(db: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    // A panic while holding the lock leaves no half-done transaction behind (rusqlite
    // rolls back on drop), so the connection is still usable.
    db.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimState {
    /// The seal signing key in force: its key id (as published by `GET /v1/keys` and put
    /// in the seal's COSE protected header) and the P-256 private key (ES256). Changes
    /// on rotation; generated on first start and kept in the simulator's database.
    pub fn signing_key(&self) -> (String, SigningKey) {
        self.signing
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) async fn open(cfg: &SimConfig) -> anyhow::Result<Arc<AppState>> {
        let path = cfg.db_path.clone();
        let (conn, signing, holder_secret) = tokio::task::spawn_blocking(move || {
            let mut conn = open_db(path)?;
            let signing = keys::active_or_create(&mut conn)?;
            let holder_secret = keys::holder_secret_or_create(&conn)?;
            anyhow::Ok((conn, signing, holder_secret))
        })
        .await
        .context("opening the simulator database")??;
        if let Some(plan) = &cfg.faults {
            plan.validate()?;
        }
        let faults = faults::FaultState::default();
        faults.set(cfg.faults.clone());
        Ok(Arc::new(AppState {
            db: Arc::new(Mutex::new(conn)),
            kiosk_tokens: cfg.kiosk_tokens.clone(),
            admin_token: cfg.admin_token.clone(),
            demo_sms: cfg.demo_sms,
            challenge_limits: cfg.challenge_limits,
            faults,
            signing: RwLock::new(signing),
            holder_secret,
            in_flight: Mutex::new(HashSet::new()),
        }))
    }

    /// Runs `f` on the connection on the blocking pool.
    pub(crate) async fn with_db<T, F>(&self, f: F) -> Result<T, ApiFail>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, ApiFail> + Send + 'static,
    {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&mut lock(&db)))
            .await
            .map_err(|_| ApiFail(Problem::new(ProblemCode::Internal)))?
    }

    pub(crate) async fn rotate_keys(&self) -> Result<VerificationKey, ApiFail> {
        let (kid, key) = self.with_db(|conn| Ok(keys::rotate(conn)?)).await?;
        *self.signing.write().unwrap_or_else(PoisonError::into_inner) = (kid.clone(), key.clone());
        tracing::info!(kid, "seal signing key rotated");
        let published = self.with_db(|conn| Ok(keys::published(conn)?)).await?;
        published
            .into_iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| ApiFail(Problem::new(ProblemCode::Internal)))
    }

    pub(crate) fn kiosk_known(&self, headers: &HeaderMap) -> bool {
        bearer(headers).is_some_and(|t| {
            self.kiosk_tokens
                .iter()
                .any(|k| ct_eq(k.as_bytes(), t.as_bytes()))
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
}

pub(crate) fn open_db(path: Option<PathBuf>) -> anyhow::Result<Connection> {
    let mut conn = match &path {
        Some(p) => {
            let conn = Connection::open(p)
                .with_context(|| format!("opening simulator database {}", p.display()))?;
            // WAL + FULL: a committed event survives power loss (DESIGN §5).
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            conn
        }
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch(SCHEMA)?;
    conn.execute_batch(keys::SCHEMA)?;
    migrate(&conn)?;
    seed(&mut conn)?;
    Ok(conn)
}

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS residents (
    qid TEXT PRIMARY KEY,
    name_ar TEXT NOT NULL,
    name_en TEXT NOT NULL,
    phone TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    qid TEXT NOT NULL REFERENCES residents(qid),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    title_ar TEXT NOT NULL,
    title_en TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'valid'   -- valid | revoked
);
CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY,
    qid TEXT NOT NULL,
    code TEXT NOT NULL,
    expires_at INTEGER NOT NULL,   -- unix ms
    attempts_left INTEGER NOT NULL,
    state TEXT NOT NULL            -- open | used | dead (3 wrong codes) | superseded
);
CREATE TABLE IF NOT EXISTS challenge_log (
    qid TEXT NOT NULL,
    kiosk TEXT NOT NULL,           -- SHA-256 of the kiosk's token, hex
    at INTEGER NOT NULL            -- unix ms
);
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY,
    qid TEXT NOT NULL,
    expires_at INTEGER NOT NULL    -- unix ms
);
CREATE TABLE IF NOT EXISTS health_reports (
    kiosk_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    idempotency_key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
";

/// Brings a database made by an older build up to the current schema.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_status = conn
        .prepare("SELECT 1 FROM pragma_table_info('documents') WHERE name = 'status'")?
        .exists([])?;
    if !has_status {
        conn.execute_batch(
            "ALTER TABLE documents ADD COLUMN status TEXT NOT NULL DEFAULT 'valid'",
        )?;
    }
    Ok(())
}

pub(crate) struct SeedDoc {
    pub(crate) id: &'static str,
    pub(crate) kind: DocumentKind,
    pub(crate) number: &'static str,
    pub(crate) issued_on: &'static str,
    pub(crate) payload: Value,
    pub(crate) revoked: bool,
}

/// Demo residents and documents. Idempotent: re-running refreshes the same rows.
pub(crate) fn seed(conn: &mut Connection) -> rusqlite::Result<()> {
    const QID_A: &str = "28463400123";
    const NAME_A_AR: &str = "محمد عبدالله الكواري";
    const NAME_A_EN: &str = "Mohammed Abdullah Al-Kuwari";
    let residents = [
        (QID_A, NAME_A_AR, NAME_A_EN, "+97455123456", false),
        (
            "29035600017",
            "فاطمة سالم المري",
            "Fatima Salem Al-Marri",
            "+97466987017",
            false,
        ),
        (
            "28163400044",
            "خالد حمد النعيمي",
            "Khalid Hamad Al-Naimi",
            "+97433555044",
            true,
        ),
    ];
    let docs = [
        SeedDoc {
            id: "doc-bp-004512",
            kind: DocumentKind::BuildingPermit,
            number: "BP-2026-004512",
            issued_on: "2026-03-15",
            payload: json!({
                "permit_no": "BP-2026-004512",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "building_use_ar": "سكني خاص",
                "building_use_en": "Private residential",
                "floors": 2,
                "built_area_m2": 412.5,
                "consultant": "Arab Engineering Bureau",
                "contractor": "Al Jaber Contracting",
                "issued_on": "2026-03-15",
                "expires_on": "2028-03-14"
            }),
            revoked: false,
        },
        SeedDoc {
            id: "doc-cc-000871",
            kind: DocumentKind::CompletionCertificate,
            number: "CC-2026-000871",
            issued_on: "2026-09-20",
            payload: json!({
                "certificate_no": "CC-2026-000871",
                "permit_no": "BP-2026-004512",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "completed_on": "2026-09-01",
                "issued_on": "2026-09-20"
            }),
            revoked: false,
        },
        SeedDoc {
            id: "doc-ss-2026-10",
            kind: DocumentKind::SalaryStatement,
            number: "SS-2026-10-7731",
            issued_on: "2026-11-02",
            payload: json!({
                "statement_no": "SS-2026-10-7731",
                "employee_name_ar": NAME_A_AR,
                "employee_name_en": NAME_A_EN,
                "employee_qid": QID_A,
                "employee_no": "MM-7731",
                "employer_ar": "وزارة البلدية",
                "employer_en": "Ministry of Municipality",
                "period": "2026-10",
                "basic_salary": "18000.00",
                "allowances": [
                    {"name_ar": "بدل سكن", "name_en": "Housing allowance", "amount": "6000.00"},
                    {"name_ar": "بدل مواصلات", "name_en": "Transport allowance", "amount": "1500.00"}
                ],
                "deductions": "900.00",
                "net": "24600.00",
                "currency": "QAR",
                "issued_on": "2026-11-02"
            }),
            revoked: false,
        },
        // Superseded by BP-2026-004512: revoked, so not listed or issued, but its seal
        // status answers "revoked" (papers printed from it are still in circulation).
        SeedDoc {
            id: "doc-bp-003990",
            kind: DocumentKind::BuildingPermit,
            number: "BP-2025-003990",
            issued_on: "2025-06-10",
            payload: json!({
                "permit_no": "BP-2025-003990",
                "owner_name_ar": NAME_A_AR,
                "owner_name_en": NAME_A_EN,
                "owner_qid": QID_A,
                "plot_no": "69/1234",
                "zone": "Al Waab (55)",
                "municipality_ar": "بلدية الدوحة",
                "municipality_en": "Doha Municipality",
                "building_use_ar": "سكني خاص",
                "building_use_en": "Private residential",
                "floors": 1,
                "built_area_m2": 280.0,
                "consultant": "Arab Engineering Bureau",
                "contractor": "Al Jaber Contracting",
                "issued_on": "2025-06-10",
                "expires_on": "2027-06-09"
            }),
            revoked: true,
        },
    ];

    let tx = conn.transaction()?;
    for (qid, name_ar, name_en, phone, locked) in residents {
        tx.execute(
            "INSERT OR REPLACE INTO residents (qid, name_ar, name_en, phone, locked)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![qid, name_ar, name_en, phone, locked],
        )?;
    }
    for d in docs {
        let (title_ar, title_en) = titles(d.kind);
        tx.execute(
            "INSERT OR REPLACE INTO documents
                 (id, qid, kind, number, title_ar, title_en, issued_on, payload, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                d.id,
                QID_A,
                d.kind.as_str(),
                d.number,
                title_ar,
                title_en,
                d.issued_on,
                d.payload.to_string(),
                if d.revoked { "revoked" } else { "valid" }
            ],
        )?;
    }
    tx.commit()
}

pub(crate) fn titles(kind: DocumentKind) -> (&'static str, &'static str) {
    match kind {
        DocumentKind::BuildingPermit => ("رخصة بناء", "Building permit"),
        DocumentKind::CompletionCertificate => {
            ("شهادة إتمام بناء", "Building completion certificate")
        }
        DocumentKind::SalaryStatement => ("كشف راتب", "Salary statement"),
    }
}

/// `+97455123456` → `+974 ••••• 456`: the country code and the last 3 digits stay.
pub(crate) fn mask_phone(phone: &str) -> String {
    let (prefix, rest) = match phone.strip_prefix("+974") {
        Some(rest) => ("+974 ", rest),
        None => ("", phone),
    };
    let digits: Vec<char> = rest.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(3);
    let hidden = "•".repeat(digits.len() - keep);
    let tail: String = digits[digits.len() - keep..].iter().collect();
    format!("{prefix}{hidden} {tail}")
}

pub(crate) fn now_ms() -> i64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    i64::try_from(ms).unwrap_or(i64::MAX)
}

pub(crate) fn ttl_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Shape check of an RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` with
/// field ranges (no calendar check of the day within the month).
pub(crate) fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>, max: u32| {
        b.get(r.clone())
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && s[r].parse::<u32>().is_ok_and(|n| n <= max)
    };
    if b.len() < 20
        || !(num(0..4, 9999) && b[4] == b'-' && num(5..7, 12) && b[7] == b'-')
        || !(num(8..10, 31) && matches!(b[10], b'T' | b't'))
        || !(num(11..13, 23) && b[13] == b':' && num(14..16, 59) && b[16] == b':')
        || !num(17..19, 60)
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        i += 1 + digits;
    }
    match &b[i..] {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] => {
            b.len() == i + 6 && num(i + 1..i + 3, 23) && b[i + 3] == b':' && num(i + 4..i + 6, 59)
        }
        _ => false,
    }
}

/// Equality in time independent of where the inputs differ (codes, tokens).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut rng = rand::rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

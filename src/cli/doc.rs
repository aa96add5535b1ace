//! `manassa doc …`: render a paper to PDF, and check a paper's Tawkeed seal the way the
//! kiosk's verify screen does (same keys, same verdicts: DESIGN §4).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::cli::outbox::load_config;
use crate::tawkeed::{self, KeyStore};
use manassa_documents::{self as documents, pdf};
use manassa_ministry_api::DocumentKind;
use manassa_session::VerdictStatus;

/// Arguments of `manassa doc`.
#[derive(Debug, clap::Args)]
pub struct DocArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DocAction,
}

/// `manassa doc` actions.
#[derive(Debug, clap::Subcommand)]
pub enum DocAction {
    /// Render a paper (a SignedDocument as the API returns it, or a bare payload) to an A4
    /// PDF; a sealed document gets its QR.
    Render {
        /// JSON payload file.
        #[arg(long)]
        data: PathBuf,
        /// Output PDF.
        #[arg(long)]
        out: PathBuf,
        /// Also write a PNG preview of page 1 (150 dpi).
        #[arg(long)]
        png: Option<PathBuf>,
        /// Kiosk configuration file, for the verifier URL in the QR.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Check a paper's seal: the signature offline with the kept keys (refreshed when
    /// stale or the key is unknown), then the ministry's revocation status.
    ///
    /// Exit status: 0 genuine, 10 genuine_unchecked (revocation not confirmed), 11
    /// revoked, 12 altered, 13 unverifiable (no key and no ministry: cannot check now),
    /// 14 not_a_seal; 1 when the input cannot be read or holds no QR code; 2 on bad
    /// arguments.
    #[command(group(clap::ArgGroup::new("input").required(true).args(["seal", "image", "paper"])))]
    Verify {
        /// The QR's text: a seal (`MNS2:…`) or the verifier URL that holds one.
        #[arg(long)]
        seal: Option<String>,
        /// A picture of the paper (PNG) or the paper as a PDF (its pages are rendered with
        /// poppler's pdftoppm at 300 dpi); the QR code is decoded from it.
        #[arg(long)]
        image: Option<PathBuf>,
        /// A digital copy (a PDF the kiosk wrote): its seal, and also whether its printed
        /// fields hash to the sealed digest and all show in its visible text (poppler's
        /// pdftotext); a copy that fails is `altered`.
        #[arg(long)]
        paper: Option<PathBuf>,
        /// Kiosk configuration file: the ministry and where the keys are kept (default
        /// /etc/manassa/manassa.toml when present, else the built-in defaults).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print `{"verdict", "facts", "kid", "checked_online", ...}` as JSON.
        #[arg(long)]
        json: bool,
        /// Language of the human-readable output: ar or en.
        #[arg(long, default_value = "en")]
        lang: String,
    },
}

/// The exit status of a verdict (see `manassa doc verify --help`).
pub fn exit_code(status: VerdictStatus) -> i32 {
    match status {
        VerdictStatus::Genuine => 0,
        VerdictStatus::GenuineUnchecked => 10,
        VerdictStatus::Revoked => 11,
        VerdictStatus::Altered => 12,
        VerdictStatus::Unverifiable => 13,
        VerdictStatus::NotASeal => 14,
    }
}

/// Runs `manassa doc …`; returns the process exit status.
///
/// Errors: unreadable files, bad JSON, a paper that cannot be rendered, no QR code found.
pub fn run_cli(args: DocArgs) -> anyhow::Result<i32> {
    match args.action {
        DocAction::Render {
            data,
            out,
            png,
            config,
        } => {
            let cfg = load_config(config.as_deref())?;
            render(&data, &out, png.as_deref(), &cfg.ministry.verifier_url)?;
            Ok(0)
        }
        DocAction::Verify {
            seal,
            image,
            paper,
            config,
            json,
            lang,
        } => {
            let lang = manassa_i18n::Lang::parse(&lang)
                .with_context(|| format!("--lang {lang:?}: use ar or en"))?;
            let text = match (seal, image.as_ref().or(paper.as_ref())) {
                (Some(s), _) => s,
                (None, Some(path)) => qr_from_file(path)?,
                (None, None) => bail!("give --seal, --image or --paper"),
            };
            let cfg = load_config(config.as_deref())?;
            let client = cfg.api_client()?;
            let store = KeyStore::open(
                cfg.keys_path(),
                Duration::from_secs(cfg.ministry.keys_refresh_s),
            );
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let mut checked = rt.block_on(tawkeed::check_scanned(&client, &store, &text));
            let mut paper_matches = None;
            if let Some(path) = &paper
                && checked.verdict.kind.is_some()
            {
                let ok = paper_matches_seal(path, &text, &store)?;
                paper_matches = Some(ok);
                if !ok {
                    checked.verdict = manassa_session::Verdict {
                        status: VerdictStatus::Altered,
                        ..Default::default()
                    };
                }
            }
            let mut out = std::io::stdout().lock();
            if json {
                let mut v = verdict_json(&checked);
                if let Some(ok) = paper_matches {
                    v["paper_matches_seal"] = ok.into();
                }
                writeln!(out, "{v}")?;
            } else {
                let t = manassa_session::texts::verdict_texts(lang, &checked.verdict);
                writeln!(out, "{}: {}", checked.verdict.status.as_str(), t.title)?;
                writeln!(out, "{}", t.advice)?;
                for (label, value) in t.facts {
                    writeln!(out, "  {label}: {}", value.replace('\u{200E}', ""))?;
                }
            }
            Ok(exit_code(checked.verdict.status))
        }
    }
}

/// The JSON of a check: `verdict` (wire name), `facts` (fact name → value, plus `kind`,
/// `number`, `issued_on` when the seal verified), `kid` (or null), `checked_online`, and
/// `not_confirmed` (the ministry answered without a status).
pub fn verdict_json(c: &tawkeed::Checked) -> serde_json::Value {
    let v = &c.verdict;
    let mut facts = serde_json::Map::new();
    if let Some(kind) = v.kind {
        facts.insert("kind".into(), kind.as_str().into());
        facts.insert("number".into(), v.number.clone().into());
        facts.insert("issued_on".into(), v.issued_on.clone().into());
    }
    for (name, value) in &v.facts {
        facts.insert(name.clone(), value.clone().into());
    }
    serde_json::json!({
        "verdict": v.status.as_str(),
        "facts": facts,
        "kid": c.kid,
        "checked_online": c.checked_online,
        "not_confirmed": v.not_confirmed,
    })
}

/// Whether a digital copy is what its seal sealed: the printed fields it carries hash to
/// the seal's digest, and every word of them shows in its visible text as often as the
/// fields hold it (a changed value loses a word the fields still hold).
///
/// Errors: the file cannot be read, or pdftotext cannot run.
fn paper_matches_seal(path: &Path, seal_text: &str, store: &KeyStore) -> anyhow::Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let Some(fields) = pdf::printed_fields(&bytes) else {
        return Ok(false);
    };
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let keys = store.current().unwrap_or_default();
    if documents::seal::verify_document(seal_text, &keys, &pairs).is_err() {
        return Ok(false);
    }
    let out = std::process::Command::new("pdftotext")
        .arg(path)
        .arg("-")
        .output()
        .context("pdftotext (poppler-utils) is needed to read a PDF's text")?;
    if !out.status.success() {
        bail!("pdftotext could not read {}", path.display());
    }
    // Without the bidi marks poppler and the writer put around direction runs.
    let visible: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202E}' | '\u{200E}' | '\u{200F}'))
        .collect();
    Ok(text_shows_fields(&visible, &fields))
}

/// Whether every printed value shows in `visible` (pdftotext's output) as often as the
/// fields hold it. A value of two lines (Arabic and English) or of table cells (`a | b |
/// c`) counts per part. A one-word part must be a line of its own (a changed "2" is not
/// excused by the "2" of "Page 1 of 2"); a part of several words, which may wrap and be
/// extracted out of order, must be a line, consecutive lines, or have each word present.
fn text_shows_fields(visible: &str, fields: &[(String, String)]) -> bool {
    use std::collections::BTreeMap;
    let lines: Vec<&str> = visible
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut tokens: BTreeMap<&str, usize> = BTreeMap::new();
    for w in visible.split_whitespace() {
        *tokens.entry(w).or_default() += 1;
    }
    let mut need: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, v) in fields {
        for part in v
            .split(['\n', '|'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            *need.entry(part).or_default() += 1;
        }
    }
    let mut words: BTreeMap<&str, usize> = BTreeMap::new();
    for (part, n) in &need {
        let as_lines = (0..lines.len())
            .filter(|&i| {
                let mut joined = String::new();
                lines[i..lines.len().min(i + 4)].iter().any(|l| {
                    if !joined.is_empty() {
                        joined.push(' ');
                    }
                    joined.push_str(l);
                    joined == *part
                })
            })
            .count();
        if as_lines >= *n {
            continue;
        }
        if !part.contains(char::is_whitespace) {
            return false;
        }
        for w in part.split_whitespace() {
            *words.entry(w).or_default() += n;
        }
    }
    words
        .iter()
        .all(|(w, n)| tokens.get(w).copied().unwrap_or(0) >= *n)
}

/// The text of the first QR code found in a PNG, or on any page of a PDF.
///
/// Errors: the file cannot be read or rendered, or holds no readable QR code.
pub fn qr_from_file(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let pages: Vec<tiny_skia::Pixmap> = if bytes.starts_with(b"%PDF") {
        pdf_pages(path)?
    } else {
        vec![
            tiny_skia::Pixmap::decode_png(&bytes)
                .with_context(|| format!("{} is neither a PNG nor a PDF", path.display()))?,
        ]
    };
    pages
        .iter()
        .find_map(decode_qr)
        .with_context(|| format!("no readable QR code in {}", path.display()))
}

/// Each page of a PDF at 300 dpi, through poppler's `pdftoppm`.
fn pdf_pages(path: &Path) -> anyhow::Result<Vec<tiny_skia::Pixmap>> {
    let dir = std::env::temp_dir().join(format!("manassa-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let prefix = dir.join("page");
    let status = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-png"])
        .arg(path)
        .arg(&prefix)
        .status()
        .context("pdftoppm (poppler-utils) is needed to read a PDF")?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        bail!("pdftoppm could not render {}", path.display());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let pages = files
        .iter()
        .filter_map(|f| tiny_skia::Pixmap::load_png(f).ok())
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(pages)
}

/// The first QR code rqrr finds in a page.
fn decode_qr(page: &tiny_skia::Pixmap) -> Option<String> {
    let (w, h) = (page.width() as usize, page.height() as usize);
    let px = page.pixels();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let c = px[y * w + x].demultiply();
        ((c.red() as u32 + c.green() as u32 + c.blue() as u32) / 3) as u8
    });
    img.detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
}

/// `manassa doc render`.
fn render(data: &Path, out: &Path, png: Option<&Path>, verifier_url: &str) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(data).with_context(|| format!("cannot read {}", data.display()))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", data.display()))?;
    // Either a whole SignedDocument as the API returns it, or a bare payload.
    let (kind, payload, seal) = match value.get("payload") {
        Some(p) => (
            serde_json::from_value::<DocumentKind>(value["kind"].clone())
                .context("`kind` is missing or unknown")?,
            p,
            value.get("seal").and_then(|s| s.as_str()),
        ),
        None => (
            documents::infer_kind(&value).context(
                "cannot tell the document kind: no permit_no, certificate_no or statement_no",
            )?,
            &value,
            None,
        ),
    };
    let qr = seal
        .map(|s| documents::seal::qr_symbol(&documents::seal::qr_text(verifier_url, s)))
        .transpose()
        .context("the seal does not fit a readable QR code")?;
    let paper = documents::render(kind, payload, qr.as_ref())?;
    std::fs::write(out, pdf::write(&paper)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    if let Some(png) = png {
        let page =
            documents::render_page(&paper, 0, 150.0).context("page 1 could not be rendered")?;
        page.save_png(png)
            .with_context(|| format!("cannot write {}", png.display()))?;
    }
    Ok(())
}

//! The three official papers as real PDFs: every field extracts in logical order with
//! poppler's `pdftotext`, the file passes `qpdf --check`, and the QR seal printed on the
//! rendered page decodes (rqrr) to a seal that verifies; tampered seals do not.

use std::path::PathBuf;
use std::process::Command;

use manassa_core::kind::DocumentKind;
use manassa_documents::kinds::{self, Content};
use manassa_documents::{self, layout, pdf, render_page, seal};
use p256::ecdsa::SigningKey;

fn sample(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../docs/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A folder of this test's own (tests run in parallel).
fn out_dir(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manassa-papers-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn tool(name: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} must be installed (scripts/test.sh installs it): {e}"))
}

fn key() -> SigningKey {
    SigningKey::from_slice(&[42u8; 32]).unwrap()
}

fn keys() -> seal::KeySet {
    seal::KeySet::from_json(
        &serde_json::json!({"keys": [seal::public_jwk("test-1", &key(), None, None)]}),
    )
    .unwrap()
}

const HOLDER_SECRET: &[u8] = b"test-holder-secret";
const VERIFIER: &str = "https://tawkeed.example/verify";

/// The QR text of a fresh v2 seal on `content`: the verifier URL with the seal.
fn sealed(content: &Content, id: &str) -> String {
    let seal = seal::sign(
        &seal::claims_for(id, content, HOLDER_SECRET),
        "test-1",
        &key(),
    );
    seal::qr_text(VERIFIER, &seal)
}

fn qr(text: &str) -> seal::QrSymbol {
    seal::qr_symbol(text).unwrap()
}

fn fetched<'a>(id: &'a str, content: &Content) -> seal::Fetched<'a> {
    let holder = seal::holder_ref(HOLDER_SECRET, &content.holder_qid);
    seal::Fetched {
        document_id: id,
        holder_ref: Some(Box::leak(holder.into_boxed_str())),
    }
}

/// Decode every QR code on a rendered page.
fn decode_qr(png: &tiny_skia::Pixmap) -> Vec<String> {
    let (w, h) = (png.width() as usize, png.height() as usize);
    let px = png.pixels();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let c = px[y * w + x].demultiply();
        ((c.red() as u32 + c.green() as u32 + c.blue() as u32) / 3) as u8
    });
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

fn check_kind(kind: DocumentKind, sample_name: &str, id: &str) {
    let payload = sample(sample_name);
    let content = kinds::content(kind, &payload).unwrap();
    let seal_text = sealed(&content, id);
    let paper = layout::paper(&content, Some(&qr(&seal_text)));
    let bytes = pdf::write(&paper).unwrap();
    let dir = out_dir(sample_name);
    let path = dir.join(format!("{sample_name}.pdf"));
    std::fs::write(&path, &bytes).unwrap();
    // Keep a copy to look at (pdftoppm, pdftotext) when asked: PAPERS_PDF_OUT=/some/dir
    if let Some(keep) = std::env::var_os("PAPERS_PDF_OUT") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::copy(&path, keep.join(format!("{sample_name}.pdf"))).unwrap();
    }

    let check = tool("qpdf", &["--check".as_ref(), path.as_os_str()]);
    assert!(
        check.status.success(),
        "qpdf --check: {}",
        String::from_utf8_lossy(&check.stdout)
    );

    let text = tool("pdftotext", &[path.as_os_str(), "-".as_ref()]);
    // Without the bidi format characters: poppler's own RLE/LRE/PDF around direction runs
    // and the writer's invisible LRM/RLM (see documents::pdf).
    let text: String = String::from_utf8(text.stdout)
        .unwrap()
        .chars()
        .filter(|c| !matches!(c, '\u{202A}'..='\u{202C}' | '\u{200E}' | '\u{200F}'))
        .collect();
    for f in &content.fields {
        for line in f.value.lines() {
            // A long value wraps onto several printed lines: then each word must be there.
            let found = text.contains(line) || line.split(' ').all(|w| text.contains(w));
            assert!(
                found,
                "{sample_name}: field {} value {line:?} not in extracted text:\n{text}",
                f.key
            );
        }
    }
    // Each Arabic line comes back exactly, "(n)" at its logical end (tests/documents/text.rs);
    // an English label may wrap in its narrow column, so its words are looked up one by one.
    let words_present = |s: &str| s.split(' ').all(|w| text.contains(w));
    for (ar, en, amount) in &content.lines {
        assert!(
            text.contains(ar.as_str()) && words_present(en) && text.contains(amount.as_str()),
            "line {en}"
        );
    }

    // The seal printed on the last page decodes and verifies against the printed fields.
    let last = paper.pages.len() - 1;
    let png = render_page(&paper, last, 300.0).unwrap();
    let found = decode_qr(&png);
    assert_eq!(
        found,
        vec![seal_text.clone()],
        "{sample_name}: one QR with the seal"
    );
    let claims = seal::verify_content(&found[0], &keys(), fetched(id, &content), &content).unwrap();
    assert_eq!(claims.number, content.number);
    assert_eq!(claims.facts, content.facts);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn building_permit_renders_extracts_and_verifies() {
    check_kind(
        DocumentKind::BuildingPermit,
        "building-permit",
        "doc-bp-004512",
    );
}

#[test]
fn completion_certificate_renders_extracts_and_verifies() {
    check_kind(
        DocumentKind::CompletionCertificate,
        "completion-certificate",
        "doc-cc-000871",
    );
}

#[test]
fn salary_statement_with_forty_lines_spans_pages() {
    let content =
        kinds::content(DocumentKind::SalaryStatement, &sample("salary-statement")).unwrap();
    let paper = layout::paper(&content, Some(&qr(&sealed(&content, "doc-ss-2026-10"))));
    assert!(
        paper.pages.len() >= 2,
        "40 allowance lines need a second page"
    );
    check_kind(
        DocumentKind::SalaryStatement,
        "salary-statement",
        "doc-ss-2026-10",
    );
}

#[test]
fn a_tampered_field_no_longer_matches_its_seal() {
    let content = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let seal_text = sealed(&content, "doc-bp-004512");
    let mut altered = sample("building-permit");
    altered["built_area_m2"] = serde_json::json!(512.5);
    let altered = kinds::content(DocumentKind::BuildingPermit, &altered).unwrap();
    assert_eq!(
        seal::verify_content(
            &seal_text,
            &keys(),
            fetched("doc-bp-004512", &altered),
            &altered
        ),
        Err(seal::BindError::Seal(seal::SealError::DigestMismatch))
    );
}

#[test]
fn a_good_seal_of_another_document_or_holder_is_not_printed() {
    let content = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let seal_text = sealed(&content, "doc-bp-004512");
    let ok = fetched("doc-bp-004512", &content);
    assert!(seal::verify_content(&seal_text, &keys(), ok, &content).is_ok());
    // The same seal delivered with another document id.
    assert_eq!(
        seal::verify_content(
            &seal_text,
            &keys(),
            fetched("doc-bp-000001", &content),
            &content
        ),
        Err(seal::BindError::Mismatch("document_id"))
    );
    // Another holder's reference, or none at all.
    let other = seal::Fetched {
        holder_ref: Some("00000000000000000000000000000000"),
        ..ok
    };
    assert_eq!(
        seal::verify_content(&seal_text, &keys(), other, &content),
        Err(seal::BindError::Mismatch("holder_ref"))
    );
    let none = seal::Fetched {
        holder_ref: None,
        ..ok
    };
    assert_eq!(
        seal::verify_content(&seal_text, &keys(), none, &content),
        Err(seal::BindError::Mismatch("holder_ref"))
    );
    // A fact sealed differently from the content (the payload's expiry is not printed
    // differently here, so only the facts tell).
    let mut other_facts = content.clone();
    other_facts.facts[0].1.push('x');
    assert_eq!(
        seal::verify_content(&seal_text, &keys(), ok, &other_facts),
        Err(seal::BindError::Mismatch("facts"))
    );
}

#[test]
fn facts_state_names_masked_qid_and_figures() {
    use seal::Fact;
    let p = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let get = |c: &Content, f: Fact| {
        c.facts
            .iter()
            .find(|(x, _)| *x == f)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get(&p, Fact::QidLast4).as_deref(), Some("0123"));
    for f in [
        Fact::HolderNameAr,
        Fact::HolderNameEn,
        Fact::PlotNo,
        Fact::Zone,
        Fact::Floors,
        Fact::BuiltAreaM2,
        Fact::UseEn,
        Fact::ExpiresOn,
        Fact::MunicipalityAr,
    ] {
        assert!(get(&p, f).is_some_and(|v| !v.is_empty()), "permit {f:?}");
    }
    assert!(
        p.facts.iter().all(|(_, v)| !v.contains("28463400123")),
        "never the whole QID"
    );
    let s = kinds::content(DocumentKind::SalaryStatement, &sample("salary-statement")).unwrap();
    for f in [
        Fact::EmployerAr,
        Fact::EmployerEn,
        Fact::Period,
        Fact::BasicSalary,
        Fact::AllowancesTotal,
        Fact::Deductions,
        Fact::Net,
        Fact::Currency,
    ] {
        assert!(get(&s, f).is_some_and(|v| !v.is_empty()), "salary {f:?}");
    }
    // The allowances' exact sum, from the sample's own lines.
    let payload = sample("salary-statement");
    let milli: u64 = payload["allowances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let (w, f) = a["amount"].as_str().unwrap().split_once('.').unwrap();
            w.parse::<u64>().unwrap() * 100 + f.parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(
        get(&s, Fact::AllowancesTotal).unwrap(),
        format!("{}.{:02}", milli / 100, milli % 100)
    );
    let c = kinds::content(
        DocumentKind::CompletionCertificate,
        &sample("completion-certificate"),
    )
    .unwrap();
    assert!(get(&c, Fact::PermitNo).is_some() && get(&c, Fact::CompletedOn).is_some());
}

#[test]
fn bidi_overrides_in_fields_never_reach_the_paper() {
    let mut v = sample("building-permit");
    v["contractor"] = serde_json::json!("Al Jaber \u{202E}gnitcartnoC\u{202C}");
    let paper = manassa_documents::render(DocumentKind::BuildingPermit, &v, None).unwrap();
    let bytes = pdf::write(&paper).unwrap();
    let dir = out_dir("override");
    let path = dir.join("override.pdf");
    std::fs::write(&path, bytes).unwrap();
    let text =
        String::from_utf8(tool("pdftotext", &[path.as_os_str(), "-".as_ref()]).stdout).unwrap();
    assert!(text.contains("Al Jaber gnitcartnoC"));
    assert!(!text.contains('\u{202E}'));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_same_document_renders_to_the_same_bytes() {
    let content = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let seal_text = sealed(&content, "doc-bp-004512");
    let a = pdf::write(&layout::paper(&content, Some(&qr(&seal_text)))).unwrap();
    let b = pdf::write(&layout::paper(&content, Some(&qr(&seal_text)))).unwrap();
    assert!(
        a == b,
        "PDF output must be deterministic so papers can be compared"
    );
}

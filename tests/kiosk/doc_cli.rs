//! `manassa doc verify`, the real binary against the reference server: each verdict with
//! its documented exit status and JSON, from a seal's text, a PNG and a PDF of the paper,
//! online, offline after the keys were kept, and with no key at all.

use std::path::Path;
use std::process::Command;

use crate::support::{Stack, sample};
use manassa_documents::{kinds, layout, pdf, render_page, seal};
use manassa_ministry_api::DocumentKind;
use manassa_sim::SimConfig;

/// Runs `manassa doc verify ARGS --config CONFIG`; returns (exit status, stdout).
fn verify(config: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_manassa"))
        .args(["doc", "verify", "--config"])
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().expect("exited");
    assert!(
        code != 1 && code != 2,
        "manassa doc verify {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, String::from_utf8(out.stdout).unwrap())
}

fn json(config: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let (code, out) = verify(config, &all);
    (code, serde_json::from_str(&out).unwrap())
}

#[test]
fn doc_verify_gives_each_verdict_its_exit_status() {
    let mut stack = Stack::start("doc-verify", SimConfig::default());
    let config = stack.tmp.join("manassa.toml");
    std::fs::write(
        &config,
        format!(
            "[ministry]\nbase_url = {:?}\nkiosk_token = \"demo-kiosk-token\"\ntimeout_ms = 3000\n\
             [outbox]\npath = {:?}\n",
            stack.sim().base_url(),
            stack.tmp.join("cli-outbox.sqlite")
        ),
    )
    .unwrap();
    let (kid, key) = stack.sim().signing_key();
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let sign = |id: &str| {
        seal::qr_text(
            seal::DEFAULT_VERIFIER_URL,
            &seal::sign(&seal::claims_for(id, &permit, b"x"), &kid, &key),
        )
    };
    let genuine = sign("doc-bp-004512");

    let (code, v) = json(&config, &["--seal", &genuine]);
    assert_eq!(code, 0);
    assert_eq!(v["verdict"], "genuine");
    assert_eq!(v["kid"], kid.as_str());
    assert_eq!(v["checked_online"], true);
    assert_eq!(v["facts"]["number"], "BP-2026-004512");
    assert_eq!(v["facts"]["qid_last4"], "0123");
    assert_eq!(v["facts"]["holder_name_ar"], "محمد عبدالله الكواري");
    assert!(
        stack.tmp.join("seal-keys.json").exists(),
        "keys kept beside the outbox"
    );

    let (code, v) = json(&config, &["--seal", &sign("doc-bp-003990")]);
    assert_eq!((code, v["verdict"].as_str()), (11, Some("revoked")));
    let mut altered = genuine.clone().into_bytes();
    // Not inside a %XX escape of the URL: that would make it not a seal at all.
    let mut i = altered.len() - 25;
    while altered[i - 2..=i].contains(&b'%') {
        i -= 1;
    }
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let (code, v) = json(&config, &["--seal", &String::from_utf8(altered).unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (12, Some("altered")));
    assert_eq!(v["facts"], serde_json::json!({}));
    let (code, v) = json(&config, &["--seal", "https://example.com/"]);
    assert_eq!((code, v["verdict"].as_str()), (14, Some("not_a_seal")));

    // The paper itself: a PNG of its page, and the PDF (pages rendered with pdftoppm).
    let qr = seal::qr_symbol(&genuine).unwrap();
    let paper = layout::paper(&permit, Some(&qr));
    let png = stack.tmp.join("paper.png");
    render_page(&paper, paper.pages.len() - 1, 200.0)
        .unwrap()
        .save_png(&png)
        .unwrap();
    let pdf_path = stack.tmp.join("paper.pdf");
    std::fs::write(&pdf_path, pdf::write(&paper).unwrap()).unwrap();
    for file in [&png, &pdf_path] {
        let (code, v) = json(&config, &["--image", file.to_str().unwrap()]);
        assert_eq!(
            (code, v["verdict"].as_str()),
            (0, Some("genuine")),
            "{file:?}"
        );
    }
    // A digital copy: its fields match the seal and show in its text.
    let (code, v) = json(&config, &["--paper", pdf_path.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("genuine")), "{v}");
    assert_eq!(v["paper_matches_seal"], true);
    // The same for the salary statement, forty lines over two pages.
    let salary =
        kinds::content(DocumentKind::SalaryStatement, &sample("salary-statement")).unwrap();
    let salary_seal = seal::qr_text(
        seal::DEFAULT_VERIFIER_URL,
        &seal::sign(
            &seal::claims_for("doc-ss-2026-10", &salary, b"x"),
            &kid,
            &key,
        ),
    );
    let salary_paper = layout::paper(&salary, Some(&seal::qr_symbol(&salary_seal).unwrap()));
    let salary_pdf = stack.tmp.join("salary.pdf");
    std::fs::write(&salary_pdf, pdf::write(&salary_paper).unwrap()).unwrap();
    let (code, v) = json(&config, &["--paper", salary_pdf.to_str().unwrap()]);
    assert_eq!(
        (code, v["paper_matches_seal"].as_bool()),
        (0, Some(true)),
        "{v}"
    );
    // Floors changed on the page, fields and all: the digest no longer matches.
    let mut payload = sample("building-permit");
    payload["floors"] = serde_json::json!(5);
    let bigger = kinds::content(DocumentKind::BuildingPermit, &payload).unwrap();
    let forged = layout::paper(&bigger, Some(&qr));
    let forged_pdf = stack.tmp.join("forged.pdf");
    std::fs::write(&forged_pdf, pdf::write(&forged).unwrap()).unwrap();
    let (code, v) = json(&config, &["--paper", forged_pdf.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (12, Some("altered")), "{v}");
    assert_eq!(v["paper_matches_seal"], false);
    // Only the visible text changed, the carried fields left as sealed.
    let mut edited = layout::paper(&bigger, Some(&qr));
    edited.printed_fields = permit.printed_fields();
    let edited_pdf = stack.tmp.join("edited.pdf");
    std::fs::write(&edited_pdf, pdf::write(&edited).unwrap()).unwrap();
    let (code, v) = json(&config, &["--paper", edited_pdf.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (12, Some("altered")), "{v}");

    // Human-readable, in Arabic.
    let (code, out) = verify(&config, &["--seal", &genuine, "--lang", "ar"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("genuine: ورقة أصلية"), "{out}");
    assert!(out.contains("BP-2026-004512"), "{out}");

    // The ministry unreachable: the kept keys verify, revocation is not checked.
    stack.stop_server();
    let (code, v) = json(&config, &["--seal", &genuine]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (10, Some("genuine_unchecked"))
    );
    assert_eq!(v["checked_online"], false);
    assert_eq!(v["not_confirmed"], false);
    // And with no key ever fetched: cannot check now, never "altered".
    std::fs::remove_file(stack.tmp.join("seal-keys.json")).unwrap();
    let (code, v) = json(&config, &["--seal", &genuine]);
    assert_eq!((code, v["verdict"].as_str()), (13, Some("unverifiable")));

    // A file that holds no QR code is an error (exit 1), not a verdict.
    let blank = stack.tmp.join("blank.png");
    tiny_skia::Pixmap::new(200, 200)
        .unwrap()
        .save_png(&blank)
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_manassa"))
        .args(["doc", "verify", "--image"])
        .arg(&blank)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no readable QR code"));
}

#[test]
fn the_ministry_ca_can_be_pinned_in_the_configuration() {
    let stack = Stack::start(
        "doc-verify-tls",
        SimConfig {
            tls: true,
            ..SimConfig::default()
        },
    );
    let other = Stack::start(
        "doc-verify-tls-other",
        SimConfig {
            tls: true,
            ..SimConfig::default()
        },
    );
    let write_config = |name: &str, pem: &str| {
        let ca = stack.tmp.join(format!("{name}.pem"));
        std::fs::write(&ca, pem).unwrap();
        let config = stack.tmp.join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[ministry]\nbase_url = {:?}\nkiosk_token = \"demo-kiosk-token\"\nca_pem = {:?}\n\
                 keys_path = {:?}\n[outbox]\npath = {:?}\n",
                stack.sim().base_url(),
                ca,
                stack.tmp.join(format!("{name}-keys.json")),
                stack.tmp.join("tls-outbox.sqlite")
            ),
        )
        .unwrap();
        config
    };
    let (kid, key) = stack.sim().signing_key();
    let permit = kinds::content(DocumentKind::BuildingPermit, &sample("building-permit")).unwrap();
    let genuine = seal::sign(
        &seal::claims_for("doc-bp-004512", &permit, b"x"),
        &kid,
        &key,
    );

    // Pinned to the server's own CA: the keys come over TLS and the paper is genuine.
    let pinned = write_config("pinned", stack.sim().ca_pem().unwrap());
    let (code, v) = json(&pinned, &["--seal", &genuine]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("genuine")), "{v}");
    // Pinned to another CA: the server is not trusted, so nothing can be checked now.
    let wrong = write_config("wrong", other.sim().ca_pem().unwrap());
    let (code, v) = json(&wrong, &["--seal", &genuine]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (13, Some("unverifiable")),
        "{v}"
    );
    // Not a certificate: the configuration is refused, naming the key.
    let garbage = write_config("garbage", "not a certificate");
    let out = Command::new(env!("CARGO_BIN_EXE_manassa"))
        .args(["doc", "verify", "--seal", &genuine, "--config"])
        .arg(&garbage)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ministry.ca_pem"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

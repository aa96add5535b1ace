//! The phone verifier page in a real browser: the reference server serves `/verify`;
//! Debian's Chromium, driven by playwright-core (`web/tests/phone.mjs`), opens it with a
//! fake camera fed a video of a rendered paper, or at the URL a paper's QR holds. The page
//! must give the kiosk's verdicts with the sealed facts, in Arabic and English.
//!
//! Needs node, `npm ci` in `web/` and /usr/bin/chromium (scripts/test.sh sets them up);
//! without them it fails saying so.

use std::path::{Path, PathBuf};
use std::process::Command;

use manassa_core::kind::DocumentKind;
use manassa_documents::{kinds, layout, render_page, seal};
use manassa_sim::{FaultPlan, SimConfig, SimHandle};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run the page in Chromium; returns its JSON report.
fn phone(
    url: &str,
    video: Option<&Path>,
    lang: &str,
    offline: bool,
    shot: &str,
) -> serde_json::Value {
    let web = root().join("web");
    assert!(
        web.join("node_modules/playwright-core").exists(),
        "web/node_modules is missing: run `npm ci` in web/ (scripts/test.sh does)"
    );
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: install Debian's chromium (scripts/test.sh does)"
    );
    let mut cmd = Command::new("node");
    cmd.arg(web.join("tests/phone.mjs"))
        .args(["--url", url, "--lang", lang]);
    if let Some(v) = video {
        cmd.arg("--video").arg(v);
    }
    if offline {
        cmd.arg("--offline");
    }
    // PHONE_SCREENSHOTS=dir keeps a picture of each case (docs/phone is made this way).
    if let Some(dir) = std::env::var_os("PHONE_SCREENSHOTS") {
        cmd.arg("--screenshot")
            .arg(PathBuf::from(dir).join(format!("{shot}-{lang}.png")));
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("node must be installed (scripts/test.sh installs it): {e}"));
    assert!(
        out.status.success(),
        "phone.mjs failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("phone.mjs prints JSON")
}

/// A Y4M video (YUV 4:2:0, 640×480, 10 fps, 10 frames) of the QR region of a rendered
/// paper, as Chromium's fake camera plays it.
fn paper_video(qr: &seal::QrSymbol, content: &kinds::Content, file: &Path) {
    let paper = layout::paper(content, Some(qr));
    // About 4 px per module at 640×480 once cropped around the code.
    let dpi = 25.4 * 4.2 * qr.width as f32 / layout::seal_side_mm(qr.width);
    let page = render_page(&paper, paper.pages.len() - 1, dpi).unwrap();
    let (w, h) = (page.width() as usize, page.height() as usize);
    let grey: Vec<u8> = page
        .pixels()
        .iter()
        .map(|p| {
            let c = p.demultiply();
            ((c.red() as u32 + c.green() as u32 + c.blue() as u32) / 3) as u8
        })
        .collect();
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| grey[y * w + x]);
    let grid = img
        .detect_grids()
        .into_iter()
        .next()
        .expect("the paper has a QR code");
    let cx = grid.bounds.iter().map(|p| p.x).sum::<i32>() / 4;
    let cy = grid.bounds.iter().map(|p| p.y).sum::<i32>() / 4;
    let (fw, fh) = (640usize, 480usize);
    let mut y_plane = vec![255u8; fw * fh];
    for fy in 0..fh {
        for fx in 0..fw {
            let sx = cx + fx as i32 - fw as i32 / 2;
            let sy = cy + fy as i32 - fh as i32 / 2;
            if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                y_plane[fy * fw + fx] = grey[sy as usize * w + sx as usize];
            }
        }
    }
    let mut out = format!("YUV4MPEG2 W{fw} H{fh} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..10 {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&y_plane);
        out.extend(std::iter::repeat_n(128u8, fw * fh / 2));
    }
    std::fs::write(file, out).unwrap();
}

struct Rig {
    // Serves the reference server for as long as the rig lives.
    _rt: tokio::runtime::Runtime,
    sim: SimHandle,
    tmp: PathBuf,
    permit: kinds::Content,
}

impl Rig {
    fn start(tag: &str) -> Rig {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt
            .block_on(manassa_sim::spawn(
                SimConfig::default(),
                "127.0.0.1:0".parse().unwrap(),
            ))
            .unwrap();
        let tmp = std::env::temp_dir().join(format!("manassa-phone-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let permit = kinds::content(
            DocumentKind::BuildingPermit,
            &kinds::sample(DocumentKind::BuildingPermit),
        )
        .unwrap();
        Rig {
            _rt: rt,
            sim,
            tmp,
            permit,
        }
    }

    /// A seal on the sample permit for document `id`, by the server's key or `other`.
    fn seal(&self, id: &str, other: Option<(&str, &p256::ecdsa::SigningKey)>) -> String {
        let (kid, key) = self.sim.signing_key();
        let claims = seal::claims_for(id, &self.permit, b"phone-test");
        match other {
            Some((k, key)) => seal::sign(&claims, k, key),
            None => seal::sign(&claims, &kid, &key),
        }
    }

    fn page(&self) -> String {
        format!("{}/verify", self.sim.base_url())
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

#[test]
fn the_camera_reads_a_genuine_paper_in_arabic_and_english() {
    let rig = Rig::start("camera");
    let text = seal::qr_text(&rig.page(), &rig.seal("doc-bp-004512", None));
    let qr = seal::qr_symbol(&text).unwrap();
    let video = rig.tmp.join("paper.y4m");
    paper_video(&qr, &rig.permit, &video);
    for lang in ["ar", "en"] {
        let r = phone(&rig.page(), Some(&video), lang, false, "genuine");
        assert_eq!(r["verdict"], "genuine", "{r}");
        assert_eq!(r["lang"], lang);
        assert_eq!(r["dir"], if lang == "ar" { "rtl" } else { "ltr" });
        let facts = r["facts"].to_string();
        for want in [
            "BP-2026-004512",
            "محمد عبدالله الكواري",
            "Mohammed",
            "0123",
            "69/1234",
        ] {
            assert!(facts.contains(want), "{want} missing from {facts}");
        }
        assert!(
            !facts.contains("28463400123"),
            "never the whole QID: {facts}"
        );
    }
}

#[test]
fn revoked_wrong_key_and_not_a_seal_from_the_qr_link() {
    let rig = Rig::start("link");
    let open = |text: &str, lang: &str, shot: &str| phone(text, None, lang, false, shot);
    // Opened by the phone's camera app at the URL the paper's QR holds.
    let revoked = seal::qr_text(&rig.page(), &rig.seal("doc-bp-003990", None));
    let r = open(&revoked, "ar", "revoked");
    assert_eq!(r["verdict"], "revoked", "{r}");
    assert!(r["facts"].to_string().contains("BP-2026-004512"), "{r}");
    // Signed by a key that is not the ministry's, under the ministry's kid.
    let stranger = p256::ecdsa::SigningKey::from_slice(&[5u8; 32]).unwrap();
    let (kid, _) = rig.sim.signing_key();
    let forged = seal::qr_text(
        &rig.page(),
        &rig.seal("doc-bp-004512", Some((&kid, &stranger))),
    );
    let r = open(&forged, "en", "wrong-key");
    assert_eq!(r["verdict"], "altered", "{r}");
    assert_eq!(
        r["facts"],
        serde_json::json!([]),
        "no facts from a forged seal"
    );
    // A kid the ministry never published, online: not the ministry's seal.
    let unknown = seal::qr_text(
        &rig.page(),
        &rig.seal("doc-bp-004512", Some(("mm-never", &stranger))),
    );
    assert_eq!(open(&unknown, "en", "unknown-key")["verdict"], "altered");
    let r = open(&format!("{}#HC1:NCFOXN", rig.page()), "ar", "not-a-seal");
    assert_eq!(r["verdict"], "not_a_seal", "{r}");
    // One Base45 character changed.
    let mut t = revoked.into_bytes();
    // Not inside a %XX escape of the URL: that would make it not a seal at all.
    let mut i = t.len() - 30;
    while t[i - 2..=i].contains(&b'%') {
        i -= 1;
    }
    t[i] = if t[i] == b'A' { b'B' } else { b'A' };
    let r = open(&String::from_utf8(t).unwrap(), "en", "altered");
    assert_eq!(r["verdict"], "altered", "{r}");
}

#[test]
fn offline_the_bundled_keys_still_verify_and_revocation_is_unchecked() {
    let rig = Rig::start("offline");
    let text = seal::qr_text(&rig.page(), &rig.seal("doc-bp-004512", None));
    let video = rig.tmp.join("paper.y4m");
    paper_video(&seal::qr_symbol(&text).unwrap(), &rig.permit, &video);
    // The page loads, but the ministry cannot be reached from the phone.
    let r = phone(&rig.page(), Some(&video), "en", true, "offline");
    assert_eq!(r["verdict"], "genuine_unchecked", "{r}");
    assert!(r["facts"].to_string().contains("BP-2026-004512"));
    // The ministry answers the status call with an error: "could not confirm".
    rig.sim.set_faults(FaultPlan {
        route: Some("/v1/public/seals".into()),
        error_rate: 1.0,
        ..FaultPlan::default()
    });
    let r = phone(&text, None, "ar", false, "not-confirmed");
    assert_eq!(r["verdict"], "genuine_unchecked", "{r}");
    assert!(
        r["title"].as_str().unwrap().contains("لم تتمكن الوزارة"),
        "{r}"
    );
}

#[test]
fn the_vendored_qr_reader_is_the_locked_npm_package() {
    let web = root().join("web");
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(web.join("package-lock.json")).unwrap())
            .unwrap();
    let locked = lock["packages"]["node_modules/jsqr"]["version"]
        .as_str()
        .unwrap();
    let pkg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(web.join("package.json")).unwrap()).unwrap();
    assert_eq!(pkg["dependencies"]["jsqr"], locked);
    let installed = web.join("node_modules/jsqr/dist/jsQR.js");
    let installed = std::fs::read(&installed).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `npm ci` in web/ (scripts/test.sh does)",
            installed.display()
        )
    });
    assert!(
        installed == std::fs::read(web.join("verify/vendor/jsQR.js")).unwrap(),
        "web/verify/vendor/jsQR.js differs from jsqr@{locked}: copy node_modules/jsqr/dist/jsQR.js"
    );
}

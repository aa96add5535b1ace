//! The kiosk's side of an A4 print, in process: encoding Print-Job with a permit PDF,
//! decoding a printer's answer and mapping its reasons to XFS4IoT states, and one
//! Get-Printer-Attributes round trip to the local cupsd (when it runs: scripts/cups-up.sh).
//! The whole print, CUPS included, is `crates/devices/examples/a4_bench.rs`. `cargo bench -p manassa-devices --bench a4`.

use std::hint::black_box;

use criterion::Criterion;
use ipp::attribute::IppAttribute;
use ipp::model::{DelimiterTag, IppVersion, StatusCode};
use ipp::request::IppRequestResponse;
use ipp::value::IppValue;
use manassa_core::kind::DocumentKind;
use manassa_devices::a4::ipp::{IppQueue, decode_response, encode};
use manassa_devices::a4::{A4Sink, PrinterStatus};
use manassa_documents::{pdf, seal};

fn permit_pdf() -> Vec<u8> {
    let key = p256::ecdsa::SigningKey::from_slice(&[42u8; 32]).unwrap();
    pdf::write(&seal::sealed_sample(
        DocumentKind::BuildingPermit,
        "b-1",
        &key,
    ))
    .unwrap()
}

/// A Get-Printer-Attributes answer as CUPS sends it for a printer out of paper.
fn printer_answer() -> Vec<u8> {
    let mut r =
        IppRequestResponse::new_response(IppVersion::v1_1(), StatusCode::SuccessfulOk, 7).unwrap();
    let reasons = ["media-empty-error", "toner-low-warning", "offline-report"]
        .iter()
        .map(|k| IppValue::new_keyword(*k).unwrap())
        .collect();
    for (name, value) in [
        ("printer-state", IppValue::Enum(5)),
        ("printer-state-reasons", IppValue::Array(reasons)),
        ("printer-is-accepting-jobs", IppValue::Boolean(true)),
        (
            "printer-state-message",
            IppValue::new_text_without_language("printer reports media-empty-error").unwrap(),
        ),
    ] {
        r.attributes_mut().add(
            DelimiterTag::PrinterAttributes,
            IppAttribute::with_name(name, value).unwrap(),
        );
    }
    r.to_bytes().to_vec()
}

/// The benchmarks, by name. The cupsd round trip is left out when no cupsd answers.
fn cases() -> Vec<(String, Box<dyn FnMut()>)> {
    let pdf = permit_pdf();
    let q = IppQueue::new("localhost:631", "manassa-pdf").unwrap();
    let answer = printer_answer();
    let mut cases: Vec<(String, Box<dyn FnMut()>)> = vec![
        (
            format!(
                "Print-Job request with a {} KB permit: encode",
                pdf.len() / 1024
            ),
            Box::new(move || {
                black_box(encode(
                    &q.print_job_request("BP-2026-004512", 1).unwrap(),
                    Some(&pdf),
                ));
            }),
        ),
        (
            "printer answer: decode and map to XFS4IoT".into(),
            Box::new(move || {
                let (_, attrs) = decode_response(&answer).unwrap();
                let g = attrs
                    .groups_of(DelimiterTag::PrinterAttributes)
                    .next()
                    .unwrap();
                let reasons: Vec<String> = g
                    .get("printer-state-reasons")
                    .unwrap()
                    .value()
                    .into_iter()
                    .map(|v| v.to_string())
                    .collect();
                black_box(PrinterStatus::from_ipp(5, &reasons, true, "").problem());
            }),
        ),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sink = A4Sink::Cups {
        queue: "manassa-pdf".into(),
    };
    match rt.block_on(sink.status()) {
        Ok(_) => cases.push((
            "printer status from cupsd (Get-Printer-Attributes)".into(),
            Box::new(move || {
                black_box(rt.block_on(sink.status()).unwrap());
            }),
        )),
        Err(e) => eprintln!("skipping the cupsd round trip: {e} (scripts/cups-up.sh starts it)"),
    }
    cases
}

fn main() {
    // `cargo test --all-targets -- --test-threads=N` runs this with libtest's arguments,
    // which criterion's parser refuses: without `--bench`, run each case once as a check.
    if !std::env::args().any(|a| a == "--bench") {
        for (name, mut f) in cases() {
            f();
            println!("{name}: ok");
        }
        return;
    }
    let mut c = Criterion::default().sample_size(30).configure_from_args();
    for (name, mut f) in cases() {
        c.bench_function(&name, |b| b.iter(&mut f));
    }
    c.final_summary();
}

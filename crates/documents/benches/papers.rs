//! Paper rendering speed in process: payload → layout → PDF bytes, per kind (DESIGN §13
//! target: under 10 ms). Whole-process figures come from `manassa doc render` with
//! hyperfine. `cargo bench -p manassa-documents --bench papers`.

use criterion::{Criterion, criterion_group, criterion_main};
use manassa_core::kind::DocumentKind;
use manassa_documents::{kinds, layout, pdf, seal};
use p256::ecdsa::SigningKey;

fn sample(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../docs/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let key = SigningKey::from_slice(&[42u8; 32]).unwrap();
    for (kind, name) in [
        (DocumentKind::BuildingPermit, "building-permit"),
        (
            DocumentKind::CompletionCertificate,
            "completion-certificate",
        ),
        (DocumentKind::SalaryStatement, "salary-statement"),
    ] {
        let payload = sample(name);
        let content = kinds::content(kind, &payload).unwrap();
        let seal_text = seal::sign(
            &seal::claims_for("doc", &content, b"test-holder-secret"),
            "k",
            &key,
        );
        c.bench_function(&format!("{name}: payload → PDF bytes"), |b| {
            b.iter(|| {
                let content = kinds::content(kind, &payload).unwrap();
                pdf::write(&layout::paper(
                    &content,
                    Some(&seal::qr_symbol(&seal_text).unwrap()),
                ))
                .unwrap()
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

//! Text engine speed: shaping + bidi + line breaking of one A4 paragraph and of one thermal
//! ticket line, and the 1-bit raster of that line. `cargo bench -p manassa-text --bench text`.

use criterion::{Criterion, criterion_group, criterion_main};
use manassa_text::{Align, BaseDirection, Family, TextStyle, layout, raster};
use std::hint::black_box;

const PARAGRAPH: &str = "تُمنح هذه الرخصة للمالك محمد عبدالله الكواري (الرقم الشخصي 28463400123) لإنشاء مبنى سكني خاص من طابقين على القطعة رقم 69/1234 في منطقة الوعب (55) بمساحة مبنية قدرها 412.5 م² وفق المخططات المعتمدة من Arab Engineering Bureau، ويُنفذ الأعمال المقاول Al Jaber Contracting، وتسري الرخصة حتى 2028-03-14.";
const TICKET_LINE: &str = "وزارة البلدية — طُبعت الورقة BP-2026-004512";

fn bench(c: &mut Criterion) {
    let a4 = TextStyle::new(Family::Naskh, 11.0);
    c.bench_function("layout A4 paragraph (Naskh 11 pt, 480 pt wide)", |b| {
        b.iter(|| {
            layout(
                black_box(PARAGRAPH),
                &a4,
                BaseDirection::Rtl,
                Align::Start,
                Some(480.0),
            )
        })
    });
    let ticket = TextStyle::new(Family::Sans, 30.0);
    c.bench_function("layout ticket line (Sans 30 dots, 576 dots wide)", |b| {
        b.iter(|| {
            layout(
                black_box(TICKET_LINE),
                &ticket,
                BaseDirection::Rtl,
                Align::Center,
                Some(576.0),
            )
        })
    });
    let para = layout(
        TICKET_LINE,
        &ticket,
        BaseDirection::Rtl,
        Align::Center,
        Some(576.0),
    );
    c.bench_function("raster ticket line to 1 bit (576 dots)", |b| {
        b.iter(|| raster::paragraph_bitmap(black_box(&para), 576))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! The cargo-fuzz entry points (`manassa_devices::fuzzing`, targets in `fuzz/`) run on
//! stable as a seeded randomized test: random bytes, and mutations (flips, insertions,
//! deletions, truncations, splices) of valid frames and tickets. Each entry point asserts
//! its own invariants (no panic, split invariance, bounded buffers, round trips).
//!
//! `MANASSA_FUZZ_SEED` picks another seed, `MANASSA_FUZZ_CASES` the cases per target
//! (default 3000).

use manassa_devices::badge::{self, BadgeId};
use manassa_devices::card_reader::{Command, Frame};
use manassa_devices::escpos::{self, Profile, TicketItem};
use manassa_devices::mrz;
use manassa_documents::ticket::{self, Ticket};
use manassa_emulators::fuzzing;
use manassa_i18n::Lang;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn rng() -> (StdRng, u64, usize) {
    let seed = std::env::var("MANASSA_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6d61_6e61);
    let cases = std::env::var("MANASSA_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    (StdRng::seed_from_u64(seed), seed, cases)
}

fn mutate(rng: &mut StdRng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seeds[rng.random_range(0..seeds.len())].clone();
    for _ in 0..rng.random_range(0..6) {
        match rng.random_range(0..6) {
            0 if !v.is_empty() => {
                let i = rng.random_range(0..v.len());
                v[i] ^= 1 << rng.random_range(0..8);
            }
            1 => {
                let i = rng.random_range(0..=v.len());
                v.insert(i, rng.random());
            }
            2 if !v.is_empty() => {
                v.remove(rng.random_range(0..v.len()));
            }
            3 => v.truncate(rng.random_range(0..=v.len())),
            4 => {
                let other = &seeds[rng.random_range(0..seeds.len())];
                let at = rng.random_range(0..=v.len());
                v.splice(at..at, other.iter().copied());
            }
            _ => {
                let i = rng.random_range(0..=v.len());
                v.insert(
                    i,
                    [0x02, 0x03, 0x0D, 0x0A, 0x10, 0x1B, 0x1D][rng.random_range(0..7)],
                );
            }
        }
    }
    v
}

fn run(name: &str, seeds: &[Vec<u8>], target: fn(&[u8])) {
    let (mut rng, seed, cases) = rng();
    for s in seeds {
        target(s);
    }
    for case in 0..cases {
        let data = if case % 3 == 0 {
            let n = rng.random_range(0..400);
            (0..n).map(|_| rng.random()).collect()
        } else {
            mutate(&mut rng, seeds)
        };
        let r = std::panic::catch_unwind(|| target(&data));
        assert!(
            r.is_ok(),
            "{name} panicked on case {case} (seed {seed}): {data:02x?}"
        );
    }
}

#[test]
fn printer_status_parser() {
    let seeds: Vec<Vec<u8>> = vec![
        vec![0x12, 0x12, 0x12],
        vec![0x1A, 0x32, 0x7E],
        vec![0x1A, 0x16, 0x12, 0x12, 0x52],
    ];
    run("printer_status", &seeds, fuzzing::printer_status);
}

#[test]
fn escpos_stream_decoder() {
    let t = Ticket {
        lang: Lang::Ar,
        reference: "K01-20261129-0042".into(),
        document_number: "BP-2026-004512".into(),
    };
    // Seeds cut to a few hundred bytes around each command kind, so cases stay fast.
    let full = escpos::encode_for(&ticket::render(&t, 384), &Profile::new(384)).unwrap();
    let small = escpos::encode_ticket(&[
        TicketItem::Text {
            text: "REF 42".into(),
            align: escpos::Align::Center,
            double: true,
        },
        TicketItem::Qr {
            data: "K01".into(),
            module_dots: 3,
        },
        TicketItem::Feed(30),
        TicketItem::Cut,
    ])
    .unwrap();
    let seeds = vec![
        small,
        full[..300.min(full.len())].to_vec(),
        full[full.len().saturating_sub(300)..].to_vec(),
        vec![0x10, 0x04, 1, 0x1D, b'r', 1, 0x1D, b'V', 66, 0],
    ];
    run("escpos_stream", &seeds, fuzzing::escpos_stream);
}

#[test]
fn crt310_frame_decoder() {
    let seeds: Vec<Vec<u8>> = vec![
        Frame::command(Command::Status).encode().unwrap(),
        Frame::Positive {
            cm: b'6',
            pm: b'0',
            st1: b'2',
            st0: b'0',
            data: b"28463400123".to_vec(),
        }
        .encode()
        .unwrap(),
        Frame::Negative {
            cm: b'6',
            pm: b'0',
            e1: b'6',
            e0: b'0',
        }
        .encode()
        .unwrap(),
    ];
    run("crt310_frames", &seeds, fuzzing::crt310_frames);
}

#[test]
fn mrz_reader() {
    let seeds = vec![
        mrz::encode_frame(&mrz::SPECIMEN_TD3),
        mrz::encode_frame(&mrz::SPECIMEN_TD1),
        mrz::SPECIMEN_TD3.join("\n").into_bytes(),
        mrz::SPECIMEN_TD1.join("\n").into_bytes(),
    ];
    run("mrz_frames", &seeds, fuzzing::mrz_frames);
}

#[test]
fn rdm6300_decoder() {
    let seeds = vec![
        badge::frame(&BadgeId::from_hex("0F00A1B2C3").unwrap()),
        [
            badge::frame(&BadgeId::from_hex("1200000042").unwrap()),
            badge::frame(&BadgeId::from_hex("FFFFFFFFFF").unwrap()),
        ]
        .concat(),
    ];
    run("rdm6300", &seeds, fuzzing::rdm6300);
}

#[test]
fn scanner_line_decoder() {
    let seeds = vec![
        b"\x02MNS1:K01-20261129-0042\r\n".to_vec(),
        "\x01قطر\r\nsecond\n".as_bytes().to_vec(),
        [&[b'A'; 80][..], b"\r\nok\r"].concat(),
    ];
    run("scanner_lines", &seeds, fuzzing::scanner_lines);
}

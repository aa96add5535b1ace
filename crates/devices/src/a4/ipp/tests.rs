//! The IPP wire format checked against RFC 8010 with a small independent walker, not the
//! `ipp` crate that produced the bytes.

use super::*;

/// One attribute as it sits on the wire: group tag, value tag, name (empty for an
/// additional value of a `1setOf`), value bytes.
#[derive(Debug, Clone, PartialEq)]
struct Wire {
    group: u8,
    tag: u8,
    name: String,
    value: Vec<u8>,
}

/// Walk an IPP message (RFC 8010 §3.1.1): header, attributes, end-of-attributes; return
/// (version, operation-id or status-code, request-id, attributes, the data after them).
fn walk(b: &[u8]) -> (u16, u16, i32, Vec<Wire>, Vec<u8>) {
    let version = u16::from_be_bytes([b[0], b[1]]);
    let op = u16::from_be_bytes([b[2], b[3]]);
    let id = i32::from_be_bytes([b[4], b[5], b[6], b[7]]);
    let mut i = 8;
    let mut group = 0;
    let mut out = Vec::new();
    loop {
        let tag = b[i];
        i += 1;
        if tag == 0x03 {
            break;
        }
        if tag < 0x10 {
            group = tag;
            continue;
        }
        let nl = u16::from_be_bytes([b[i], b[i + 1]]) as usize;
        let name = String::from_utf8(b[i + 2..i + 2 + nl].to_vec()).unwrap();
        i += 2 + nl;
        let vl = u16::from_be_bytes([b[i], b[i + 1]]) as usize;
        let value = b[i + 2..i + 2 + vl].to_vec();
        i += 2 + vl;
        out.push(Wire {
            group,
            tag,
            name,
            value,
        });
    }
    (version, op, id, out, b[i..].to_vec())
}

/// Build an IPP response by hand: `attrs` are (group, value tag, name, value bytes).
fn response(status: u16, attrs: &[(u8, u8, &str, &[u8])]) -> Vec<u8> {
    let mut b = vec![1, 1];
    b.extend_from_slice(&status.to_be_bytes());
    b.extend_from_slice(&7i32.to_be_bytes());
    let mut group = 0;
    for (g, tag, name, value) in attrs {
        if *g != group {
            b.push(*g);
            group = *g;
        }
        b.push(*tag);
        b.extend_from_slice(&(name.len() as u16).to_be_bytes());
        b.extend_from_slice(name.as_bytes());
        b.extend_from_slice(&(value.len() as u16).to_be_bytes());
        b.extend_from_slice(value);
    }
    b.push(0x03);
    b
}

const OP: u8 = 0x01;
const JOB: u8 = 0x02;
const PRINTER: u8 = 0x04;
const INTEGER: u8 = 0x21;
const BOOLEAN: u8 = 0x22;
const ENUM: u8 = 0x23;
const TEXT: u8 = 0x41;
const NAME: u8 = 0x42;
const KEYWORD: u8 = 0x44;
const URI: u8 = 0x45;
const CHARSET: u8 = 0x47;
const LANGUAGE: u8 = 0x48;
const MIME: u8 = 0x49;

fn queue() -> IppQueue {
    IppQueue::new("localhost:631", "kiosk-a4").unwrap()
}

fn head(attrs: &[Wire]) -> Vec<(u8, u8, &str, String)> {
    attrs
        .iter()
        .map(|a| {
            (
                a.group,
                a.tag,
                a.name.as_str(),
                String::from_utf8_lossy(&a.value).into_owned(),
            )
        })
        .collect()
}

#[test]
fn print_job_is_encoded_as_rfc_8010_says() {
    let q = queue();
    let req = q.print_job_request("BP-2026-004512", 2).unwrap();
    let pdf = b"%PDF-1.7\n...%%EOF\n";
    let bytes = encode(&req, Some(pdf));
    let (version, op, id, attrs, data) = walk(&bytes);
    assert_eq!(version, 0x0101, "IPP/1.1");
    assert_eq!(op, 0x0002, "Print-Job");
    assert!(id >= 1);
    let user = user_name().to_string();
    // RFC 8011 §4.1.4: charset, natural language, then the target, first and in this order.
    assert_eq!(
        head(&attrs),
        vec![
            (OP, CHARSET, "attributes-charset", "utf-8".into()),
            (OP, LANGUAGE, "attributes-natural-language", "en".into()),
            (
                OP,
                URI,
                "printer-uri",
                "ipp://localhost:631/printers/kiosk-a4".into()
            ),
            (OP, NAME, "requesting-user-name", user),
            (OP, NAME, "job-name", "BP-2026-004512".into()),
            (OP, MIME, "document-format", "application/pdf".into()),
            (JOB, INTEGER, "copies", "\0\0\0\u{2}".into()),
            (JOB, KEYWORD, "media", "iso_a4_210x297mm".into()),
        ]
    );
    assert_eq!(
        data, pdf,
        "the document follows end-of-attributes unchanged"
    );
}

#[test]
fn copies_are_kept_in_range() {
    for (asked, sent) in [(0u32, 1i32), (1, 1), (3, 3), (500, 99)] {
        let bytes = encode(&queue().print_job_request("x", asked).unwrap(), None);
        let (_, _, _, attrs, _) = walk(&bytes);
        let copies = attrs.iter().find(|a| a.name == "copies").unwrap();
        assert_eq!(copies.value, sent.to_be_bytes(), "copies {asked}");
    }
}

#[test]
fn requested_attributes_are_a_1setof_keyword() {
    let bytes = encode(&queue().printer_attributes_request(), None);
    let (_, op, _, attrs, data) = walk(&bytes);
    assert_eq!(op, 0x000B, "Get-Printer-Attributes");
    assert!(data.is_empty());
    let i = attrs
        .iter()
        .position(|a| a.name == "requested-attributes")
        .unwrap();
    // The first value carries the name; the others have an empty name (RFC 8010 §3.1.5).
    let values: Vec<_> = attrs[i..i + 4]
        .iter()
        .map(|a| {
            (
                a.tag,
                a.name.clone(),
                String::from_utf8_lossy(&a.value).into_owned(),
            )
        })
        .collect();
    assert_eq!(
        values,
        vec![
            (
                KEYWORD,
                "requested-attributes".into(),
                "printer-state".into()
            ),
            (KEYWORD, String::new(), "printer-state-reasons".into()),
            (KEYWORD, String::new(), "printer-is-accepting-jobs".into()),
            (KEYWORD, String::new(), "printer-state-message".into()),
        ]
    );
}

#[test]
fn job_operations_name_the_job() {
    for (req, op) in [
        (queue().job_attributes_request(41), 0x0009u16),
        (queue().cancel_job_request(41), 0x0008),
    ] {
        let (_, got, _, attrs, _) = walk(&encode(&req, None));
        assert_eq!(got, op);
        let job = attrs.iter().find(|a| a.name == "job-id").unwrap();
        assert_eq!((job.group, job.tag), (OP, INTEGER));
        assert_eq!(job.value, 41i32.to_be_bytes());
        assert!(attrs.iter().any(|a| a.name == "requesting-user-name"));
    }
}

#[test]
fn request_ids_differ() {
    let a = walk(&encode(&queue().printer_attributes_request(), None)).2;
    let b = walk(&encode(&queue().printer_attributes_request(), None)).2;
    assert_ne!(a, b);
    assert!(a >= 1 && b >= 1);
}

#[test]
fn printer_attributes_answer_decodes() {
    let bytes = response(
        0x0000,
        &[
            (OP, CHARSET, "attributes-charset", b"utf-8"),
            (OP, LANGUAGE, "attributes-natural-language", b"en"),
            (PRINTER, ENUM, "printer-state", &5i32.to_be_bytes()),
            (
                PRINTER,
                KEYWORD,
                "printer-state-reasons",
                b"media-empty-error",
            ),
            (PRINTER, KEYWORD, "", b"toner-low-warning"),
            (PRINTER, BOOLEAN, "printer-is-accepting-jobs", &[0]),
            (PRINTER, TEXT, "printer-state-message", b"Load paper"),
        ],
    );
    let (status, attrs) = decode_response(&bytes).unwrap();
    assert!(status.is_success());
    let g = attrs
        .groups_of(DelimiterTag::PrinterAttributes)
        .next()
        .unwrap();
    assert_eq!(integer(g, "printer-state"), Some(5));
    assert_eq!(
        keywords(g, "printer-state-reasons"),
        ["media-empty-error", "toner-low-warning"]
    );
    assert_eq!(boolean(g, "printer-is-accepting-jobs"), Some(false));
    assert_eq!(text(g, "printer-state-message"), "Load paper");
}

#[test]
fn none_is_no_reason() {
    let bytes = response(
        0x0000,
        &[
            (OP, CHARSET, "attributes-charset", b"utf-8"),
            (PRINTER, KEYWORD, "printer-state-reasons", b"none"),
        ],
    );
    let (_, attrs) = decode_response(&bytes).unwrap();
    let g = attrs
        .groups_of(DelimiterTag::PrinterAttributes)
        .next()
        .unwrap();
    assert!(keywords(g, "printer-state-reasons").is_empty());
}

#[test]
fn error_status_and_message_decode() {
    let bytes = response(
        0x0506,
        &[
            (OP, CHARSET, "attributes-charset", b"utf-8"),
            (
                OP,
                TEXT,
                "status-message",
                b"Destination \"q\" is not accepting jobs.",
            ),
        ],
    );
    let (status, attrs) = decode_response(&bytes).unwrap();
    assert_eq!(status, StatusCode::ServerErrorNotAcceptingJobs);
    assert_eq!(
        status_message(&attrs),
        "Destination \"q\" is not accepting jobs."
    );
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    assert!(decode_response(b"").is_err());
    assert!(decode_response(b"<html>404</html>").is_err());
    let good = response(
        0,
        &[
            (OP, CHARSET, "attributes-charset", b"utf-8"),
            (PRINTER, ENUM, "printer-state", &3i32.to_be_bytes()),
        ],
    );
    // Every truncation of a good answer is refused (the end-of-attributes tag is missing).
    for n in 0..good.len() {
        assert!(decode_response(&good[..n]).is_err(), "truncated at {n}");
    }
    // Random bytes: any answer, never a panic.
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    for _ in 0..5000 {
        let len = rng.random_range(0..64);
        let mut b: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if b.len() > 2 && rng.random_bool(0.5) {
            b[0] = 1;
        }
        let _ = decode_response(&b);
    }
    // Random mutations of a good answer.
    for _ in 0..5000 {
        let mut b = good.clone();
        let i = rng.random_range(0..b.len());
        b[i] = rng.random();
        let _ = decode_response(&b);
    }
}

#[test]
fn oversized_answers_are_refused() {
    let big = vec![0u8; MAX_RESPONSE_BYTES + 1];
    assert!(decode_response(&big).unwrap_err().contains("too large"));
}

#[test]
fn queue_names_and_servers() {
    assert!(valid_queue_name("kiosk-a4"));
    assert!(valid_queue_name("HP_LaserJet.2@x+y"));
    for bad in ["", "a b", "a/b", "a#b", "a?b", "ä", &"x".repeat(128)] {
        assert!(!valid_queue_name(bad), "{bad:?}");
        assert!(matches!(
            IppQueue::new("localhost:631", bad),
            Err(A4Error::BadQueueName(_))
        ));
    }
    let q = IppQueue::new("print.local:8631", "a4").unwrap();
    assert_eq!(q.http_url, "http://print.local:8631/printers/a4");
    assert_eq!(q.printer_uri, "ipp://print.local:8631/printers/a4");
    assert_eq!(server_from(None), "localhost:631");
    assert_eq!(server_from(Some("")), "localhost:631");
    assert_eq!(server_from(Some("/run/cups/cups.sock")), "localhost:631");
    assert_eq!(server_from(Some("printhost")), "printhost:631");
    assert_eq!(server_from(Some("printhost:8631")), "printhost:8631");
    assert_eq!(server_from(Some("printhost/version=1.1")), "printhost:631");
    assert_eq!(server_from(Some("[::1]")), "[::1]:631");
    assert_eq!(server_from(Some("[::1]:8631")), "[::1]:8631");
}

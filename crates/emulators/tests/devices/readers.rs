//! The passive readers over real pseudo-terminals: the MRZ reader, the RDM6300 badge reader
//! and the QR/barcode scanner, each driver thread against its emulator, with every fault
//! (split, merged, garbage, corrupted length, gap inside a frame, bad check values) and an
//! unplug/replug mid-session; then the `manassa-emulate …` processes.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use manassa_devices::DeviceState;
use manassa_devices::badge::{self, BadgeEvent, BadgeId};
use manassa_devices::mrz::{self, MrzEvent, MrzFormat};
use manassa_devices::passive::ReaderEvent;
use manassa_devices::scanner::{self, ScanEvent, ScannerConfig, Terminator};
use manassa_devices::serial::SerialConfig;
use manassa_emulators::badge::BadgeEmulator;
use manassa_emulators::mrz::MrzEmulator;
use manassa_emulators::scanner::ScannerEmulator;

fn cfg(path: PathBuf) -> SerialConfig {
    let mut c = SerialConfig::new(path);
    c.read_timeout = Duration::from_millis(100);
    c
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manassa-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The next event that is not a state change, failing after 10 s.
fn next_data<T: std::fmt::Debug, R: std::fmt::Debug>(
    rx: &Receiver<ReaderEvent<T, R>>,
) -> ReaderEvent<T, R> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ReaderEvent::State(_)) => {}
            Ok(ev) => return ev,
            Err(e) => panic!("no event: {e}"),
        }
    }
}

fn wait_state<T, R>(rx: &Receiver<ReaderEvent<T, R>>, want: DeviceState) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ReaderEvent::State(s)) if s == want => return,
            Ok(_) => {}
            Err(e) => panic!("no {want:?}: {e}"),
        }
    }
}

/// Nothing but state changes arrives for `d`.
fn quiet<T: std::fmt::Debug, R: std::fmt::Debug>(rx: &Receiver<ReaderEvent<T, R>>, d: Duration) {
    let until = Instant::now() + d;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ReaderEvent::State(_)) => {}
            Ok(ev) => panic!("unexpected {ev:?}"),
            Err(_) => return,
        }
    }
}

fn rejected<T: std::fmt::Debug, R: std::fmt::Debug + std::fmt::Display>(
    ev: ReaderEvent<T, R>,
) -> String {
    match ev {
        ReaderEvent::Rejected { reason } => reason.to_string(),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mrz_doc(ev: MrzEvent) -> mrz::MrzDocument {
    match ev {
        ReaderEvent::Read(d) => d,
        other => panic!("expected a document, got {other:?}"),
    }
}

#[test]
fn mrz_reader_reads_both_formats_and_rejects_every_fault() {
    let emu = MrzEmulator::start(None).unwrap();
    let (_h, rx) = mrz::spawn(cfg(emu.path()));
    wait_state(&rx, DeviceState::Online);

    emu.present(&mrz::SPECIMEN_TD3);
    let d = mrz_doc(next_data(&rx));
    assert_eq!(d.format, MrzFormat::Td3);
    assert_eq!(
        (d.document_number.as_str(), d.primary_name.as_str()),
        ("L898902C3", "ERIKSSON")
    );
    emu.present(&mrz::SPECIMEN_TD1);
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td1);

    let s = emu.sender();
    let good = mrz::encode_frame(&mrz::SPECIMEN_TD1);
    // Garbage, then two frames in one write.
    s.send(&[&b"\xff\x13noise"[..], &good, &good].concat());
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td1);
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td1);
    // Split into pieces with short pauses (well inside the read timeout).
    let (a, rest) = good.split_at(7);
    let (b, c) = rest.split_at(50);
    s.send_parts(&[a, b, c], Duration::from_millis(10));
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td1);
    // A wrong check digit: the composite.
    let l2 = mrz::SPECIMEN_TD3[1].replace("<10", "<11");
    emu.present(&[mrz::SPECIMEN_TD3[0], &l2]);
    // Consumers get the typed reason, not only its text.
    let ev = next_data(&rx);
    assert!(
        matches!(
            &ev,
            ReaderEvent::Rejected {
                reason: mrz::MrzReject::Document(mrz::MrzError::CheckDigit(mrz::Field::Composite))
            }
        ),
        "{ev:?}"
    );
    let r = rejected(ev);
    assert!(r.contains("check digit of the composite"), "{r}");
    assert!(
        !r.contains("ERIKSSON") && !r.contains("L898902C3"),
        "no data in {r}"
    );
    // Bad LRC.
    let mut bad = good.clone();
    *bad.last_mut().unwrap() ^= 0x40;
    s.send(&bad);
    assert!(rejected(next_data(&rx)).contains("LRC"));
    // Corrupted length: a line one character short.
    emu.present(&[mrz::SPECIMEN_TD3[0], &mrz::SPECIMEN_TD3[1][..43]]);
    let r = rejected(next_data(&rx));
    assert!(r.contains("not a TD1 (3×30) or TD3 (2×44)"), "{r}");
    // A gap inside a frame: the half frame is dropped and reported, the tail is not a frame.
    let (head, tail) = good.split_at(40);
    s.send_parts(&[head, tail], Duration::from_millis(600));
    assert!(rejected(next_data(&rx)).contains("interrupted"));
    wait_until("the tail to be sent", || s.is_idle());
    quiet(&rx, Duration::from_millis(300));
    // Still reading after all that.
    emu.present(&mrz::SPECIMEN_TD3);
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td3);
}

#[test]
fn mrz_reader_unplugged_and_replugged_mid_session_recovers() {
    let dir = tmpdir("mrz-replug");
    let link = dir.join("mrz");
    let emu = MrzEmulator::start(Some(&link)).unwrap();
    let (_h, rx) = mrz::spawn(cfg(link.clone()));
    wait_state(&rx, DeviceState::Online);
    emu.present(&mrz::SPECIMEN_TD3);
    mrz_doc(next_data(&rx));
    emu.sender().set_unplugged(true);
    wait_state(&rx, DeviceState::NoDevice);
    emu.sender().set_unplugged(false);
    wait_state(&rx, DeviceState::Online);
    emu.present(&mrz::SPECIMEN_TD1);
    assert_eq!(mrz_doc(next_data(&rx)).format, MrzFormat::Td1);
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

fn badge_of(ev: BadgeEvent) -> BadgeId {
    match ev {
        ReaderEvent::Read(b) => b,
        other => panic!("expected a badge, got {other:?}"),
    }
}

#[test]
fn badge_reader_debounces_and_rejects_bad_frames() {
    let id = BadgeId::from_hex("0F00A1B2C3").unwrap();
    let other = BadgeId::from_hex("1200000042").unwrap();
    let emu = BadgeEmulator::start(None).unwrap();
    let (_h, rx) = badge::spawn(cfg(emu.path()));
    wait_state(&rx, DeviceState::Online);

    // Held for 8 repeats 100 ms apart: one presentation.
    emu.hold(id, 8);
    assert_eq!(badge_of(next_data(&rx)), id);
    wait_until("the repeats to be sent", || emu.sender().is_idle());
    quiet(&rx, Duration::from_millis(300));
    // Another badge right away counts.
    emu.hold(other, 1);
    assert_eq!(badge_of(next_data(&rx)), other);
    // The first badge again after more than the debounce window away.
    std::thread::sleep(badge::DEBOUNCE + Duration::from_millis(200));
    emu.hold(id, 1);
    assert_eq!(badge_of(next_data(&rx)), id);

    let s = emu.sender();
    let f = badge::frame(&id);
    // Bad checksum.
    let mut bad = f.clone();
    bad[12] = b'0';
    s.send(&bad);
    assert!(rejected(next_data(&rx)).contains("checksum"));
    // Corrupted length: an extra character, then garbage, then a split good frame.
    let long = [&f[..7], b"7", &f[7..]].concat();
    s.send(&long);
    assert!(rejected(next_data(&rx)).contains("no ETX"));
    std::thread::sleep(badge::DEBOUNCE);
    s.send_parts(&[b"\x00\xffzz", &f[..4], &f[4..]], Duration::from_millis(5));
    assert_eq!(badge_of(next_data(&rx)), id);
    // A gap inside a frame drops it silently; the tail alone is nothing.
    std::thread::sleep(badge::DEBOUNCE);
    s.send_parts(&[&f[..6], &f[6..]], Duration::from_millis(600));
    wait_until("the tail to be sent", || s.is_idle());
    quiet(&rx, Duration::from_millis(300));
    // The log-safe form hides the tag.
    assert!(!format!("{id:?}").contains("A1B2"));
}

#[test]
fn badge_reader_unplugged_and_replugged_mid_session_recovers() {
    let dir = tmpdir("badge-replug");
    let link = dir.join("badge");
    let id = BadgeId::from_hex("0F00A1B2C3").unwrap();
    let emu = BadgeEmulator::start(Some(&link)).unwrap();
    let (_h, rx) = badge::spawn(cfg(link.clone()));
    wait_state(&rx, DeviceState::Online);
    emu.hold(id, 1);
    badge_of(next_data(&rx));
    emu.sender().set_unplugged(true);
    wait_state(&rx, DeviceState::NoDevice);
    emu.sender().set_unplugged(false);
    wait_state(&rx, DeviceState::Online);
    std::thread::sleep(badge::DEBOUNCE);
    emu.hold(id, 1);
    assert_eq!(badge_of(next_data(&rx)), id);
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

fn scan_of(ev: ScanEvent) -> String {
    match ev {
        ReaderEvent::Read(s) => s.0,
        other => panic!("expected a scan, got {other:?}"),
    }
}

#[test]
fn scanner_reads_lines_and_rejects_long_lines_garbage_and_gaps() {
    let emu = ScannerEmulator::start(None, Terminator::CrLf).unwrap();
    let mut sc = ScannerConfig::new(cfg(emu.path()));
    sc.max_line = 64;
    let (_h, rx) = scanner::spawn(sc);
    wait_state(&rx, DeviceState::Online);

    emu.scan("MNS1:K01-20261129-0042");
    assert_eq!(scan_of(next_data(&rx)), "MNS1:K01-20261129-0042");
    let s = emu.sender();
    // Two lines in one write, then one split in three.
    s.send(b"first\r\nsecond\r\n");
    assert_eq!(scan_of(next_data(&rx)), "first");
    assert_eq!(scan_of(next_data(&rx)), "second");
    s.send_parts(&[b"thi", b"rd\r", b"\n"], Duration::from_millis(10));
    assert_eq!(scan_of(next_data(&rx)), "third");
    // Over the bound: dropped whole, reported, and the next line is fine.
    s.send(&[&[b'A'; 100][..], b"\r\nafter\r\n"].concat());
    assert!(rejected(next_data(&rx)).contains("longer than 64"));
    assert_eq!(scan_of(next_data(&rx)), "after");
    // Garbage: control characters and invalid UTF-8.
    s.send(b"ab\x1b[2Jc\r\n\xc3\x28\r\n");
    assert!(rejected(next_data(&rx)).contains("not text"));
    assert!(rejected(next_data(&rx)).contains("not text"));
    // A gap inside a line.
    s.send_parts(&[b"half a ", b"line\r\n"], Duration::from_millis(600));
    assert!(rejected(next_data(&rx)).contains("incomplete"));
    assert_eq!(
        scan_of(next_data(&rx)),
        "line",
        "the tail after a gap is its own line"
    );
    // Arabic text passes.
    emu.scan("قطر");
    assert_eq!(scan_of(next_data(&rx)), "قطر");
}

#[test]
fn scanner_with_cr_terminator_and_replug() {
    let dir = tmpdir("scanner-replug");
    let link = dir.join("scanner");
    let emu = ScannerEmulator::start(Some(&link), Terminator::Cr).unwrap();
    let mut sc = ScannerConfig::new(cfg(link.clone()));
    sc.terminator = Terminator::Cr;
    let (h, rx) = scanner::spawn(sc);
    wait_state(&rx, DeviceState::Online);
    emu.scan("one");
    assert_eq!(scan_of(next_data(&rx)), "one");
    emu.sender().set_unplugged(true);
    wait_state(&rx, DeviceState::NoDevice);
    assert_eq!(h.state(), Some(DeviceState::NoDevice));
    emu.sender().set_unplugged(false);
    wait_state(&rx, DeviceState::Online);
    emu.scan("two");
    assert_eq!(scan_of(next_data(&rx)), "two");
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `manassa-emulate scanner|mrz-reader|badge-reader` as processes, driven on stdin.
#[test]
fn emulator_processes_follow_their_stdin_scripts() {
    let dir = tmpdir("reader-clis");
    for (kind, script) in [
        ("scanner", "scan MNS1:ABC\n"),
        ("mrz-reader", "bad-check\n"),
        ("badge-reader", "badge 0F00A1B2C3\n"),
    ] {
        let link = dir.join(kind);
        let mut child = Command::new(env!("CARGO_BIN_EXE_manassa-emulate"))
            .args([kind, "--pty"])
            .arg(&link)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_until("the emulator's link", || link.exists());
        let c = cfg(link.clone());
        let stdin = child.stdin.as_mut().unwrap();
        match kind {
            "scanner" => {
                let (_h, rx) = scanner::spawn(ScannerConfig::new(c));
                wait_state(&rx, DeviceState::Online);
                stdin.write_all(script.as_bytes()).unwrap();
                stdin.flush().unwrap();
                assert_eq!(scan_of(next_data(&rx)), "MNS1:ABC");
            }
            "mrz-reader" => {
                let (_h, rx) = mrz::spawn(c);
                wait_state(&rx, DeviceState::Online);
                stdin.write_all(script.as_bytes()).unwrap();
                stdin.flush().unwrap();
                assert!(rejected(next_data(&rx)).contains("composite"));
            }
            _ => {
                let (_h, rx) = badge::spawn(c);
                wait_state(&rx, DeviceState::Online);
                stdin.write_all(script.as_bytes()).unwrap();
                stdin.flush().unwrap();
                assert_eq!(badge_of(next_data(&rx)).hex(), "0F00A1B2C3");
            }
        }
        writeln!(child.stdin.as_mut().unwrap(), "quit").unwrap();
        assert!(child.wait().unwrap().success(), "{kind} exits on quit");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

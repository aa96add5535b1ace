//! The CRT-310 card reader over real pseudo-terminals, beyond the unit tests in
//! `src/devices/card_reader.rs`: a card left inside at start-up, the forgotten-card
//! capture, a jam, a corrupted reply (bad BCC) retried, an unplug mid-session with a card
//! inside, and the emulator process's fault commands.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use manassa_devices::DeviceState;
use manassa_devices::card_reader::{self, CardEvent, CardPosition};
use manassa_devices::serial::SerialConfig;
use manassa_emulators::card_reader::CardReaderEmulator;

const QID: &str = "28463400123";

fn cfg(path: PathBuf) -> SerialConfig {
    let mut c = SerialConfig::new(path);
    c.read_timeout = Duration::from_millis(50);
    c
}

fn expect(rx: &Receiver<CardEvent>, what: &str, want: impl Fn(&CardEvent) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ev) if want(&ev) => return,
            Ok(_) => {}
            Err(e) => panic!("no {what}: {e}"),
        }
    }
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn online(rx: &Receiver<CardEvent>) {
    expect(rx, "online", |e| {
        *e == CardEvent::State(DeviceState::Online)
    });
}

fn inserted(rx: &Receiver<CardEvent>) {
    expect(
        rx,
        "inserted",
        |e| matches!(e, CardEvent::Inserted { card_data } if card_data == QID),
    );
}

#[test]
fn a_card_forgotten_at_the_gate_is_captured() {
    let emu = CardReaderEmulator::start().unwrap();
    let (reader, rx) = card_reader::spawn_with(cfg(emu.path()), Some(Duration::from_millis(400)));
    online(&rx);
    wait_until("entry enabled", || emu.entry_enabled());
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    reader.eject();
    wait_until("card at the gate", || {
        emu.card_position() == CardPosition::AtGate
    });
    // Nobody takes it.
    expect(&rx, "retained", |e| *e == CardEvent::Retained);
    assert_eq!(emu.retained(), 1);
    assert_eq!(emu.card_position(), CardPosition::NoCard);
    assert!(!emu.try_remove_card(), "gone into the bin");
}

#[test]
fn a_card_taken_in_time_is_not_captured() {
    let emu = CardReaderEmulator::start().unwrap();
    let (reader, rx) = card_reader::spawn_with(cfg(emu.path()), Some(Duration::from_secs(3)));
    online(&rx);
    wait_until("entry enabled", || emu.entry_enabled());
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    reader.eject();
    wait_until("card at the gate", || {
        emu.card_position() == CardPosition::AtGate
    });
    assert!(emu.try_remove_card());
    expect(&rx, "removed", |e| *e == CardEvent::Removed);
    assert_eq!(emu.retained(), 0);
}

#[test]
fn a_card_left_inside_at_start_up_goes_to_the_gate() {
    let emu = CardReaderEmulator::start().unwrap();
    // A first driver takes the card in, then goes away (kiosk restart).
    {
        let (_r, rx) = card_reader::spawn_with(cfg(emu.path()), None);
        online(&rx);
        wait_until("entry enabled", || emu.entry_enabled());
        assert!(emu.try_insert_card(QID));
        inserted(&rx);
    }
    // Let the first driver thread notice its handle is gone (it polls every 250 ms), so
    // two drivers never share the line.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(emu.card_position(), CardPosition::Inside);
    // The next driver initialises with eject: the card is offered back at the gate.
    let (_r, rx) = card_reader::spawn_with(cfg(emu.path()), None);
    online(&rx);
    wait_until("card at the gate", || {
        emu.card_position() == CardPosition::AtGate
    });
    assert!(emu.try_remove_card());
    expect(&rx, "removed", |e| *e == CardEvent::Removed);
}

#[test]
fn a_jam_is_reported_and_clears() {
    let emu = CardReaderEmulator::start().unwrap();
    let (reader, rx) = card_reader::spawn_with(cfg(emu.path()), None);
    online(&rx);
    wait_until("entry enabled", || emu.entry_enabled());
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    emu.set_jammed(true);
    expect(&rx, "jammed", |e| *e == CardEvent::Jammed);
    expect(&rx, "hardwareError", |e| {
        *e == CardEvent::State(DeviceState::HardwareError)
    });
    reader.eject();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        emu.card_position(),
        CardPosition::Inside,
        "a jammed card does not move"
    );
    emu.set_jammed(false);
    online(&rx);
    reader.eject();
    wait_until("card at the gate", || {
        emu.card_position() == CardPosition::AtGate
    });
}

#[test]
fn a_reply_with_a_bad_bcc_is_retried() {
    let emu = CardReaderEmulator::start().unwrap();
    let (_r, rx) = card_reader::spawn_with(cfg(emu.path()), None);
    online(&rx);
    wait_until("entry enabled", || emu.entry_enabled());
    let before = emu.command_log().len();
    emu.corrupt_next_reply();
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    let log = emu.command_log();
    // Some command after the fault was sent twice in a row (the retry), none was NAKed.
    assert!(
        log[before..]
            .windows(2)
            .any(|w| (w[0].cm, w[0].pm) == (w[1].cm, w[1].pm)),
        "{log:?}"
    );
    while let Ok(ev) = rx.try_recv() {
        assert_ne!(
            ev,
            CardEvent::State(DeviceState::NoDevice),
            "one bad reply is not a lost link"
        );
    }
}

#[test]
fn unplugged_mid_session_with_a_card_inside_recovers_without_restart() {
    let dir = std::env::temp_dir().join(format!("manassa-crt-replug-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("card");
    let emu = CardReaderEmulator::with_link(&link).unwrap();
    let (reader, rx) = card_reader::spawn_with(cfg(link.clone()), None);
    online(&rx);
    wait_until("entry enabled", || emu.entry_enabled());
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    emu.set_unplugged(true);
    expect(&rx, "noDevice", |e| {
        *e == CardEvent::State(DeviceState::NoDevice)
    });
    emu.set_unplugged(false);
    online(&rx);
    // Re-initialised with eject: the card kept by the reader comes back to the gate.
    wait_until("card at the gate", || {
        emu.card_position() == CardPosition::AtGate
    });
    assert!(emu.try_remove_card());
    expect(&rx, "removed", |e| *e == CardEvent::Removed);
    // And the same driver thread reads the next card.
    wait_until("entry enabled again", || emu.entry_enabled());
    assert!(emu.try_insert_card(QID));
    inserted(&rx);
    reader.eject();
    drop(emu);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn emulator_process_takes_faults_on_stdin() {
    let dir = std::env::temp_dir().join(format!("manassa-crt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("card");
    let mut child = Command::new(env!("CARGO_BIN_EXE_manassa-emulate"))
        .args(["card-reader", "--pty"])
        .arg(&link)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the emulator's link", || link.exists());
    let (_r, rx) = card_reader::spawn_with(cfg(link.clone()), None);
    online(&rx);
    let stdin = child.stdin.as_mut().unwrap();
    writeln!(stdin, "jam").unwrap();
    stdin.flush().unwrap();
    expect(&rx, "jammed", |e| *e == CardEvent::Jammed);
    writeln!(stdin, "unjam").unwrap();
    writeln!(stdin, "bad-bcc").unwrap();
    writeln!(stdin, "insert {QID}").unwrap();
    stdin.flush().unwrap();
    inserted(&rx);
    writeln!(stdin, "quit").unwrap();
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

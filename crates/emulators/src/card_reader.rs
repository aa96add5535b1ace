//! Emulated Creator CRT-310 card reader.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tracing::{debug, warn};

use serialport::TTYPort;

use crate::harness::{Device, Emulator, Shared};
use manassa_devices::card_reader::*;
use manassa_devices::serial::{self, SerialError};

// ---------------------------------------------------------------------------------------
// Emulator
// ---------------------------------------------------------------------------------------

/// One command frame the emulator received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandRecord {
    /// Command byte.
    pub cm: u8,
    /// Parameter byte.
    pub pm: u8,
    /// True when the emulator answered NAK (fault injection) instead of executing it.
    pub nak: bool,
}

/// Largest card record [`CardReaderEmulator::insert_card`] accepts (the reply must fit in
/// [`MAX_TEXT_LEN`]).
pub const MAX_CARD_DATA: usize = MAX_TEXT_LEN - 5;

/// Commands kept in the emulator's log.
const COMMAND_LOG_LEN: usize = 256;

struct EmuState {
    position: CardPosition,
    card: Option<Vec<u8>>,
    entry_enabled: bool,
    nak_next: bool,
    corrupt_next: bool,
    jammed: bool,
    garbage: Vec<u8>,
    retained: u32,
    log: Vec<CommandRecord>,
}

/// Emulated CRT-310-style reader on a pseudo-terminal, speaking the reader side of the
/// protocol (see the module docs) on a background thread.
///
/// Modelled behaviour: a motorized reader that pulls a card in when entry is enabled
/// ([`insert_card`](Self::insert_card)), moves it to the gate on eject/hold, lets the user
/// take it only from the gate ([`remove_card`](Self::remove_card)), captures it from the
/// gate or inside, and powers up with entry disabled. An empty card record models a blank or
/// damaged card (the read is answered with [`ERR_READ`]). Faults: NAK the next command,
/// inject garbage bytes, unplug. The thread stops when the emulator is dropped.
pub struct CardReaderEmulator {
    emu: Emulator<EmuState>,
}

impl CardReaderEmulator {
    /// An emulator on a fresh pty; [`path`](Self::path) is the slave device.
    ///
    /// # Errors
    /// When no pty can be created.
    pub fn start() -> Result<Self, SerialError> {
        Self::spawn(None)
    }

    /// An emulator on a fresh pty with a symlink at `link` (replacing an older symlink).
    /// With a link, [`set_unplugged`](Self::set_unplugged) closes the pty and removes the
    /// link, as a real unplug would, and re-plugging creates a new pty under the same name.
    ///
    /// # Errors
    /// When no pty can be created or `link` exists and is not a symlink.
    pub fn with_link(link: &Path) -> Result<Self, SerialError> {
        Self::spawn(Some(link))
    }

    fn spawn(link: Option<&Path>) -> Result<Self, SerialError> {
        let state = EmuState {
            position: CardPosition::NoCard,
            card: None,
            entry_enabled: false,
            nak_next: false,
            corrupt_next: false,
            jammed: false,
            garbage: Vec::new(),
            retained: 0,
            log: Vec::new(),
        };
        let device = Reader {
            decoder: FrameDecoder::new(),
            pending: None,
        };
        Ok(Self {
            emu: Emulator::spawn("card-reader", link, state, device)?,
        })
    }

    /// The path the driver should open (the symlink if one was given).
    pub fn path(&self) -> PathBuf {
        self.emu.path()
    }

    /// A user pushes a card with record `data` into the slot; see
    /// [`try_insert_card`](Self::try_insert_card). A refused card is ignored.
    pub fn insert_card(&self, data: &str) {
        if !self.try_insert_card(data) {
            debug!("emulated card refused");
        }
    }

    /// A user pushes a card with record `data` into the slot. Accepted (pulled inside)
    /// only when the slot is empty and entry is enabled; returns whether it was. `data`
    /// longer than [`MAX_CARD_DATA`] is refused; an empty record is a blank card.
    pub fn try_insert_card(&self, data: &str) -> bool {
        let mut st = self.emu.lock();
        if st.position != CardPosition::NoCard
            || !st.entry_enabled
            || self.emu.is_unplugged()
            || data.len() > MAX_CARD_DATA
        {
            return false;
        }
        st.position = CardPosition::Inside;
        st.card = Some(data.as_bytes().to_vec());
        true
    }

    /// The user takes the card from the gate; see [`try_remove_card`](Self::try_remove_card).
    pub fn remove_card(&self) {
        if !self.try_remove_card() {
            debug!("no emulated card at the gate to take");
        }
    }

    /// The user takes the card from the gate. Returns false if there is no card at the gate
    /// (a card inside a motorized reader cannot be pulled out).
    pub fn try_remove_card(&self) -> bool {
        let mut st = self.emu.lock();
        if st.position != CardPosition::AtGate || st.jammed {
            return false;
        }
        st.position = CardPosition::NoCard;
        st.card = None;
        true
    }

    /// Where the card is.
    pub fn card_position(&self) -> CardPosition {
        self.emu.lock().position
    }

    /// Whether entry is currently enabled by the host.
    pub fn entry_enabled(&self) -> bool {
        self.emu.lock().entry_enabled
    }

    /// Cards captured into the bin so far.
    pub fn retained(&self) -> u32 {
        self.emu.lock().retained
    }

    /// Answers the next command frame with NAK instead of executing it.
    pub fn nak_next(&self) {
        self.emu.lock().nak_next = true;
    }

    /// Sends the next reply frame with a wrong BCC (line noise on the reply).
    pub fn corrupt_next_reply(&self) {
        self.emu.lock().corrupt_next = true;
    }

    /// Jams (`true`) or clears a jam: while jammed every command is answered negatively
    /// with [`ERR_JAM`] and the card can neither move nor be taken.
    pub fn set_jammed(&self, jammed: bool) {
        self.emu.lock().jammed = jammed;
    }

    /// Writes `bytes` to the host as soon as possible (line noise).
    pub fn send_garbage(&self, bytes: &[u8]) {
        self.emu.lock().garbage.extend_from_slice(bytes);
    }

    /// Simulates unplugging (`true`) and re-plugging (`false`). Unplugged, the reader
    /// answers nothing; with a link the pty is also closed (the driver sees a hang-up) and
    /// the link removed, and re-plugging creates a new pty at the same link. The card is
    /// kept, as on a reader that lost its cable.
    pub fn set_unplugged(&self, unplugged: bool) {
        self.emu.set_unplugged(unplugged);
    }

    /// The command frames received so far (the last 256).
    pub fn command_log(&self) -> Vec<CommandRecord> {
        self.emu.lock().log.clone()
    }
}

/// The reader's line: the CRT-310 handshake (command, ACK/NAK, ENQ, reply).
struct Reader {
    decoder: FrameDecoder,
    /// The reply waiting for the host's ENQ.
    pending: Option<Vec<u8>>,
}

impl Device for Reader {
    type State = EmuState;

    fn turn(&mut self, shared: &Shared<EmuState>, master: &mut TTYPort) {
        let garbage = std::mem::take(&mut shared.lock().garbage);
        if !garbage.is_empty() && serial::write_all(master, &garbage).is_err() {
            warn!("emulator could not send garbage");
        }
        let mut buf = [0u8; 256];
        let n = match serial::read_some(master, &mut buf) {
            Ok(n) => n,
            Err(e) if e.is_timeout() => {
                // Inter-byte gap: a half frame will never complete.
                self.decoder.reset();
                return;
            }
            Err(_) => {
                thread::sleep(Duration::from_millis(20));
                return;
            }
        };
        let mut out = Vec::new();
        for &b in &buf[..n] {
            if self.decoder.is_idle() && (b == ENQ || b == EOT) {
                // ENQ collects the pending reply, EOT cancels it.
                let reply = self.pending.take();
                if b == ENQ
                    && let Some(reply) = reply
                {
                    out.extend_from_slice(&reply);
                }
                continue;
            }
            for result in self.decoder.push(&[b]) {
                match result {
                    Ok(Frame::Command { cm, pm, .. }) => {
                        let mut st = shared.lock();
                        let nak = std::mem::take(&mut st.nak_next);
                        if st.log.len() == COMMAND_LOG_LEN {
                            st.log.remove(0);
                        }
                        st.log.push(CommandRecord { cm, pm, nak });
                        if nak {
                            out.push(NAK);
                            self.pending = None;
                        } else {
                            out.push(ACK);
                            let reply = execute(&mut st, cm, pm);
                            let mut bytes = reply.encode().expect("replies fit in a frame");
                            if std::mem::take(&mut st.corrupt_next) {
                                *bytes.last_mut().expect("non-empty") ^= 0x5A;
                            }
                            self.pending = Some(bytes);
                        }
                    }
                    Ok(other) => debug!(frame = ?other, "emulator ignores a non-command frame"),
                    Err(e) => {
                        debug!(error = %e, "emulator got a bad frame");
                        out.push(NAK);
                    }
                }
            }
        }
        if !out.is_empty() && serial::write_all(master, &out).is_err() {
            warn!("emulator could not answer");
        }
        if !out.is_empty() {
            shared.notify();
        }
    }

    fn unplugged(&mut self, shared: &Shared<EmuState>) {
        // A reader without a cable hears nothing and sends nothing.
        self.decoder.reset();
        self.pending = None;
        shared.lock().garbage.clear();
    }
}

/// Executes one command on the emulated reader and builds its reply.
fn execute(st: &mut EmuState, cm: u8, pm: u8) -> Frame {
    let negative = |[e1, e0]: [u8; 2]| Frame::Negative { cm, pm, e1, e0 };
    if st.jammed {
        return negative(ERR_JAM);
    }
    let result: Result<Vec<u8>, [u8; 2]> = match (cm, pm) {
        (b'0', b'0') => {
            if st.position == CardPosition::Inside {
                st.position = CardPosition::AtGate;
            }
            st.entry_enabled = false;
            Ok(Vec::new())
        }
        (b'1', b'0') => Ok(Vec::new()),
        (b'2', b'0' | b'9') => match st.position {
            CardPosition::NoCard => Err(ERR_NO_CARD),
            _ => {
                st.position = CardPosition::AtGate;
                Ok(Vec::new())
            }
        },
        (b'3', b'0' | b'1') => {
            st.entry_enabled = pm == b'0';
            Ok(Vec::new())
        }
        (b'5', b'0') => match st.position {
            CardPosition::NoCard => Err(ERR_NO_CARD),
            _ => {
                st.position = CardPosition::NoCard;
                st.card = None;
                st.retained += 1;
                Ok(Vec::new())
            }
        },
        (b'6', b'0') => match (&st.card, st.position) {
            (Some(card), CardPosition::Inside) if !card.is_empty() => Ok(card.clone()),
            (Some(_), CardPosition::Inside) => Err(ERR_READ),
            _ => Err(ERR_NO_CARD),
        },
        (b'0' | b'1' | b'2' | b'3' | b'5' | b'6', _) => Err(ERR_PARAMETER),
        _ => Err(ERR_UNDEFINED),
    };
    match result {
        Ok(data) => Frame::Positive {
            cm,
            pm,
            st1: st.position.st1(),
            st0: b'0',
            data,
        },
        Err(code) => negative(code),
    }
}

/// `manassa emulate card-reader --pty PATH [--insert DATA]`: runs an emulator with a
/// symlink at `pty_path`, prints the path, then reads commands from stdin, one per line:
/// `insert DATA`, `remove`, `nak`, `bad-bcc`, `jam`, `unjam`, `garbage`, `unplug`, `plug`,
/// `status`, `quit`. Stops at
/// `quit` or end of input. `--insert` inserts the card as soon as the host enables entry.
///
/// # Errors
/// When the pty or the link cannot be created, or stdin fails.
pub fn run_cli(pty_path: &Path, insert: Option<String>) -> anyhow::Result<()> {
    use rand::Rng;

    let emu = Arc::new(CardReaderEmulator::with_link(pty_path)?);
    println!(
        "card reader emulator on {} (CRT-310 framing); commands: insert DATA | remove | nak | bad-bcc | jam | unjam | garbage | unplug | plug | status | quit",
        emu.path().display()
    );
    let done = Arc::new(AtomicBool::new(false));
    let inserter = insert.map(|data| {
        let (emu, done) = (Arc::clone(&emu), Arc::clone(&done));
        // The driver enables entry only after it connects: keep offering the card.
        thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                if emu.try_insert_card(&data) {
                    println!("card inserted");
                    return;
                }
                thread::sleep(Duration::from_millis(200));
            }
        })
    });
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("insert"), Some(data)) => {
                if emu.try_insert_card(data) {
                    println!("card inserted");
                } else {
                    println!("card refused (slot busy or entry disabled)");
                }
            }
            (Some("insert"), None) => {
                // An empty record models a blank or damaged card.
                println!(
                    "{}",
                    if emu.try_insert_card("") {
                        "blank card inserted"
                    } else {
                        "card refused"
                    }
                );
            }
            (Some("remove"), _) => {
                println!(
                    "{}",
                    if emu.try_remove_card() {
                        "card taken"
                    } else {
                        "no card at the gate"
                    }
                );
            }
            (Some("nak"), _) => {
                emu.nak_next();
                println!("next command will be NAKed");
            }
            (Some("bad-bcc"), _) => {
                emu.corrupt_next_reply();
                println!("next reply will carry a bad BCC");
            }
            (Some(cmd @ ("jam" | "unjam")), _) => {
                emu.set_jammed(cmd == "jam");
                println!(
                    "{}",
                    if cmd == "jam" {
                        "card jammed"
                    } else {
                        "jam cleared"
                    }
                );
            }
            (Some("garbage"), _) => {
                let bytes: [u8; 16] = rand::rng().random();
                emu.send_garbage(&bytes);
                println!("sent 16 random bytes");
            }
            (Some("unplug"), _) => {
                emu.set_unplugged(true);
                println!("unplugged");
            }
            (Some("plug"), _) => {
                emu.set_unplugged(false);
                println!("plugged in");
            }
            (Some("status"), _) => println!(
                "card {:?}, entry {}, retained {}",
                emu.card_position(),
                if emu.entry_enabled() {
                    "enabled"
                } else {
                    "disabled"
                },
                emu.retained()
            ),
            (Some("quit"), _) => break,
            (None, _) => {}
            (Some(other), _) => println!("unknown command {other:?}"),
        }
    }
    // Join the inserter so the emulator (and its symlink) is dropped here, not in a
    // detached thread the process exit would cut short.
    done.store(true, Ordering::Relaxed);
    if let Some(t) = inserter {
        let _ = t.join();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::Receiver;
    use std::time::Instant;

    use manassa_devices::DeviceState;
    use manassa_devices::serial::SerialConfig;

    use super::*;

    /// Waits for the first event matching `want`, failing on timeout.
    fn expect_event(
        rx: &Receiver<CardEvent>,
        what: &str,
        want: impl Fn(&CardEvent) -> bool,
    ) -> CardEvent {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(ev) if want(&ev) => return ev,
                Ok(_) => {}
                Err(e) => panic!("no {what} event: {e}"),
            }
        }
    }

    /// Polls `cond` until it holds, failing after 10 s.
    fn wait_until(what: &str, cond: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cond() {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn fast_config(path: PathBuf) -> SerialConfig {
        let mut cfg = SerialConfig::new(path);
        cfg.read_timeout = Duration::from_millis(50);
        cfg
    }

    #[test]
    fn driver_reads_ejects_and_sees_removal() {
        let emu = CardReaderEmulator::start().unwrap();
        let (reader, events) = spawn(fast_config(emu.path()));
        expect_event(&events, "online", |e| {
            *e == CardEvent::State(DeviceState::Online)
        });
        wait_until("entry enabled", || emu.entry_enabled());
        assert!(emu.try_insert_card("28463400123"));
        assert_eq!(
            expect_event(&events, "inserted", |e| matches!(
                e,
                CardEvent::Inserted { .. }
            )),
            CardEvent::Inserted {
                card_data: "28463400123".into()
            }
        );
        assert!(!emu.try_remove_card(), "a card inside cannot be pulled out");

        reader.eject();
        wait_until("card at the gate", || {
            emu.card_position() == CardPosition::AtGate
        });
        assert!(emu.try_remove_card());
        expect_event(&events, "removed", |e| *e == CardEvent::Removed);

        // A blank card is reported as invalid, then captured.
        assert!(emu.try_insert_card(""));
        let ev = expect_event(&events, "invalid", |e| {
            matches!(e, CardEvent::Invalid { .. })
        });
        assert!(format!("{ev:?}").contains("60"), "{ev:?}");
        reader.capture();
        expect_event(&events, "retained", |e| *e == CardEvent::Retained);
        assert_eq!(emu.retained(), 1);
        assert_eq!(emu.card_position(), CardPosition::NoCard);

        reader.enable_entry(false);
        wait_until("entry disabled", || !emu.entry_enabled());
        assert!(!emu.try_insert_card("28463400123"));
    }

    #[test]
    fn nak_is_retried() {
        let emu = CardReaderEmulator::start().unwrap();
        let (_reader, events) = spawn(fast_config(emu.path()));
        expect_event(&events, "online", |e| {
            *e == CardEvent::State(DeviceState::Online)
        });
        wait_until("entry enabled", || emu.entry_enabled());
        emu.nak_next();
        emu.send_garbage(b"\xffjunk\x00");
        assert!(emu.try_insert_card("28463400123"));
        expect_event(
            &events,
            "inserted",
            |e| matches!(e, CardEvent::Inserted { card_data } if card_data == "28463400123"),
        );
        let log = emu.command_log();
        let i = log
            .iter()
            .position(|r| r.nak)
            .expect("the emulator NAKed one command");
        assert_eq!(log.iter().filter(|r| r.nak).count(), 1);
        let retry = log.get(i + 1).expect("the command was retried");
        assert_eq!(
            (retry.cm, retry.pm, retry.nak),
            (log[i].cm, log[i].pm, false)
        );
        // The retry succeeded: the link was never considered lost.
        while let Ok(ev) = events.try_recv() {
            assert_ne!(ev, CardEvent::State(DeviceState::NoDevice));
        }
    }

    #[test]
    fn unplug_reports_no_device_and_reconnects() {
        let dir = std::env::temp_dir().join(format!("manassa-crt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("card-reader");
        let emu = CardReaderEmulator::with_link(&link).unwrap();
        let (_reader, events) = spawn(fast_config(link.clone()));
        expect_event(&events, "online", |e| {
            *e == CardEvent::State(DeviceState::Online)
        });
        emu.set_unplugged(true);
        expect_event(&events, "noDevice", |e| {
            *e == CardEvent::State(DeviceState::NoDevice)
        });
        emu.set_unplugged(false);
        expect_event(&events, "online again", |e| {
            *e == CardEvent::State(DeviceState::Online)
        });
        wait_until("entry enabled again", || emu.entry_enabled());
        assert!(emu.try_insert_card("28463400123"));
        expect_event(&events, "inserted", |e| {
            matches!(e, CardEvent::Inserted { .. })
        });
        drop(emu);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

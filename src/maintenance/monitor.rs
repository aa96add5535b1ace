//! What the technician's device page shows: persisted counters (A4 pages, tickets, cuts,
//! card captures, tickets on the current paper roll) and, per device, the last
//! XFS4IoT-style state and last error seen since start.
//!
//! The kiosk has one [`Monitor`], made by [`crate::maintenance::service::technician`] and
//! handed to whatever reports to it: the runtime's print step
//! ([`crate::runtime::Services::monitor`]), the card and badge reader bridges. No global:
//! two kiosks in one process (tests) keep their own counters. Counters are a JSON file
//! written atomically after every change (a few writes per resident at most).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use manassa_session::maintenance::{Counts, Device};

use manassa_devices::DeviceState;

/// A counted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// One A4 page delivered.
    A4Page,
    /// One thermal ticket printed and cut.
    Ticket,
    /// One card captured.
    CardCapture,
}

/// Last seen state and error of one device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Last XFS4IoT device state, if any was seen.
    pub state: Option<DeviceState>,
    /// Last error (no personal data), if any.
    pub last_error: Option<String>,
}

/// Counters plus device states.
pub struct Monitor {
    path: PathBuf,
    counts: Mutex<Counts>,
    devices: Mutex<BTreeMap<Device, DeviceInfo>>,
}

impl Monitor {
    /// Counters from `path` (zeros when missing or unreadable).
    pub fn open(path: &Path) -> Monitor {
        let counts = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        Monitor {
            path: path.to_owned(),
            counts: Mutex::new(counts),
            devices: Mutex::new(BTreeMap::new()),
        }
    }

    /// Current counters.
    pub fn counts(&self) -> Counts {
        *self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, f: impl FnOnce(&mut Counts)) {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut c);
        if let Err(e) = super::pins::save(&self.path, &*c) {
            tracing::error!(error = %e, "maintenance counters not saved");
        }
    }

    /// Count one event.
    pub fn record(&self, what: Counter) {
        self.update(|c| match what {
            Counter::A4Page => c.a4_pages += 1,
            Counter::Ticket => {
                c.tickets += 1;
                c.cuts += 1;
                c.roll_tickets += 1;
            }
            Counter::CardCapture => c.card_captures += 1,
        });
    }

    /// A new paper roll: restart the roll's ticket count.
    pub fn reset_roll(&self) {
        self.update(|c| c.roll_tickets = 0);
    }

    /// Record a device's state and/or error (`None` leaves that part as it was).
    pub fn device(&self, d: Device, state: Option<DeviceState>, error: Option<String>) {
        let mut m = self.devices.lock().unwrap_or_else(|p| p.into_inner());
        let e = m.entry(d).or_default();
        if state.is_some() {
            e.state = state;
        }
        if error.is_some() {
            e.last_error = error.map(|s| manassa_text::sanitize(&s));
        }
    }

    /// Last state and error of `d`.
    pub fn device_info(&self, d: Device) -> DeviceInfo {
        self.devices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&d)
            .cloned()
            .unwrap_or_default()
    }
}

/// Watch the card reader's events on the way to the session: states, jams and captures
/// are recorded on `monitor`, every event is passed on unchanged. Returns the receiver to give to
/// [`crate::runtime::forward_card_events`].
pub fn tap_card_events(
    events: std::sync::mpsc::Receiver<manassa_devices::card_reader::CardEvent>,
    monitor: Arc<Monitor>,
) -> std::sync::mpsc::Receiver<manassa_devices::card_reader::CardEvent> {
    use manassa_devices::card_reader::CardEvent;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("card-monitor".into())
        .spawn(move || {
            for ev in events {
                match &ev {
                    CardEvent::State(s) => monitor.device(Device::CardReader, Some(*s), None),
                    CardEvent::Retained => monitor.record(Counter::CardCapture),
                    CardEvent::Jammed => monitor.device(
                        Device::CardReader,
                        Some(DeviceState::HardwareError),
                        Some("card jammed".into()),
                    ),
                    CardEvent::Invalid { reason } => {
                        monitor.device(Device::CardReader, None, Some(reason.clone()))
                    }
                    _ => {}
                }
                if tx.send(ev).is_err() {
                    break;
                }
            }
        })
        .expect("spawn card-monitor thread");
    rx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_persist_and_the_roll_resets() {
        let d = std::env::temp_dir().join(format!("manassa-monitor-{}", std::process::id()));
        let path = d.join("counters.json");
        let _ = std::fs::remove_dir_all(&d);
        let m = Monitor::open(&path);
        m.record(Counter::Ticket);
        m.record(Counter::Ticket);
        m.record(Counter::A4Page);
        m.reset_roll();
        m.record(Counter::Ticket);
        m.record(Counter::CardCapture);
        let again = Monitor::open(&path);
        assert_eq!(
            again.counts(),
            Counts {
                a4_pages: 1,
                tickets: 3,
                cuts: 3,
                card_captures: 1,
                roll_tickets: 1
            }
        );
        m.device(
            Device::Thermal,
            Some(DeviceState::NoDevice),
            Some("gone".into()),
        );
        m.device(Device::Thermal, Some(DeviceState::Online), None);
        let info = m.device_info(Device::Thermal);
        assert_eq!(info.state, Some(DeviceState::Online));
        assert_eq!(info.last_error.as_deref(), Some("gone"));
        let _ = std::fs::remove_dir_all(d);
    }
}

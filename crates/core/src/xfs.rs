//! Device status words following CEN/XFS4IoT (`common.status.device`,
//! `printer.status.paper`, `cardReader.status.media`), so technicians and integrators
//! recognise them.

use serde::{Deserialize, Serialize};

/// Device state, as in XFS4IoT `common.status.device`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DeviceState {
    /// The device is present and working.
    Online,
    /// The device is present but not available (e.g. taken offline by a switch or an
    /// operator, or a printer stopped by an open cover).
    Offline,
    /// The device is powered off or physically disconnected.
    PowerOff,
    /// The device cannot be reached: its port is missing, it was unplugged or it does not
    /// answer. Drivers keep trying to reopen it with a capped backoff.
    NoDevice,
    /// The device is present but inoperable because of a hardware fault.
    HardwareError,
    /// The device is present but a person is preventing proper operation (e.g. holding a
    /// card in the slot).
    UserError,
    /// The device is busy and cannot currently accept commands.
    DeviceBusy,
}

/// Paper supply state, as in XFS4IoT `printer.status.paper`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PaperState {
    /// Paper is present and not near its end.
    Full,
    /// The near-end sensor has tripped: replace the roll soon.
    Low,
    /// No paper.
    Out,
    /// Paper is jammed (or the printer reports an error that stops the paper path).
    Jammed,
}

/// Card-reader media state, as in XFS4IoT `cardReader.status.media`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum MediaState {
    /// A card is inside the reader.
    Present,
    /// No card in the reader.
    NotPresent,
    /// A card is jammed in the transport.
    Jammed,
    /// A card is at the entry slot (the "mouth"), e.g. after an eject, waiting to be taken.
    Entering,
    /// A card is latched inside the reader.
    Latched,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_use_xfs4iot_names() {
        let names: Vec<String> = [
            DeviceState::Online,
            DeviceState::Offline,
            DeviceState::PowerOff,
            DeviceState::NoDevice,
            DeviceState::HardwareError,
            DeviceState::UserError,
            DeviceState::DeviceBusy,
        ]
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
        assert_eq!(
            names,
            [
                "\"online\"",
                "\"offline\"",
                "\"powerOff\"",
                "\"noDevice\"",
                "\"hardwareError\"",
                "\"userError\"",
                "\"deviceBusy\""
            ]
        );
        assert_eq!(
            serde_json::to_string(&MediaState::NotPresent).unwrap(),
            "\"notPresent\""
        );
        assert_eq!(
            serde_json::from_str::<PaperState>("\"jammed\"").unwrap(),
            PaperState::Jammed
        );
    }
}

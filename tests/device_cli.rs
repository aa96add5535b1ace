//! `manassa device list|test` against the emulators on pseudo-terminals: the kiosk binary's
//! technician commands, so this test lives with the kiosk.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use manassa_devices::scanner::Terminator;
use manassa_emulators::card_reader::CardReaderEmulator;
use manassa_emulators::escpos::PrinterEmulator;
use manassa_emulators::scanner::ScannerEmulator;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("manassa-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `manassa device list` and `manassa device test` against emulators named in a config.
#[test]
fn device_list_and_test_commands_report_states_and_results() {
    let dir = tmpdir("device-cli");
    let card = CardReaderEmulator::start().unwrap();
    let printer = PrinterEmulator::start().unwrap();
    let scan = ScannerEmulator::start(None, Terminator::CrLf).unwrap();
    let config = dir.join("manassa.toml");
    std::fs::write(
        &config,
        format!(
            "[card_reader]\npath = {:?}\n[printer]\npath = {:?}\ndot_width = 576\n\
             [badge_reader]\npath = {:?}\n[scanner]\npath = {:?}\nterminator = \"crlf\"\n",
            card.path(),
            printer.path(),
            dir.join("no-such-badge-reader"),
            scan.path()
        ),
    )
    .unwrap();
    let manassa = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_manassa"))
            .args(["device", "--config"])
            .arg(&config)
            .args(args)
            .output()
            .unwrap()
    };
    let out = manassa(&["list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .to_string()
    };
    assert!(line("card-reader").contains("online") && line("card-reader").contains("notPresent"));
    assert!(line("printer").contains("online") && line("printer").contains("paper full"));
    assert!(line("badge-reader").contains("noDevice"));
    assert!(line("scanner").contains("online"));
    assert!(!text.contains("mrz-reader"), "not configured, not listed");

    // The printer test prints a ticket on the emulator.
    let out = manassa(&["test", "printer"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printer
            .jobs()
            .iter()
            .any(|j| j.cut && j.qr_codes == ["MANASSA-PRINTER-TEST"])
    );

    // The scanner test waits for a scan: keep scanning until it has one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_manassa"))
        .args(["device", "--config"])
        .arg(&config)
        .args(["test", "scanner", "--seconds", "15"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            Instant::now() < deadline,
            "device test scanner did not finish"
        );
        scan.scan("MNS1:XYZ");
        std::thread::sleep(Duration::from_millis(200));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    assert!(status.success(), "{stdout}");
    assert!(stdout.contains("scan read: 8 characters"), "{stdout}");

    // An unknown name is refused with the configured ones.
    let out = manassa(&["test", "mrz-reader"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no configured device"));
    let _ = std::fs::remove_dir_all(&dir);
}

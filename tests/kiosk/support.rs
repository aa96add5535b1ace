//! The kiosk's outside world for end-to-end tests, on real parts: the reference ministry
//! server over HTTP on loopback, a SQLite outbox with its sync worker, and the `Services`
//! a `Kiosk` runs its effects on (devices are added by each test). Shared by the journey
//! tests so each states only what it is about.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use manassa::runtime::Services;
use manassa::ui::KioskUi;
use manassa_devices::a4::A4Sink;
use manassa_ministry_api::client::Client;
use manassa_outbox::{Outbox, SyncWorker, spawn_sync_worker};
use manassa_sim::{self, SimConfig, SimHandle};

/// The reference server, an outbox and its sync worker, and a scratch folder.
pub struct Stack {
    /// Runs the server, the sync worker and the kiosk's effects.
    pub rt: tokio::runtime::Runtime,
    sim: Option<SimHandle>,
    /// The kiosk's outbox.
    pub outbox: Arc<Outbox>,
    /// Scratch folder, removed on drop.
    pub tmp: PathBuf,
    client: Client,
    sync: SyncWorker,
}

impl Stack {
    /// Start the server with `config` and an outbox in a fresh folder named after `tag`.
    pub fn start(tag: &str, config: SimConfig) -> Stack {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sim = rt
            .block_on(manassa_sim::spawn(config, "127.0.0.1:0".parse().unwrap()))
            .unwrap();
        let tmp = std::env::temp_dir().join(format!("manassa-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let client =
            Client::new(&sim.base_url(), "demo-kiosk-token", Duration::from_secs(5)).unwrap();
        let outbox = Arc::new(Outbox::open(&tmp.join("outbox.sqlite")).unwrap());
        let sync = {
            let _g = rt.enter();
            spawn_sync_worker(outbox.clone(), client.clone())
        };
        Stack {
            rt,
            sim: Some(sim),
            outbox,
            tmp,
            client,
            sync,
        }
    }

    /// The reference ministry server.
    pub fn sim(&self) -> &SimHandle {
        self.sim.as_ref().expect("the reference server was stopped")
    }

    /// Stop the reference server: the ministry is unreachable from now on.
    pub fn stop_server(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown()).unwrap();
        }
    }

    /// Services for kiosk `kiosk_id` printing A4 to `a4`, no serial devices (set them with
    /// struct update syntax). `demo` shows the one-time code (there is no SMS gateway).
    pub fn services(&self, a4: A4Sink, kiosk_id: &str, demo: bool) -> Services {
        Services {
            client: self.client.clone(),
            outbox: self.outbox.clone(),
            sync: self.sync.clone(),
            a4,
            thermal: None,
            card: None,
            scanner: None,
            kiosk_id: kiosk_id.into(),
            demo,
            keys: Default::default(),
            verifier_url: manassa_documents::seal::DEFAULT_VERIFIER_URL.into(),
            prepared: Default::default(),
            monitor: None,
        }
    }

    /// A4 papers written to a folder of the scratch folder.
    pub fn a4_folder(&self) -> A4Sink {
        A4Sink::File {
            folder: self.tmp.join("papers"),
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.tmp);
    }
}

/// A sample document payload from `docs/samples/NAME.json`.
pub fn sample(name: &str) -> serde_json::Value {
    let path = format!("{}/docs/samples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Pump the UI (effects' answers, device events, the idle clock) until `f` holds; panics
/// after `secs` seconds naming `what` and the screen.
pub fn pump_until(ui: &KioskUi, secs: u64, what: &str, f: impl Fn() -> bool) {
    let start = Instant::now();
    loop {
        ui.pump();
        if f() {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}; screen {:?}",
            ui.window().get_screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every non-empty accessible label in the window (hidden elements included).
pub fn labels(ui: &KioskUi) -> Vec<String> {
    ElementQuery::from_root(ui.window())
        .match_descendants()
        .find_all()
        .into_iter()
        .filter_map(|e| e.accessible_label().map(|l| l.to_string()))
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether some label contains `want` (LEFT-TO-RIGHT MARKs around values ignored).
pub fn has_label(ui: &KioskUi, want: &str) -> bool {
    labels(ui)
        .iter()
        .any(|l| l.replace('\u{200E}', "").contains(want))
}

/// Press the element labelled `label` (its accessible default action): a button when one
/// has the label (a fact row or a field may carry the same text). Panics, listing the
/// labels, when nothing has it.
pub fn press(ui: &KioskUi, label: &str) {
    let found: Vec<ElementHandle> =
        ElementHandle::find_by_accessible_label(ui.window(), label).collect();
    let target = found
        .iter()
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .or(found.first())
        .unwrap_or_else(|| panic!("no element labelled {label:?}; labels: {:?}", labels(ui)));
    target.invoke_accessible_default_action();
}

/// The reference number on the done screen (its last word, without the LEFT-TO-RIGHT
/// MARKs around it).
pub fn done_reference(ui: &KioskUi) -> String {
    ui.window()
        .get_reference_text()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| *c != '\u{200E}')
        .collect()
}

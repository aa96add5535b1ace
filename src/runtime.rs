//! Runs the session's effects: the bridge between the pure [`Session`] and the edges
//! (ministry API, printers, card reader, outbox). Slint-free: [`crate::ui`] owns the window
//! and calls [`Kiosk::dispatch`] and [`Kiosk::poll`] on the UI thread; everything slow runs
//! on the tokio runtime or a device thread and comes back as an [`Intent`] over a channel.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Instant;

use serde_json::json;

use manassa_devices::a4::{A4Error, A4Sink, JobEnd, PrinterProblem, WaitPolicy};
use manassa_devices::card_reader::{CardEvent, CardReaderHandle};
use manassa_devices::thermal::ThermalPrinter;
use manassa_documents::ticket::{self, Ticket};
use manassa_documents::{kinds, layout, pdf, seal};
use manassa_i18n::Lang;
use manassa_ministry_api::client::{ApiError, Client};
use manassa_ministry_api::{DocumentKind, ResidentSession, SignedDocument};
use manassa_outbox::{Outbox, SyncWorker};
use manassa_session::{DocItem, Effect, Failure, Intent, PreviewImage, PrintStage, Session, View};

/// The kiosk's connections to the outside world.
pub struct Services {
    /// Ministry API client.
    pub client: Client,
    /// Durable outbox.
    pub outbox: Arc<Outbox>,
    /// Outbox sync worker (woken after every enqueue).
    pub sync: SyncWorker,
    /// A4 output.
    pub a4: A4Sink,
    /// Thermal ticket printer, if configured.
    pub thermal: Option<ThermalPrinter>,
    /// Card reader, if configured.
    pub card: Option<CardReaderHandle>,
    /// QR scanner, if configured. [`Kiosk::new`] takes it: dropping the kiosk stops the
    /// reader thread at once, even while an effect still holds the services (a reader
    /// left running would reopen its port path, which the OS may give to another device).
    pub scanner: Option<manassa_devices::passive::ReaderHandle>,
    /// Kiosk id for reference numbers and audit records.
    pub kiosk_id: String,
    /// Demo mode: show the one-time code on a demo panel (no SMS gateway exists).
    pub demo: bool,
    /// The ministry's seal verification keys, kept on disk for offline verification.
    pub keys: Arc<crate::tawkeed::KeyStore>,
    /// The verifier page's URL, printed in each paper's QR with the seal in its fragment.
    pub verifier_url: String,
    /// The paper rendered for the preview, printed on confirmation; wiped with the session.
    pub prepared: std::sync::Mutex<Option<Prepared>>,
    /// The technician menu's counters and device states (pages, tickets, the ticket
    /// printer's last error); `None` where there is no menu.
    pub monitor: Option<Arc<crate::maintenance::monitor::Monitor>>,
}

/// A paper fetched, verified and rendered, waiting for the resident's confirmation.
pub struct Prepared {
    /// Document id.
    pub document_id: String,
    /// Document number (A4 job name, audit).
    pub number: String,
    /// Kind (audit).
    pub kind: DocumentKind,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// An intent on its way back to the UI thread. Answers to effects carry the session
/// generation that asked; device events carry none and always apply.
pub struct Tagged {
    generation: Option<u64>,
    intent: Intent,
}

/// Feeds device events into the kiosk from any thread.
#[derive(Clone)]
pub struct IntentSender(Sender<Tagged>);

impl IntentSender {
    /// Queue `intent`; returns false once the kiosk is gone.
    pub fn send(&self, intent: Intent) -> bool {
        self.0
            .send(Tagged {
                generation: None,
                intent,
            })
            .is_ok()
    }
}

/// The session plus the machinery that runs its effects.
pub struct Kiosk {
    session: Session,
    services: Arc<Services>,
    rt: tokio::runtime::Handle,
    tx: Sender<Tagged>,
    rx: Receiver<Tagged>,
    started: Instant,
    /// Bumped on every wipe; answers from an older generation are dropped.
    generation: u64,
    /// The same generation for tasks that store state themselves (the prepared paper): a
    /// paper prepared for a wiped session is never kept.
    live: Arc<std::sync::atomic::AtomicU64>,
    /// Audio guidance: the narration of every view change, when audio mode is on.
    speaker: Option<crate::speech::Speaker>,
    /// The technician menu covers the screen: resident input is dropped (a card is given
    /// back), only the clock and cancelling reach the session.
    suspended: bool,
    /// The QR scanner's reader thread, owned here (see [`Services::scanner`]).
    _scanner: Option<manassa_devices::passive::ReaderHandle>,
}

impl Drop for Kiosk {
    /// Effects still running hold the services, and so the card reader handle: stop its
    /// driver now, as the scanner's goes with [`Kiosk`] itself.
    fn drop(&mut self) {
        if let Some(card) = &self.services.card {
            card.shutdown();
        }
    }
}

impl Kiosk {
    /// A kiosk on the attract screen. `rt` runs the effects.
    pub fn new(session: Session, mut services: Services, rt: tokio::runtime::Handle) -> Kiosk {
        let (tx, rx) = channel();
        Kiosk {
            _scanner: services.scanner.take(),
            session,
            services: Arc::new(services),
            rt,
            tx,
            rx,
            started: Instant::now(),
            generation: 0,
            live: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            speaker: None,
            suspended: false,
        }
    }

    /// New defaults for the next user (technician menu, see [`Session::set_defaults`]):
    /// language, idle time in seconds, speech volume level 1–5. The session on screen is
    /// not changed; the next wipe starts from them.
    pub fn set_defaults(
        &mut self,
        lang: manassa_i18n::Lang,
        idle_timeout_s: u64,
        volume_level: u8,
    ) {
        self.session
            .set_defaults(lang, idle_timeout_s, volume_level);
    }

    /// Hold the resident's side still (the technician menu is open) or let it go again.
    pub fn set_suspended(&mut self, on: bool) {
        self.suspended = on;
    }

    /// Speak through `speaker` while a user has audio mode on (ADA §707.5, EN 301 549
    /// 5.1.3.1): every view change is narrated by [`manassa_session::narrate`].
    pub fn with_speaker(mut self, speaker: crate::speech::Speaker) -> Kiosk {
        self.speaker = Some(speaker);
        self
    }

    /// Say what changed between `before` and now, at the user's volume and rate.
    fn narrate(&self, before: Option<View>) {
        let Some(speaker) = &self.speaker else {
            return;
        };
        let after = self.session.view();
        let p = speaker.prosody();
        if i8::try_from(after.access.volume).ok() != Some(p.volume) {
            speaker.set_volume(after.access.volume as i8);
        }
        if after.access.rate != p.rate {
            speaker.set_rate(after.access.rate);
        }
        if let Some(n) = manassa_session::narrate::narrate(before.as_ref(), &after) {
            speaker.say(n.cues, n.interrupt);
        }
    }

    /// A sender device threads use to feed intents in (e.g. card events).
    pub fn sender(&self) -> IntentSender {
        IntentSender(self.tx.clone())
    }

    /// Whether this kiosk runs in demo mode.
    pub fn is_demo(&self) -> bool {
        self.services.demo
    }

    /// The current view model.
    pub fn view(&self) -> View {
        self.session.view()
    }

    /// Apply a user intent and start its effects.
    pub fn dispatch(&mut self, intent: Intent) {
        if self.suspended && !matches!(intent, Intent::Tick(_) | Intent::Cancel) {
            // A card inserted under the technician menu is given straight back.
            if matches!(intent, Intent::CardRead { .. } | Intent::CardUnreadable) {
                self.run(Effect::EjectCard);
            }
            return;
        }
        // Views are built for narration only while audio mode is (or just became) on: the
        // clock ticks 20 times a second and audio mode is off for most users.
        let speaking = |k: &Kiosk| k.speaker.is_some() && k.session.audio_on();
        let before = speaking(self).then(|| self.session.view());
        let effects = self.session.handle(intent);
        for e in effects {
            self.run(e);
        }
        if before.is_some() || speaking(self) {
            self.narrate(before);
        }
    }

    /// Tick the clock and apply every intent that arrived from effects and devices.
    /// Returns whether anything happened (the UI re-renders then).
    pub fn poll(&mut self) -> bool {
        let before = self.session.view();
        let now = self.started.elapsed().as_millis() as u64;
        self.dispatch(Intent::Tick(now));
        while let Ok(t) = self.rx.try_recv() {
            if t.generation.is_none_or(|g| g == self.generation) {
                self.dispatch(t.intent);
            }
        }
        self.session.view() != before
    }

    fn run(&mut self, effect: Effect) {
        let svc = self.services.clone();
        let tx = self.tx.clone();
        let generation = self.generation;
        let send = move |intent: Intent| {
            let _ = tx.send(Tagged {
                generation: Some(generation),
                intent,
            });
        };
        match effect {
            Effect::Wipe => {
                // Answers still on their way belong to the old session and are dropped.
                self.generation += 1;
                self.live
                    .store(self.generation, std::sync::atomic::Ordering::SeqCst);
                if let Ok(mut p) = svc.prepared.lock() {
                    *p = None;
                }
                // The next user starts with default volume and rate and an empty script.
                if let Some(s) = &self.speaker {
                    s.reset();
                }
            }
            Effect::EjectCard => {
                if let Some(card) = &svc.card {
                    card.eject();
                }
            }
            Effect::StartChallenge { qid, method } => {
                self.rt.spawn(async move {
                    match svc.client.start_challenge(&qid, method).await {
                        Ok(ch) => {
                            let id = ch.challenge_id.clone();
                            // Shown and spoken: untrusted, bounded.
                            send(Intent::ChallengeStarted {
                                challenge_id: ch.challenge_id,
                                masked_phone: manassa_text::sanitize::sanitize_with(
                                    &ch.masked_phone,
                                    24,
                                    false,
                                ),
                            });
                            if svc.demo
                                && let Ok(code) = svc.client.demo_sms_code(&id).await
                            {
                                send(Intent::DemoCode(code));
                            }
                        }
                        Err(e) => send(Intent::Failed(challenge_failure(&e))),
                    }
                });
            }
            Effect::VerifyCode { challenge_id, code } => {
                self.rt.spawn(async move {
                    match svc.client.verify_code(&challenge_id, &code).await {
                        Ok(s) => send(Intent::CodeVerified {
                            token: s.session_token,
                        }),
                        Err(e) => send(Intent::Failed(failure(&e))),
                    }
                });
            }
            Effect::ListDocuments { token } => {
                self.rt.spawn(async move {
                    match svc.client.list_documents(&resident(&token)).await {
                        Ok(list) => send(Intent::DocumentsListed(
                            list.into_iter()
                                // Shown, spoken and used as keys: untrusted, bounded.
                                .map(|d| DocItem {
                                    id: manassa_text::sanitize::sanitize_with(&d.id, 64, false),
                                    kind: d.kind,
                                    number: manassa_text::sanitize::sanitize_with(
                                        &d.number, 40, false,
                                    ),
                                    issued_on: manassa_text::sanitize::sanitize_with(
                                        &d.issued_on,
                                        10,
                                        false,
                                    ),
                                })
                                .collect(),
                        )),
                        Err(e) => send(Intent::Failed(failure(&e))),
                    }
                });
            }
            Effect::PrepareDocument { token, document_id } => {
                let live = (self.live.clone(), generation);
                self.rt.spawn(async move {
                    send(
                        match prepare_document(&svc, &token, &document_id, live).await {
                            Ok(preview) => Intent::PreviewReady {
                                document_id,
                                preview,
                            },
                            Err(f) => Intent::Failed(f),
                        },
                    );
                });
            }
            Effect::PrintDocument { document_id, lang } => {
                self.rt.spawn(async move {
                    let progress = |stage| send(Intent::PrintProgress(stage));
                    send(
                        match print_document(&svc, &document_id, lang, &progress).await {
                            Ok(reference) => Intent::PrintFinished { reference },
                            Err(f) => Intent::Failed(f),
                        },
                    );
                });
            }
            Effect::CheckPrinter => {
                self.rt.spawn(async move {
                    // Any answer but "ready" (paper out, stopped, no such queue) stops the
                    // print service before the resident identifies.
                    if let Err(e) = svc.a4.check().await {
                        tracing::warn!(error = %e, "A4 printer not ready before identification");
                        send(Intent::Failed(Failure::A4NotReady(e.problem())));
                    }
                });
            }
            Effect::FileComplaint {
                category,
                text,
                phone,
                lang,
            } => {
                let reference = format!("C-{}", reference_number(&svc.kiosk_id));
                let record = json!({
                    "kiosk_id": svc.kiosk_id,
                    "reference": reference,
                    "category": category.wire(),
                    "text": manassa_text::sanitize::sanitize_with(
                        &text,
                        manassa_session::COMPLAINT_MAX_CHARS,
                        false
                    ),
                    "phone": phone,
                    "lang": lang.tag(),
                });
                self.rt.spawn(async move {
                    send(submit(&svc, "complaint.filed", record, reference).await);
                });
            }
            Effect::SubmitRating { stars, lang } => {
                let record = json!({
                    "kiosk_id": svc.kiosk_id,
                    "stars": stars,
                    "lang": lang.tag(),
                });
                self.rt.spawn(async move {
                    send(submit(&svc, "rating.given", record, String::new()).await);
                });
            }
            // Help: the whole screen again, then where the focus is.
            Effect::RepeatSpeech => {
                if let Some(s) = &self.speaker {
                    let v = self.session.view();
                    let mut cues = manassa_session::narrate::screen_script(&v);
                    if let Some(c) = v.focus.and_then(|i| v.choices.get(i)) {
                        cues.push(crate::speech::Cue::say(
                            v.lang,
                            manassa_session::narrate::describe(&v, c),
                        ));
                    }
                    s.say(cues, true);
                }
            }
            Effect::VerifySeal { text } => {
                self.rt.spawn(async move {
                    send(Intent::SealChecked(
                        crate::tawkeed::check_scanned(&svc.client, &svc.keys, &text)
                            .await
                            .verdict,
                    ));
                });
            }
        }
    }
}

fn resident(token: &str) -> ResidentSession {
    ResidentSession {
        session_token: token.to_string(),
        expires_in_s: 0,
    }
}

/// Map an error of asking for a one-time code: a 429 there is the ministry's quota on
/// codes (per resident and per kiosk), told with the time to wait (`Retry-After`, rounded
/// up to minutes; 10 minutes when the answer does not say).
pub fn challenge_failure(e: &ApiError) -> Failure {
    match e {
        ApiError::Problem {
            status: 429,
            retry_after_s,
            ..
        } => Failure::TooManyCodes {
            minutes: retry_after_s.map_or(10, |s| s.div_ceil(60).max(1) as u32),
        },
        other => failure(other),
    }
}

/// Map an API error to what the session needs to know.
pub fn failure(e: &ApiError) -> Failure {
    match e {
        ApiError::InvalidQid(_) => Failure::InvalidQid,
        ApiError::Problem {
            code,
            attempts_left,
            ..
        } => match code.as_str() {
            "invalid-qid" => Failure::InvalidQid,
            "resident-not-found" => Failure::ResidentNotFound,
            "account-locked" => Failure::AccountLocked,
            "wrong-code" => Failure::WrongCode {
                attempts_left: attempts_left.unwrap_or(0),
            },
            "too-many-attempts" => Failure::TooManyAttempts,
            "challenge-expired" => Failure::CodeExpired,
            _ => Failure::Other,
        },
        // A redirect is a misrouted ministry (a captive portal, a proxy): to the resident,
        // the ministry cannot be reached.
        ApiError::Network(_)
        | ApiError::Timeout
        | ApiError::Malformed(_)
        | ApiError::Redirect { .. } => Failure::Network,
        ApiError::Config(_) => Failure::Other,
    }
}

/// Fetch, render and print one paper, print the ticket and audit it. Returns the ticket's
/// reference number.
/// Pixels per inch of the on-screen preview of page 1.
const PREVIEW_DPI: f32 = 72.0;

/// Fetch a paper, verify its seal against what will be printed, render the PDF and page 1
/// as a preview; keep the PDF for [`print_document`].
async fn prepare_document(
    svc: &Services,
    token: &str,
    document_id: &str,
    (live, generation): (Arc<std::sync::atomic::AtomicU64>, u64),
) -> Result<PreviewImage, Failure> {
    let doc: SignedDocument = svc
        .client
        .fetch_document(&resident(token), document_id)
        .await
        .map_err(|e| failure(&e))?;
    let content = kinds::content(doc.kind, &doc.payload).map_err(|e| {
        tracing::warn!(field = %e.field, "document payload rejected");
        Failure::Other
    })?;
    // DESIGN §4: never print a paper whose seal does not verify against what is printed,
    // is not this document's, or would not fit a readable QR.
    let fetched = seal::Fetched {
        document_id: &doc.id,
        holder_ref: doc.holder_ref.as_deref(),
    };
    let qr = match crate::tawkeed::check_for_print(
        &svc.client,
        &svc.keys,
        &svc.verifier_url,
        doc.seal.as_deref(),
        fetched,
        &content,
    )
    .await
    {
        Ok(qr) => qr,
        Err(reason) => {
            tracing::warn!(%reason, "seal rejected; paper not printed");
            let audit = json!({
                "kiosk_id": svc.kiosk_id,
                "document_id": doc.id,
                "document_kind": doc.kind,
                "reason": reason.to_string(),
            });
            let outbox = svc.outbox.clone();
            if let Ok(Ok(_)) =
                tokio::task::spawn_blocking(move || outbox.enqueue("seal_rejected", &audit)).await
            {
                svc.sync.wake();
            }
            return Err(Failure::SealInvalid);
        }
    };
    let (bytes, preview) = tokio::task::spawn_blocking(move || {
        let paper = layout::paper(&content, Some(&qr));
        let page = manassa_documents::render_page(&paper, 0, PREVIEW_DPI);
        (pdf::write(&paper), page)
    })
    .await
    .map_err(|_| Failure::Other)?;
    let bytes = bytes.map_err(|_| Failure::Other)?;
    let page = preview.ok_or(Failure::Other)?;
    let preview = PreviewImage {
        width: page.width(),
        height: page.height(),
        rgba: std::sync::Arc::new(page.data().to_vec()),
    };
    // Under the lock, so a wipe (which bumps `live`, then clears) cannot interleave.
    if let Ok(mut p) = svc.prepared.lock()
        && live.load(std::sync::atomic::Ordering::SeqCst) == generation
    {
        *p = Some(Prepared {
            document_id: doc.id.clone(),
            number: doc.number.clone(),
            kind: doc.kind,
            pdf: bytes,
        });
    }
    Ok(preview)
}

/// Print the prepared paper on A4 and the ticket, and audit it. Returns the reference.
async fn print_document(
    svc: &Services,
    document_id: &str,
    lang: Lang,
    progress: &(dyn Fn(PrintStage) + Send + Sync),
) -> Result<String, Failure> {
    let prepared = svc
        .prepared
        .lock()
        .ok()
        .and_then(|mut p| p.take())
        .filter(|p| p.document_id == document_id)
        .ok_or(Failure::Other)?;
    let Prepared {
        document_id: id,
        number,
        kind,
        pdf: bytes,
    } = prepared;
    let doc = DocRef { id, number, kind };
    let reference = reference_number(&svc.kiosk_id);
    // A trace before the paper: if the power fails mid-print, the ministry still learns
    // that this paper was sent to the printer. No record, no print.
    let started = json!({
        "kiosk_id": svc.kiosk_id,
        "reference": reference,
        "document_id": doc.id,
        "document_number": doc.number,
        "document_kind": doc.kind,
    });
    let outbox = svc.outbox.clone();
    match tokio::task::spawn_blocking(move || outbox.enqueue("print_started", &started)).await {
        Ok(Ok(_)) => svc.sync.wake(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "print_started not recorded; paper not printed");
            return Err(Failure::NotRecorded);
        }
        Err(_) => return Err(Failure::NotRecorded),
    }
    // -- A4: check the printer, print, follow the job to its end; a job the
    // printer stops is cancelled and not counted as delivered. --
    let a4 = svc
        .a4
        // The job is named by the ticket's reference: CUPS keeps job names in its history
        // and logs, and a document number belongs to the resident.
        .deliver(&bytes, &reference, 1, &WaitPolicy::default())
        .await;
    let (a4_ok, a4_audit, a4_failure) = match &a4 {
        Ok(d) if d.end.delivered() => (true, "printed", Failure::Printer),
        Ok(d) if matches!(d.end, JobEnd::Unknown { .. }) => {
            tracing::warn!(end = ?d.end, "A4 outcome unknown");
            (false, d.end.audit(), Failure::A4Unknown)
        }
        Ok(d) => {
            let problem = d.end.problem().unwrap_or(PrinterProblem::Fault);
            tracing::warn!(end = d.end.audit(), ?problem, "A4 paper not delivered");
            (false, d.end.audit(), Failure::A4Interrupted(problem))
        }
        Err(e @ A4Error::NotReady(_)) => {
            tracing::warn!(error = %e, "A4 printer not ready; nothing sent");
            (false, "not_ready", Failure::A4NotReady(e.problem()))
        }
        Err(e) => {
            tracing::warn!(error = %e, "A4 job failed");
            (false, "failed", Failure::A4NotReady(e.problem()))
        }
    };
    // -- end A4 --

    let mut ticket_status = "not_configured";
    if a4_ok && let Some(printer) = &svc.thermal {
        progress(PrintStage::Ticket);
        let t = Ticket {
            lang,
            reference: reference.clone(),
            document_number: doc.number.clone(),
        };
        // Bounded: a hung printer thread must not keep the session (and its data) on screen.
        let job = printer.print(ticket::render(&t, printer.dot_width()));
        ticket_status = match tokio::time::timeout(std::time::Duration::from_secs(30), job).await {
            Ok(Ok(())) => "printed",
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "ticket not printed");
                "failed"
            }
            Err(_) => {
                tracing::warn!("ticket printer did not answer within 30 s");
                "timeout"
            }
        };
    }
    // -- maintenance: counters and the printer's last error for the menu --
    if let Some(m) = &svc.monitor {
        use crate::maintenance::monitor::{Counter, Device};
        if a4_ok {
            m.record(Counter::A4Page);
        }
        match ticket_status {
            "printed" => m.record(Counter::Ticket),
            "failed" => m.device(Device::Thermal, None, Some("ticket not printed".into())),
            _ => {}
        }
    }
    // -- end maintenance --

    let audit = json!({
        "kiosk_id": svc.kiosk_id,
        "reference": reference,
        "document_id": doc.id,
        "document_number": doc.number,
        "document_kind": doc.kind,
        "a4": a4_audit,
        "ticket": ticket_status,
    });
    let outbox = svc.outbox.clone();
    let queued = tokio::task::spawn_blocking(move || outbox.enqueue("print_audit", &audit)).await;
    match queued {
        Ok(Ok(_)) => svc.sync.wake(),
        _ => tracing::error!("print audit could not be queued"),
    }
    if a4_ok {
        Ok(reference)
    } else {
        Err(a4_failure)
    }
}

/// Store a complaint or rating in the outbox (durably, before anything else), wake the sync
/// worker, and tell the resident honestly whether the ministry is reachable right now.
async fn submit(
    svc: &Services,
    kind: &'static str,
    record: serde_json::Value,
    reference: String,
) -> Intent {
    let outbox = svc.outbox.clone();
    match tokio::task::spawn_blocking(move || outbox.enqueue(kind, &record)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => {
            tracing::error!(kind, error = %e, "not recorded");
            return Intent::Failed(Failure::NotRecorded);
        }
        Err(_) => return Intent::Failed(Failure::NotRecorded),
    }
    svc.sync.wake();
    let online = tokio::time::timeout(std::time::Duration::from_secs(3), svc.client.health())
        .await
        .is_ok_and(|r| r.is_ok());
    Intent::Submitted {
        reference,
        offline: !online,
    }
}

/// What the audit record names of a printed paper.
struct DocRef {
    id: String,
    number: String,
    kind: DocumentKind,
}

/// `KIOSK-YYYYMMDD-XXXXXX`: kiosk id, UTC date and six random hex digits.
fn reference_number(kiosk_id: &str) -> String {
    let now = time::OffsetDateTime::now_utc();
    let rnd = uuid::Uuid::new_v4().simple().to_string()[..6].to_uppercase();
    format!(
        "{kiosk_id}-{:04}{:02}{:02}-{rnd}",
        now.year(),
        now.month() as u8,
        now.day()
    )
}

/// Bridge the card reader's events into session intents (runs on its own thread).
pub fn forward_card_events(events: Receiver<CardEvent>, tx: IntentSender) {
    std::thread::Builder::new()
        .name("card-events".into())
        .spawn(move || {
            for ev in events {
                let intent = match ev {
                    CardEvent::Inserted { card_data } => Intent::CardRead { qid: card_data },
                    CardEvent::Removed | CardEvent::Retained => Intent::CardRemoved,
                    CardEvent::Invalid { .. } => Intent::CardUnreadable,
                    _ => continue,
                };
                if !tx.send(intent) {
                    break;
                }
            }
        })
        .expect("spawn card-events thread");
}

/// Bridge the QR scanner's reads into session intents (runs on its own thread).
pub fn forward_scanner_events(
    events: Receiver<manassa_devices::scanner::ScanEvent>,
    tx: IntentSender,
) {
    use manassa_devices::passive::ReaderEvent;
    std::thread::Builder::new()
        .name("scanner-events".into())
        .spawn(move || {
            for ev in events {
                if let ReaderEvent::Read(scan) = ev
                    && !tx.send(Intent::SealScanned(scan.0))
                {
                    break;
                }
            }
        })
        .expect("spawn scanner-events thread");
}

/// Tell systemd about the service (sd_notify protocol: a datagram to `$NOTIFY_SOCKET`,
/// `@` meaning the abstract namespace). `state` is e.g. `READY=1` or `WATCHDOG=1`. Does
/// nothing when not started by systemd with `Type=notify`.
pub fn sd_notify(state: &str) {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let path = path.to_string_lossy().into_owned();
    let addr = match path.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None => SocketAddr::from_pathname(&path),
    };
    if let (Ok(addr), Ok(sock)) = (addr, UnixDatagram::unbound()) {
        let _ = sock.send_to_addr(state.as_bytes(), &addr);
    }
}

/// The watchdog interval systemd asked for (`$WATCHDOG_USEC`), if any.
pub fn watchdog_interval() -> Option<std::time::Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    Some(std::time::Duration::from_micros(usec))
}

#[cfg(test)]
mod sd_notify_tests {
    #[test]
    fn sends_the_state_to_the_notify_socket() {
        let dir = std::env::temp_dir().join(format!("manassa-notify-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("notify.sock");
        let sock = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        // set_var is unsafe in edition 2024 (other threads may read the environment);
        // nothing else in this test binary reads NOTIFY_SOCKET.
        unsafe { std::env::set_var("NOTIFY_SOCKET", &path) };
        super::sd_notify("READY=1");
        unsafe { std::env::remove_var("NOTIFY_SOCKET") };
        let mut buf = [0u8; 64];
        let n = sock.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1");
        let _ = std::fs::remove_dir_all(dir);
    }
}

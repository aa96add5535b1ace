//! The only module that touches Slint: renders the session's [`View`] into the window's
//! properties and forwards the window's callbacks to the [`Kiosk`] as intents.
//!
//! Everything here runs on the UI thread and does no I/O: the kiosk's effects run on tokio
//! and device threads, and their answers are picked up by [`KioskUi::pump`] (a 50 ms timer
//! in production; tests call it directly under Slint's testing backend).

use std::cell::RefCell;
use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use crate::i18n::view as texts;
use crate::i18n::{Arg, Lang, tr, tr_args};
use crate::ministry::DocumentKind;
use crate::runtime::Kiosk;
use crate::session::{
    ComplaintCategory, ComplaintStep, Intent, Key, Msg, PrintStage, Screen, SentKind, Service,
    TactileKey, TextKey, View, keyboard_rows,
};

slint::include_modules!();

// -- maintenance (issue 12) --
mod maintenance;
pub use maintenance::{MAINT_SCREENS, demo_menu_view};
// -- end maintenance --

/// The kiosk window bound to a kiosk.
pub struct KioskUi {
    window: AppWindow,
    kiosk: Rc<RefCell<Kiosk>>,
    // -- maintenance (issue 12) --
    maintenance: RefCell<Option<Rc<maintenance::Glue>>>,
    // -- end maintenance --
}

/// A tactile keypad key from the window's key event name (see `tactile` in app.slint).
pub fn tactile_key(name: &str) -> Option<TactileKey> {
    Some(match name {
        "*" => TactileKey::Star,
        "#" => TactileKey::Hash,
        "enter" => TactileKey::Enter,
        "clear" => TactileKey::Clear,
        "cancel" => TactileKey::Cancel,
        "help" => TactileKey::Help,
        "volume-up" => TactileKey::VolumeUp,
        "volume-down" => TactileKey::VolumeDown,
        "up" => TactileKey::Up,
        "down" => TactileKey::Down,
        "left" => TactileKey::Left,
        "right" => TactileKey::Right,
        d => match d.parse::<u8>() {
            Ok(n) if n < 10 && d.len() == 1 => TactileKey::Digit(n),
            _ => return None,
        },
    })
}

/// Write the view model into the window's properties.
fn render(w: &AppWindow, v: &View) {
    let lang = v.lang;
    w.global::<L10n>().set_lang(match lang {
        Lang::Ar => "ar".into(),
        Lang::En => "en".into(),
    });
    w.set_rtl(lang.is_rtl());
    w.set_screen(match v.screen {
        Screen::Attract => ScreenKind::Attract,
        Screen::Services => ScreenKind::Services,
        Screen::Preview => ScreenKind::Preview,
        Screen::VerifyScan => ScreenKind::VerifyScan,
        Screen::VerifyResult => ScreenKind::VerifyResult,
        Screen::Identify => ScreenKind::Identify,
        Screen::Code => ScreenKind::Code,
        Screen::Documents => ScreenKind::Documents,
        Screen::Printing => ScreenKind::Printing,
        Screen::Done => ScreenKind::Done,
        Screen::Error => ScreenKind::Error,
        Screen::Complaint => ScreenKind::Complaint,
        Screen::Rating => ScreenKind::Rating,
        Screen::Sent => ScreenKind::Sent,
    });
    let theme = w.global::<Theme>();
    theme.set_large_text(v.access.large_text);
    theme.set_high_contrast(v.access.high_contrast);
    theme.set_focus_key(v.focus_key().unwrap_or_default().into());
    w.set_audio_on(v.access.audio);
    w.set_offline_offers(v.offline_offers);
    w.set_printing_status(texts::printing_status(v).into());
    render_complaint(w, v);
    let (title, body, reference) = texts::sent_texts(v);
    w.set_sent_title(title.into());
    w.set_sent_body(body.into());
    w.set_sent_reference(reference.into());
    w.set_qid(v.qid.as_str().into());
    w.set_code(v.code.as_str().into());
    w.set_code_prompt(texts::code_prompt(v).into());
    w.set_busy(v.busy);
    w.set_error_text(texts::error_text(v).into());
    let rows: Vec<DocRow> = v
        .documents
        .iter()
        .flatten()
        .map(|d| {
            let (title, number, issued) = texts::document_texts(lang, d);
            DocRow {
                id: d.id.as_str().into(),
                title: title.into(),
                number: number.into(),
                issued: issued.into(),
            }
        })
        .collect();
    w.set_documents(ModelRc::new(VecModel::from(rows)));
    w.set_documents_loaded(v.documents.is_some());
    w.set_reference_text(texts::reference_text(v).into());
    w.set_printed_text(texts::printed_text(v).into());
    w.set_card_in_reader(v.card_in_reader);
    w.set_idle_warning(texts::idle_warning_text(v).into());
    // The page image is copied into the window only when it changes (renders are frequent),
    // and dropped from the window with the session: it is the resident's personal data.
    match &v.preview {
        Some(p) => {
            let token = format!("{:p}", std::sync::Arc::as_ptr(&p.rgba));
            if w.get_preview_token() != token.as_str() {
                let buffer = slint::SharedPixelBuffer::<slint::Rgba8Pixel>::clone_from_slice(
                    &p.rgba, p.width, p.height,
                );
                w.set_preview_image(slint::Image::from_rgba8(buffer));
                w.set_preview_token(token.into());
            }
            w.set_preview_ready(true);
        }
        None => {
            if !w.get_preview_token().is_empty() {
                w.set_preview_image(slint::Image::default());
                w.set_preview_token(Default::default());
            }
            w.set_preview_ready(false);
        }
    }
    let (level, title, facts) = match &v.verdict {
        Some(verdict) => texts::verdict_texts(lang, verdict),
        None => (0, String::new(), String::new()),
    };
    w.set_verdict_level(level);
    w.set_verdict_title(title.into());
    w.set_verdict_facts(facts.into());
    w.set_demo_code_text(
        v.demo_code
            .as_ref()
            .map(|c| tr_args(lang, "demo-sms", &[("code", Arg::Str(c))]))
            .unwrap_or_default()
            .into(),
    );
}

/// The complaint form's properties: categories, the text, the keyboard in reading order.
fn render_complaint(w: &AppWindow, v: &View) {
    let lang = v.lang;
    let cats: Vec<LabelledChoice> = ComplaintCategory::ALL
        .iter()
        .map(|c| LabelledChoice {
            key: format!("cat:{}", c.wire()).into(),
            label: tr(lang, c.msg_id()).into(),
        })
        .collect();
    w.set_categories(ModelRc::new(VecModel::from(cats)));
    let Some(c) = &v.complaint else {
        // The resident's text and phone must not outlive the form (the wipe).
        w.set_complaint_text(Default::default());
        w.set_complaint_phone(Default::default());
        return;
    };
    w.set_complaint_step(match c.step {
        ComplaintStep::Category => 0,
        ComplaintStep::Text => 1,
        ComplaintStep::Phone => 2,
    });
    w.set_complaint_category(
        c.category
            .map(|c| tr(lang, c.msg_id()))
            .unwrap_or_default()
            .into(),
    );
    w.set_complaint_text(c.text.as_str().into());
    w.set_keyboard_layout_label(tr(lang, crate::session::keyboard_layout_label(c.layout)).into());
    w.set_complaint_phone(c.phone.as_str().into());
    w.set_complaint_counter(texts::complaint_counter(v).into());
    // Keys sit where the Arabic (101) PC layout puts them (ض on the Q key, digits 1…0 from
    // the left), as on every Arabic keyboard: the keyboard is not mirrored.
    let rows: Vec<KeyRow> = keyboard_rows(c.layout)
        .iter()
        .map(|row| {
            let keys: Vec<TextKeyCap> = row
                .chars()
                .map(|ch| TextKeyCap {
                    key: format!("key:{ch}").into(),
                    text: ch.to_string().into(),
                })
                .collect();
            KeyRow {
                keys: ModelRc::new(VecModel::from(keys)),
            }
        })
        .collect();
    w.set_keyboard_rows(ModelRc::new(VecModel::from(rows)));
}

impl KioskUi {
    /// Create the window for `kiosk`. Needs a Slint platform (winit, or the testing backend).
    pub fn new(kiosk: Kiosk) -> Result<KioskUi, slint::PlatformError> {
        let window = AppWindow::new()?;
        window
            .global::<L10n>()
            .on_tr(|lang, id| tr(Lang::parse(&lang).unwrap_or_default(), &id).into());
        window.set_demo(kiosk.is_demo());
        let kiosk = Rc::new(RefCell::new(kiosk));

        let bind = |f: &dyn Fn(Box<dyn Fn(Intent)>)| {
            let k = kiosk.clone();
            let w = window.as_weak();
            f(Box::new(move |intent| {
                k.borrow_mut().dispatch(intent);
                if let Some(w) = w.upgrade() {
                    render(&w, &k.borrow().view());
                }
            }));
        };
        bind(&|send| window.on_start(move || send(Intent::Start)));
        bind(&|send| window.on_switch_language(move || send(Intent::SwitchLanguage)));
        bind(&|send| {
            window.on_key(move |k| {
                let key = match k.as_str() {
                    "delete" => Key::Delete,
                    "clear" => Key::Clear,
                    d => match d.parse::<u8>() {
                        Ok(n) if n < 10 => Key::Digit(n),
                        _ => return,
                    },
                };
                send(Intent::Key(key))
            })
        });
        bind(&|send| window.on_submit_qid(move || send(Intent::SubmitQid)));
        bind(&|send| window.on_submit_code(move || send(Intent::SubmitCode)));
        bind(&|send| window.on_select_document(move |id| send(Intent::SelectDocument(id.into()))));
        bind(&|send| window.on_back(move || send(Intent::Back)));
        bind(&|send| window.on_cancel(move || send(Intent::Cancel)));
        bind(&|send| window.on_finish(move || send(Intent::Finish)));
        bind(&|send| window.on_activity(move || send(Intent::Activity)));
        bind(&|send| window.on_confirm_print(move || send(Intent::ConfirmPrint)));
        bind(&|send| {
            window.on_choose_service(move |s| {
                send(Intent::ChooseService(match s.as_str() {
                    "verify" => Service::Verify,
                    "complaint" => Service::Complaint,
                    "rate" => Service::Rate,
                    _ => Service::Print,
                }))
            })
        });
        bind(&|send| window.on_toggle_audio(move || send(Intent::ToggleAudio)));
        bind(&|send| window.on_toggle_large_text(move || send(Intent::ToggleLargeText)));
        bind(&|send| window.on_toggle_contrast(move || send(Intent::ToggleHighContrast)));
        bind(&|send| {
            window.on_choose_category(move |key| {
                if let Some(c) = key
                    .strip_prefix("cat:")
                    .and_then(ComplaintCategory::from_wire)
                {
                    send(Intent::ChooseCategory(c))
                }
            })
        });
        bind(&|send| {
            window.on_text_key(move |k| {
                let key = match k.as_str() {
                    "space" => TextKey::Space,
                    "backspace" => TextKey::Backspace,
                    "layout" => TextKey::SwitchLayout,
                    s => {
                        let mut it = s.chars();
                        match (it.next(), it.next()) {
                            (Some(c), None) => TextKey::Char(c),
                            _ => return,
                        }
                    }
                };
                send(Intent::TextKey(key))
            })
        });
        bind(&|send| window.on_next(move || send(Intent::Next)));
        bind(&|send| window.on_rate(move |n| send(Intent::Rate(n.clamp(1, 5) as u8))));
        bind(&|send| {
            window.on_tactile(move |k| {
                if let Some(key) = tactile_key(&k) {
                    send(Intent::Tactile(key))
                }
            })
        });

        render(&window, &kiosk.borrow().view());
        Ok(KioskUi {
            window,
            kiosk,
            maintenance: RefCell::new(None), // maintenance (issue 12)
        })
    }

    /// The Slint window (tests find elements in it by accessible label).
    pub fn window(&self) -> &AppWindow {
        &self.window
    }

    /// Demo only: what the "insert ID card" button does.
    pub fn on_demo_insert_card(&self, f: impl Fn() + 'static) {
        self.window.on_demo_insert_card(f);
    }

    /// Pick up answers from effects and devices, tick the idle clock, re-render on change.
    pub fn pump(&self) -> bool {
        let changed = self.kiosk.borrow_mut().poll();
        if changed {
            render(&self.window, &self.kiosk.borrow().view());
        }
        // -- maintenance (issue 12) --
        let glue = self.maintenance.borrow().clone();
        let changed = match glue {
            Some(g) => g.pump(&self.window, &self.kiosk) || changed,
            None => changed,
        };
        // -- end maintenance --
        changed
    }

    /// Show the window and run the Slint event loop until it closes. In kiosk mode the
    /// window is full screen and refuses close requests.
    pub fn run(self, kiosk_mode: bool) -> Result<(), slint::PlatformError> {
        if kiosk_mode {
            self.window.window().set_fullscreen(true);
            self.window
                .window()
                .on_close_requested(|| slint::CloseRequestResponse::KeepWindowShown);
        }
        let this = Rc::new(self);
        let timer = slint::Timer::default();
        let pump = this.clone();
        // systemd (Type=notify, WatchdogSec=): ready once the event loop turns, then a
        // watchdog ping from the event loop itself at half the interval, so a hung UI
        // thread gets the kiosk restarted.
        let half = crate::runtime::watchdog_interval().map(|d| d / 2);
        let mut last_ping: Option<std::time::Instant> = None;
        timer.start(
            slint::TimerMode::Repeated,
            std::time::Duration::from_millis(50),
            move || {
                pump.pump();
                let now = std::time::Instant::now();
                match last_ping {
                    None => {
                        crate::runtime::sd_notify("READY=1");
                        last_ping = Some(now);
                    }
                    Some(t) if half.is_some_and(|h| now - t >= h) => {
                        crate::runtime::sd_notify("WATCHDOG=1");
                        last_ping = Some(now);
                    }
                    _ => {}
                }
            },
        );
        this.window.run()
    }
}

/// A window showing `view` without a kiosk behind it (nothing reacts to touches): for
/// snapshots and for tests that compare what a screen shows with what is spoken. Needs a
/// Slint platform.
pub fn view_window(view: &View, demo: bool) -> Result<AppWindow, slint::PlatformError> {
    let app = AppWindow::new()?;
    app.global::<L10n>()
        .on_tr(|lang, id| tr(Lang::parse(&lang).unwrap_or_default(), &id).into());
    app.set_demo(demo);
    render(&app, view);
    Ok(app)
}

/// Render one screen headlessly with Slint's software renderer and return it as PNG bytes.
/// `width`×`height` physical pixels (1080×1920 portrait is the kiosk's panel). Sets the
/// process's Slint platform, so call it once per process (it is what `manassa snapshot`
/// does).
pub fn snapshot_png(view: &View, demo: bool, width: u32, height: u32) -> anyhow::Result<Vec<u8>> {
    snapshot_with(view, demo, width, height, |_| {})
}

// -- maintenance (issue 12) --
/// As [`snapshot_png`], with the technician panel showing `menu` (a [`demo_menu_view`])
/// in `view.lang` over the attract screen.
pub fn snapshot_maintenance_png(
    view: &View,
    menu: &crate::maintenance::menu::MenuView,
    width: u32,
    height: u32,
) -> anyhow::Result<Vec<u8>> {
    let lang = view.lang;
    snapshot_with(view, true, width, height, |app| {
        maintenance::render_panel(app, menu, lang)
    })
}
// -- end maintenance --

fn snapshot_with(
    view: &View,
    demo: bool,
    width: u32,
    height: u32,
    extra: impl FnOnce(&AppWindow),
) -> anyhow::Result<Vec<u8>> {
    use slint::Rgb8Pixel;
    use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
    use slint::platform::{Platform, WindowAdapter};

    struct Headless(Rc<MinimalSoftwareWindow>);
    impl Platform for Headless {
        fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
            Ok(self.0.clone())
        }
    }
    let window = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
    slint::platform::set_platform(Box::new(Headless(window.clone())))
        .map_err(|e| anyhow::anyhow!("Slint platform already set: {e:?}"))?;
    window.set_size(slint::PhysicalSize::new(width, height));
    let app = view_window(view, demo)?;
    app.global::<Theme>().set_landscape(width > height);
    render(&app, view);
    extra(&app);
    app.show()?;
    slint::platform::update_timers_and_animations();
    let mut pixels = vec![Rgb8Pixel { r: 0, g: 0, b: 0 }; (width * height) as usize];
    window.request_redraw();
    window.draw_if_needed(|renderer| {
        renderer.render(&mut pixels, width as usize);
    });
    let mut pixmap =
        tiny_skia::Pixmap::new(width, height).ok_or_else(|| anyhow::anyhow!("empty size"))?;
    for (dst, src) in pixmap.pixels_mut().iter_mut().zip(&pixels) {
        *dst = tiny_skia::ColorU8::from_rgba(src.r, src.g, src.b, 255).premultiply();
    }
    Ok(pixmap.encode_png()?)
}

/// A view of `screen` filled with the demo resident's data, for snapshots and reviews.
pub fn demo_view(screen: Screen, lang: Lang) -> View {
    use crate::session::{
        ComplaintView, DocItem, PreviewImage, SentView, Verdict, VerdictStatus as V,
    };
    let docs = vec![
        DocItem {
            id: "doc-bp-004512".into(),
            kind: DocumentKind::BuildingPermit,
            number: "BP-2026-004512".into(),
            issued_on: "2026-03-15".into(),
        },
        DocItem {
            id: "doc-cc-000871".into(),
            kind: DocumentKind::CompletionCertificate,
            number: "CC-2026-000871".into(),
            issued_on: "2026-09-20".into(),
        },
        DocItem {
            id: "doc-ss-2026-10".into(),
            kind: DocumentKind::SalaryStatement,
            number: "SS-2026-10-7731".into(),
            issued_on: "2026-11-02".into(),
        },
    ];
    let preview = {
        let sample: serde_json::Value =
            serde_json::from_str(include_str!("../../docs/samples/building-permit.json"))
                .expect("sample parses");
        crate::documents::render(DocumentKind::BuildingPermit, &sample, None)
            .ok()
            .and_then(|p| crate::documents::render_page(&p, 0, 72.0))
            .map(|page| PreviewImage {
                width: page.width(),
                height: page.height(),
                rgba: std::sync::Arc::new(page.data().to_vec()),
            })
    };
    let v = View {
        screen,
        lang,
        qid: if screen == Screen::Identify {
            "28463400123".into()
        } else {
            String::new()
        },
        code: if screen == Screen::Code {
            "4829".into()
        } else {
            String::new()
        },
        masked_phone: "+974 ••••• 456".into(),
        busy: false,
        error: (screen == Screen::Error).then_some(Msg {
            id: "error-network",
            count: None,
        }),
        documents: (screen == Screen::Documents).then(|| docs.clone()),
        reference: "K01-20261129-7F3A9C".into(),
        printed: (screen == Screen::Done).then(|| docs[0].clone()),
        idle_warning_s: None,
        card_in_reader: screen == Screen::Done,
        demo_code: (screen == Screen::Code).then(|| "482913".into()),
        preview: if screen == Screen::Preview {
            preview
        } else {
            None
        },
        verdict: (screen == Screen::VerifyResult).then(|| Verdict {
            status: V::Genuine,
            number: "BP-2026-004512".into(),
            kind: Some(DocumentKind::BuildingPermit),
            issued_on: "2026-03-15".into(),
        }),
        complaint: (screen == Screen::Complaint).then(|| ComplaintView {
            step: ComplaintStep::Text,
            category: Some(ComplaintCategory::Roads),
            text: match lang {
                Lang::Ar => "إنارة الشارع 340 في منطقة الوعب معطلة منذ أسبوع".into(),
                Lang::En => {
                    "The street light on Street 340 in Al Waab has been out for a week".into()
                }
            },
            phone: "55123456".into(),
            layout: lang,
            busy: false,
        }),
        sent: (screen == Screen::Sent).then(|| SentView {
            kind: SentKind::Complaint,
            reference: "C-K01-20261129-5D21E0".into(),
            offline: true,
        }),
        print_stage: (screen == Screen::Printing).then_some(PrintStage::Paper),
        offline_offers: screen == Screen::Error,
        access: Default::default(),
        choices: Vec::new(),
        focus: None,
    };
    let mut v = v;
    v.choices = crate::session::choices(&v);
    v
}

/// A demo view by snapshot name: a screen name of [`SCREEN_NAMES`] or one of
/// `complaint-category`, `complaint-phone`, `idle-warning`.
pub fn demo_view_named(name: &str, lang: Lang) -> Option<View> {
    if let Some((_, screen)) = SCREEN_NAMES.iter().find(|(n, _)| *n == name) {
        return Some(demo_view(*screen, lang));
    }
    let mut v = match name {
        "complaint-category" | "complaint-phone" => demo_view(Screen::Complaint, lang),
        "idle-warning" => demo_view(Screen::Identify, lang),
        _ => return None,
    };
    if let Some(c) = &mut v.complaint {
        c.step = match name {
            "complaint-category" => ComplaintStep::Category,
            _ => ComplaintStep::Phone,
        };
    }
    if name == "idle-warning" {
        v.idle_warning_s = Some(14);
    }
    v.choices = crate::session::choices(&v);
    Some(v)
}

/// Every name `manassa snapshot --screen` takes.
pub fn snapshot_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = SCREEN_NAMES.iter().map(|(n, _)| *n).collect();
    names.extend(["complaint-category", "complaint-phone", "idle-warning"]);
    names
}

/// Screen names for `manassa snapshot --screen`.
pub const SCREEN_NAMES: &[(&str, Screen)] = &[
    ("attract", Screen::Attract),
    ("services", Screen::Services),
    ("identify", Screen::Identify),
    ("code", Screen::Code),
    ("documents", Screen::Documents),
    ("preview", Screen::Preview),
    ("printing", Screen::Printing),
    ("done", Screen::Done),
    ("error", Screen::Error),
    ("verify-scan", Screen::VerifyScan),
    ("verify-result", Screen::VerifyResult),
    ("complaint", Screen::Complaint),
    ("rating", Screen::Rating),
    ("sent", Screen::Sent),
];

//! Audio guidance says everything a screen shows (EN 301 549 5.1.3.1): for every
//! screen, in Arabic and English, each visible text of the real Slint window (testing
//! backend) is in the spoken script that `speech::narrate` makes of the same view.

use i_slint_backend_testing::ElementQuery;
use manassa::speech::Cue;
use manassa_i18n::Lang;
use manassa_session::narrate::screen_script;
use slint::ComponentHandle;

/// Texts on the window: every element with an accessible label (screens are `if`-built,
/// so what is not showing is not there).
fn visible_texts(w: &manassa::ui::AppWindow) -> Vec<String> {
    ElementQuery::from_root(w)
        .match_descendants()
        .match_predicate(|e| e.accessible_label().is_some_and(|l| !l.trim().is_empty()))
        .find_all()
        .into_iter()
        .filter_map(|e| e.accessible_label().map(|l| l.trim().to_string()))
        .collect()
}

/// Without direction marks and whitespace: speech spells numbers digit by digit.
fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{2068}' | '\u{2069}'))
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn every_visible_text_of_every_screen_is_spoken() {
    i_slint_backend_testing::init_no_event_loop();
    let mut checked = 0;
    let mut missing = Vec::new();
    for lang in [Lang::Ar, Lang::En] {
        for name in manassa::ui::snapshot_names() {
            let mut view = manassa::ui::demo_view_named(name, lang).unwrap();
            view.access.audio = true;
            view.choices = manassa_session::choices(&view);
            // The demo panel (no SMS gateway exists) is not part of a real kiosk's screen.
            view.demo_code = None;
            let w = manassa::ui::view_window(&view, false).unwrap();
            w.show().unwrap();
            let script: String = screen_script(&view)
                .into_iter()
                .filter_map(|c| match c {
                    Cue::Say(u) => Some(clean(&u.text)),
                    Cue::Tone => None,
                })
                .collect::<Vec<_>>()
                .join(" \n ");
            let warning = clean(&manassa_session::texts::idle_warning_text(&view));
            for text in visible_texts(&w) {
                let t = clean(&text);
                // Under the idle warning the screen is dimmed and unreachable: the warning
                // and its one choice are what is said.
                if view.idle_warning_s.is_some() && t != warning {
                    continue;
                }
                // Typed values (the QID, the phone) are spoken when focused; keyboard keys,
                // keypad digits and the always-present header and buttons are the choices
                // the session lists (checked in src/session/tests.rs and narrate's tests).
                // One-time-code digits are never spoken (a tone confirms each key).
                let code = clean(&view.code);
                if t.chars().count() <= 2
                    || is_control_label(lang, &t)
                    || (!code.is_empty() && t == code)
                {
                    continue;
                }
                if !script.contains(&t) {
                    missing.push(format!("{name} ({lang:?}): {t:?}"));
                }
                checked += 1;
            }
            w.hide().unwrap();
        }
    }
    missing.dedup();
    assert!(
        missing.is_empty(),
        "visible but not spoken:\n{}",
        missing.join("\n")
    );
    assert!(checked > 60, "only {checked} texts checked");
}

/// Labels of controls (buttons, keypad, header), which speech announces as choices when the
/// keypad reaches them rather than in the screen's text.
fn is_control_label(lang: Lang, t: &str) -> bool {
    use manassa_i18n::tr;
    // The header, the touch keypad (the tactile keypad types digits itself), the print
    // button's label (the paper's choice says its kind and number) and the hidden
    // technician entry.
    const IDS: &[&str] = &[
        "app-title",
        "language-switch",
        "keypad-clear",
        "keypad-delete",
        "documents-print",
        "maint-entry-label",
    ];
    let subtitle = tr(lang, "app-subtitle");
    t.starts_with(&clean(&subtitle))
        || IDS.iter().any(|id| {
            let label = clean(&tr(lang, id));
            t == label || t.starts_with(&label)
        })
}

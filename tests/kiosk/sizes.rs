//! Physical sizes at the configured panel: every touch target is at
//! least 15 mm on each side, and large-text mode meets EN 301 549 5.1.4 (a capital H
//! subtends ≥ 0.7° at the viewing distance), in portrait and landscape, both languages.
//! Measured on the real Slint window (testing backend), with the defaults of `[kiosk]`.

use i_slint_backend_testing::ElementQuery;
use manassa::config::KioskConfig;
use manassa::ui::Theme;
use manassa_i18n::Lang;
use slint::{ComponentHandle, LogicalSize};

#[test]
fn touch_targets_and_large_text_meet_their_physical_minimums() {
    i_slint_backend_testing::init_no_event_loop();
    let cfg = KioskConfig::default();
    let mut buttons = 0;
    let mut small = Vec::new();
    for (w, h) in [(1080.0, 1920.0), (1920.0, 1080.0)] {
        for lang in [Lang::Ar, Lang::En] {
            for large in [false, true] {
                for name in manassa::ui::snapshot_names() {
                    let mut view = manassa::ui::demo_view_named(name, lang).unwrap();
                    view.access.large_text = large;
                    let win = manassa::ui::view_window(&view, false).unwrap();
                    win.window().set_size(LogicalSize::new(w, h));
                    win.show().unwrap();
                    let theme = win.global::<Theme>();
                    assert_eq!(theme.get_landscape(), w > h);
                    // ADA §707.7.2: characters ≥ 4.8 mm (uppercase I) — the smallest text.
                    let cap = cfg.px_to_mm(theme.get_small_size() * 0.714);
                    assert!(cap >= 4.8, "small text {cap:.2} mm < 4.8 mm");
                    if large {
                        let deg = cfg.cap_height_deg(theme.get_body_size());
                        assert!(
                            deg >= 0.7,
                            "large text {}px: capital H {deg:.2}° < 0.7° at {} mm",
                            theme.get_body_size(),
                            cfg.viewing_distance_mm
                        );
                    }
                    let found = ElementQuery::from_root(&win)
                        .match_descendants()
                        .match_accessible_role(i_slint_backend_testing::AccessibleRole::Button)
                        .find_all();
                    for b in found {
                        let size = b.size();
                        let (mw, mh) = (cfg.px_to_mm(size.width), cfg.px_to_mm(size.height));
                        buttons += 1;
                        let label = b.accessible_label().unwrap_or_default().to_string();
                        if mw < 15.0 || mh < 15.0 {
                            small.push(format!(
                                "{name} {lang:?} {w}x{h} large={large}: {label:?} {mw:.1}×{mh:.1} mm"
                            ));
                        }
                    }
                    win.hide().unwrap();
                }
            }
        }
    }
    assert!(buttons > 500, "only {buttons} buttons measured");
    small.dedup();
    assert!(
        small.is_empty(),
        "targets under 15 mm:\n{}",
        small.join("\n")
    );
}

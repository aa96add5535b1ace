use super::*;

const BADGE: BadgeId = BadgeId {
    version: 0x0F,
    tag: 0x00A1_B2C3,
};

fn logged_in() -> Menu {
    let mut m = Menu::new(Duration::from_secs(300));
    m.handle(MenuIntent::Open);
    m.handle(MenuIntent::BadgeRead(BADGE));
    for d in [2, 4, 6, 8, 1, 3] {
        m.handle(MenuIntent::Digit(d));
    }
    m.handle(MenuIntent::SubmitPin);
    m.handle(MenuIntent::PinChecked(PinOutcome::Accepted));
    m
}

#[test]
fn entry_cancels_the_resident_then_badge_pin_and_menu() {
    let mut m = Menu::new(Duration::from_secs(300));
    assert_eq!(m.handle(MenuIntent::Open), vec![MenuEffect::CancelResident]);
    assert_eq!(m.view().stage, Stage::Badge);
    // Digits before a badge do nothing.
    m.handle(MenuIntent::Digit(1));
    assert_eq!(m.view().pin_len, 0);
    m.handle(MenuIntent::BadgeRead(BADGE));
    assert_eq!(m.view().badge.as_deref(), Some("******B2C3"));
    for d in [2, 4, 6, 8, 1] {
        m.handle(MenuIntent::Digit(d));
    }
    // Too short: nothing to check.
    assert!(m.handle(MenuIntent::SubmitPin).is_empty());
    m.handle(MenuIntent::Digit(3));
    assert_eq!(m.view().pin_len, 6);
    assert_eq!(
        m.handle(MenuIntent::SubmitPin),
        vec![MenuEffect::CheckPin {
            badge: BADGE,
            pin: "246813".into()
        }]
    );
    assert_eq!(m.view().pin_len, 0, "the PIN is not kept");
    let fx = m.handle(MenuIntent::PinChecked(PinOutcome::Accepted));
    assert!(fx.contains(&MenuEffect::Refresh(Page::Home)));
    assert!(fx.contains(&MenuEffect::Audit {
        badge: BADGE,
        event: "maintenance.login"
    }));
    assert_eq!(m.view().stage, Stage::Menu);
}

#[test]
fn wrong_pin_and_lockout() {
    let mut m = Menu::new(Duration::from_secs(300));
    m.handle(MenuIntent::Open);
    m.handle(MenuIntent::BadgeRead(BADGE));
    for _ in 0..6 {
        m.handle(MenuIntent::Digit(1));
    }
    m.handle(MenuIntent::SubmitPin);
    m.handle(MenuIntent::PinChecked(PinOutcome::Rejected {
        attempts_left: 3,
    }));
    let v = m.view();
    assert_eq!(v.stage, Stage::Pin);
    assert_eq!(
        v.notice,
        Some(Notice::new("maint-pin-wrong", Some("3".into()), false))
    );
    for _ in 0..6 {
        m.handle(MenuIntent::Digit(1));
    }
    m.handle(MenuIntent::SubmitPin);
    let fx = m.handle(MenuIntent::PinChecked(PinOutcome::LockedOut {
        remaining: Duration::from_secs(61),
        audit: LockAudit::Started,
    }));
    assert!(fx.contains(&MenuEffect::Audit {
        badge: BADGE,
        event: "maintenance.lockout"
    }));
    let v = m.view();
    assert_eq!(v.stage, Stage::Badge);
    assert_eq!(v.badge, None);
    assert_eq!(
        v.notice,
        Some(Notice::new("maint-locked", Some("2".into()), false))
    );
    // Presenting the badge again keeps the lockout on screen.
    m.handle(MenuIntent::BadgeRead(BADGE));
    assert_eq!(
        m.view().notice,
        Some(Notice::new("maint-locked", Some("2".into()), false))
    );
}

#[test]
fn actions_run_one_at_a_time_and_are_answered() {
    let mut m = logged_in();
    m.handle(MenuIntent::Go(Page::Printers));
    assert_eq!(
        m.handle(MenuIntent::Act(Action::TestTicket)),
        vec![MenuEffect::Run {
            badge: BADGE,
            login: 1,
            action: Action::TestTicket
        }]
    );
    assert!(m.view().busy);
    assert!(m.handle(MenuIntent::Act(Action::TestPage)).is_empty());
    let fx = m.handle(MenuIntent::Done {
        login: 1,
        notice: Notice::new("maint-done", None, true),
    });
    assert_eq!(fx, vec![MenuEffect::Refresh(Page::Printers)]);
    assert!(!m.view().busy);
    m.handle(MenuIntent::Back);
    assert_eq!(m.view().page, Page::Home);
    let fx = m.handle(MenuIntent::Back);
    assert_eq!(
        fx,
        vec![
            MenuEffect::Audit {
                badge: BADGE,
                event: "maintenance.logout"
            },
            MenuEffect::Closed
        ]
    );
    assert!(!m.is_open());
    assert_eq!(m.view().badge, None);
}

const OTHER: BadgeId = BadgeId {
    version: 0x0F,
    tag: 0x00D4_E5F6,
};

fn log_in(m: &mut Menu, badge: BadgeId) {
    m.handle(MenuIntent::Open);
    m.handle(MenuIntent::BadgeRead(badge));
    for d in [2, 4, 6, 8, 1, 3] {
        m.handle(MenuIntent::Digit(d));
    }
    m.handle(MenuIntent::SubmitPin);
    m.handle(MenuIntent::PinChecked(PinOutcome::Accepted));
}

#[test]
fn a_late_answer_of_an_earlier_login_is_not_shown_to_the_next() {
    // After a logout.
    let mut m = logged_in();
    m.handle(MenuIntent::Go(Page::Network));
    let fx = m.handle(MenuIntent::Act(Action::Ping));
    let [MenuEffect::Run { badge, login, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        *badge, BADGE,
        "the action carries the badge it is audited with"
    );
    let first = *login;
    m.handle(MenuIntent::Exit);
    log_in(&mut m, OTHER);
    assert_eq!(m.view().badge.as_deref(), Some("******E5F6"));
    let late = Notice::new("maint-api-ok", Some("3000".into()), true);
    let fx = m.handle(MenuIntent::Done {
        login: first,
        notice: late.clone(),
    });
    assert!(
        fx.is_empty(),
        "no refresh for someone else's answer: {fx:?}"
    );
    assert_eq!(m.view().notice, None);
    // Nor the page facts gathered for the earlier login.
    let stale = Facts {
        logs: vec!["gathered for the first login".into()],
        ..Facts::default()
    };
    m.handle(MenuIntent::Facts {
        login: first,
        facts: Box::new(stale.clone()),
    });
    assert!(m.view().facts.logs.is_empty());
    m.handle(MenuIntent::Facts {
        login: m.login(),
        facts: Box::new(stale),
    });
    assert_eq!(m.view().facts.logs.len(), 1, "its own facts are shown");
    // The next login's own action is still answered (and the late one does not end it).
    m.handle(MenuIntent::Go(Page::Printers));
    let fx = m.handle(MenuIntent::Act(Action::ResetRoll));
    let [MenuEffect::Run { badge, login, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*badge, OTHER);
    assert_ne!(*login, first);
    let second = *login;
    m.handle(MenuIntent::Done {
        login: first,
        notice: late.clone(),
    });
    assert!(m.view().busy, "still waiting for its own answer");
    m.handle(MenuIntent::Done {
        login: second,
        notice: Notice::new("maint-roll-reset", None, true),
    });
    assert!(!m.view().busy);
    assert_eq!(m.view().notice.unwrap().id, "maint-roll-reset");

    // After a timeout, even with the same badge logging in again.
    let mut m = logged_in();
    m.handle(MenuIntent::Act(Action::TestTicket));
    m.handle(MenuIntent::Tick(400_000));
    assert!(!m.is_open());
    log_in(&mut m, BADGE);
    m.handle(MenuIntent::Done {
        login: 1,
        notice: Notice::new("maint-test-ticket-ok", None, true),
    });
    assert_eq!(m.view().notice, None);
    assert!(!m.view().busy);
}

#[test]
fn refused_attempts_during_a_lockout_are_audited_as_the_pin_store_says() {
    let mut m = Menu::new(Duration::from_secs(300));
    m.handle(MenuIntent::Open);
    let mut attempt = |audit| {
        m.handle(MenuIntent::BadgeRead(BADGE));
        for d in [2, 4, 6, 8, 1, 3] {
            m.handle(MenuIntent::Digit(d));
        }
        m.handle(MenuIntent::SubmitPin);
        let fx = m.handle(MenuIntent::PinChecked(PinOutcome::LockedOut {
            remaining: Duration::from_secs(30),
            audit,
        }));
        let v = m.view();
        assert_eq!(v.stage, Stage::Badge, "refused");
        assert_eq!(
            v.notice,
            Some(Notice::new("maint-locked", Some("1".into()), false))
        );
        fx
    };
    assert_eq!(
        attempt(LockAudit::Refused),
        vec![MenuEffect::Audit {
            badge: BADGE,
            event: "maintenance.lockout_refused"
        }]
    );
    assert!(attempt(LockAudit::Quiet).is_empty());
}

#[test]
fn restart_needs_a_second_press() {
    let mut m = logged_in();
    assert!(m.handle(MenuIntent::Act(Action::Restart)).is_empty());
    assert_eq!(
        m.view().notice,
        Some(Notice::new("maint-restart-confirm", None, false))
    );
    // Anything else in between disarms it.
    m.handle(MenuIntent::Go(Page::Devices));
    m.handle(MenuIntent::Back);
    assert!(m.handle(MenuIntent::Act(Action::Restart)).is_empty());
    m.handle(MenuIntent::Tick(50));
    assert_eq!(
        m.handle(MenuIntent::Act(Action::Restart)),
        vec![MenuEffect::Run {
            badge: BADGE,
            login: 1,
            action: Action::Restart
        }]
    );
}

#[test]
fn times_out_back_to_attract() {
    let mut m = Menu::new(Duration::from_secs(300));
    m.handle(MenuIntent::Tick(1_000));
    m.handle(MenuIntent::Open);
    assert!(
        m.handle(MenuIntent::Tick(1_000 + ENTRY_TIMEOUT_MS - 1))
            .is_empty()
    );
    assert_eq!(
        m.handle(MenuIntent::Tick(1_000 + ENTRY_TIMEOUT_MS)),
        vec![MenuEffect::Closed]
    );
    let mut m = logged_in();
    m.handle(MenuIntent::Tick(299_999));
    assert!(m.is_open());
    m.handle(MenuIntent::Activity);
    m.handle(MenuIntent::Tick(599_998));
    assert!(m.is_open());
    let fx = m.handle(MenuIntent::Tick(599_999));
    assert_eq!(
        fx,
        vec![
            MenuEffect::Audit {
                badge: BADGE,
                event: "maintenance.timeout"
            },
            MenuEffect::Closed
        ]
    );
    // A hung action does not keep the menu open.
    let mut m = logged_in();
    m.handle(MenuIntent::Act(Action::TestTicket));
    m.handle(MenuIntent::Tick(400_000));
    assert!(
        !m.is_open(),
        "closed although the test ticket never answered"
    );
}

use super::*;

const QID: &str = "28463400123";

fn docs() -> Vec<DocItem> {
    vec![DocItem {
        id: "doc-bp-004512".into(),
        kind: DocumentKind::BuildingPermit,
        number: "BP-2026-004512".into(),
        issued_on: "2026-03-15".into(),
    }]
}

/// Drive a session from attract to the documents screen with a typed QID.
fn to_documents(s: &mut Session) {
    s.handle(Intent::Start);
    assert_eq!(s.screen(), Screen::Services);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    let fx = s.handle(Intent::SubmitQid);
    assert_eq!(
        fx,
        vec![Effect::StartChallenge {
            qid: QID.into(),
            method: IdMethod::Typed
        }]
    );
    s.handle(Intent::ChallengeStarted {
        challenge_id: "ch1".into(),
        masked_phone: "+974 ••••• 456".into(),
    });
    assert_eq!(s.screen(), Screen::Code);
    s.handle(Intent::CodeEdited("12a3456789".into()));
    assert_eq!(s.view().code, "123456");
    let fx = s.handle(Intent::SubmitCode);
    assert_eq!(
        fx,
        vec![Effect::VerifyCode {
            challenge_id: "ch1".into(),
            code: "123456".into()
        }]
    );
    let fx = s.handle(Intent::CodeVerified {
        token: "tok".into(),
    });
    assert_eq!(
        fx,
        vec![Effect::ListDocuments {
            token: "tok".into()
        }]
    );
    s.handle(Intent::DocumentsListed(docs()));
}

#[test]
fn typed_qid_journey_to_done_and_back() {
    let mut s = Session::new(Lang::Ar, 60);
    to_documents(&mut s);
    let fx = s.handle(Intent::SelectDocument("doc-bp-004512".into()));
    assert_eq!(
        fx,
        vec![Effect::PrepareDocument {
            token: "tok".into(),
            document_id: "doc-bp-004512".into(),
        }]
    );
    assert_eq!(s.screen(), Screen::Preview);
    assert!(
        s.handle(Intent::ConfirmPrint).is_empty(),
        "nothing to print before the preview"
    );
    s.handle(Intent::PreviewReady {
        document_id: "doc-bp-004512".into(),
        preview: preview(),
    });
    assert_eq!(s.view().preview, Some(preview()));
    let fx = s.handle(Intent::ConfirmPrint);
    assert_eq!(
        fx,
        vec![Effect::PrintDocument {
            document_id: "doc-bp-004512".into(),
            lang: Lang::Ar
        }]
    );
    assert_eq!(s.screen(), Screen::Printing);
    s.handle(Intent::PrintFinished {
        reference: "K01-20261129-000001".into(),
    });
    assert_eq!(s.view().reference, "K01-20261129-000001");
    let fx = s.handle(Intent::Finish);
    assert_eq!(fx, vec![Effect::Wipe]);
    assert_eq!(s.screen(), Screen::Attract);
}

fn preview() -> PreviewImage {
    PreviewImage {
        width: 1,
        height: 1,
        rgba: std::sync::Arc::new(vec![255; 4]),
    }
}

#[test]
fn verify_a_paper_is_anonymous_and_shows_the_verdict() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Verify));
    assert_eq!(s.screen(), Screen::VerifyScan);
    let fx = s.handle(Intent::SealScanned("MNS1:ABC".into()));
    assert_eq!(
        fx,
        vec![Effect::VerifySeal {
            text: "MNS1:ABC".into()
        }]
    );
    assert!(s.view().busy);
    let verdict = Verdict {
        status: VerdictStatus::Revoked,
        number: "BP-2025-003990".into(),
        kind: Some(DocumentKind::BuildingPermit),
        issued_on: "2025-06-10".into(),
        facts: vec![("holder_name_en".into(), "Mohammed".into())],
        ..Default::default()
    };
    s.handle(Intent::SealChecked(verdict.clone()));
    assert_eq!(s.view().verdict, Some(verdict));
    assert_eq!(s.handle(Intent::Finish), vec![Effect::Wipe]);
}

#[test]
fn a_scan_on_the_attract_screen_starts_verification() {
    let mut s = Session::new(Lang::En, 60);
    let fx = s.handle(Intent::SealScanned("MNS1:XYZ".into()));
    assert_eq!(
        fx,
        vec![Effect::VerifySeal {
            text: "MNS1:XYZ".into()
        }]
    );
    assert_eq!(s.screen(), Screen::VerifyScan);
}

#[test]
fn back_from_the_preview_returns_to_the_list() {
    let mut s = Session::new(Lang::En, 60);
    to_documents(&mut s);
    s.handle(Intent::SelectDocument("doc-bp-004512".into()));
    s.handle(Intent::Back);
    assert_eq!(s.screen(), Screen::Documents);
    assert_eq!(s.view().documents.unwrap().len(), 1);
}

#[test]
fn card_read_on_attract_starts_a_card_challenge_and_ejects_at_the_end() {
    let mut s = Session::new(Lang::En, 60);
    let fx = s.handle(Intent::CardRead { qid: QID.into() });
    assert_eq!(
        fx,
        vec![
            // A card starts the print service: its printer is checked too.
            Effect::CheckPrinter,
            Effect::StartChallenge {
                qid: QID.into(),
                method: IdMethod::Card
            }
        ]
    );
    assert!(s.view().card_in_reader);
    let fx = s.handle(Intent::Cancel);
    assert_eq!(fx, vec![Effect::EjectCard, Effect::Wipe]);
}

#[test]
fn short_qid_is_refused_without_a_request() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited("1234".into()));
    assert!(s.handle(Intent::SubmitQid).is_empty());
    assert_eq!(s.view().error.unwrap().id, "error-invalid-qid");
}

#[test]
fn wrong_code_shows_attempts_left_and_clears_the_field() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    s.handle(Intent::SubmitQid);
    s.handle(Intent::ChallengeStarted {
        challenge_id: "c".into(),
        masked_phone: "x".into(),
    });
    s.handle(Intent::CodeEdited("000000".into()));
    s.handle(Intent::SubmitCode);
    s.handle(Intent::Failed(Failure::WrongCode { attempts_left: 2 }));
    let v = s.view();
    assert_eq!(v.screen, Screen::Code);
    assert_eq!(v.error.unwrap().count, Some(2));
    assert_eq!(v.code, "");
    s.handle(Intent::CodeEdited("111111".into()));
    s.handle(Intent::SubmitCode);
    s.handle(Intent::Failed(Failure::TooManyAttempts));
    assert_eq!(s.screen(), Screen::Error);
}

#[test]
fn late_answers_after_a_wipe_are_ignored() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    s.handle(Intent::SubmitQid);
    s.handle(Intent::Cancel);
    s.handle(Intent::ChallengeStarted {
        challenge_id: "c".into(),
        masked_phone: "x".into(),
    });
    assert_eq!(s.screen(), Screen::Attract);
    s.handle(Intent::CodeVerified { token: "t".into() });
    assert_eq!(s.screen(), Screen::Attract);
}

#[test]
fn idle_session_warns_then_wipes_every_personal_value() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Tick(1_000));
    to_documents(&mut s);
    s.handle(Intent::SwitchLanguage);
    s.handle(Intent::Tick(61_000));
    assert_eq!(s.view().idle_warning_s, Some(20));
    s.handle(Intent::Tick(75_500));
    assert_eq!(s.view().idle_warning_s, Some(6));
    let fx = s.handle(Intent::Tick(81_000));
    assert_eq!(fx, vec![Effect::Wipe]);
    let v = s.view();
    assert_eq!(v.screen, Screen::Attract);
    assert_eq!(v.lang, Lang::Ar, "language resets for the next user");
    let dump = format!("{v:?} {s:?}");
    assert!(!dump.contains(QID) && !dump.contains("tok") && !dump.contains("BP-2026"));
}

#[test]
fn print_failure_returns_to_the_list_with_a_message() {
    let mut s = Session::new(Lang::En, 60);
    to_documents(&mut s);
    s.handle(Intent::SelectDocument("doc-bp-004512".into()));
    s.handle(Intent::PreviewReady {
        document_id: "doc-bp-004512".into(),
        preview: preview(),
    });
    s.handle(Intent::ConfirmPrint);
    s.handle(Intent::Failed(Failure::Printer));
    let v = s.view();
    assert_eq!(v.screen, Screen::Documents);
    assert_eq!(v.error.unwrap().id, "error-printer");
    assert_eq!(v.documents.unwrap().len(), 1);
}

#[test]
fn unknown_document_id_is_not_printed() {
    let mut s = Session::new(Lang::En, 60);
    to_documents(&mut s);
    assert!(
        s.handle(Intent::SelectDocument("someone-elses".into()))
            .is_empty()
    );
    assert_eq!(s.screen(), Screen::Documents);
}

#[test]
fn unreadable_card_data_is_ejected_with_a_message() {
    let mut s = Session::new(Lang::En, 60);
    let fx = s.handle(Intent::CardRead {
        qid: "garbage".into(),
    });
    assert_eq!(fx, vec![Effect::CheckPrinter, Effect::EjectCard]);
    assert_eq!(s.view().error.unwrap().id, "error-card");
}

#[test]
fn keypad_edits_the_field_on_screen_within_its_length() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    for _ in 0..13 {
        s.handle(Intent::Key(Key::Digit(7)));
    }
    assert_eq!(s.view().qid, "7".repeat(QID_LEN));
    s.handle(Intent::Key(Key::Delete));
    assert_eq!(s.view().qid.len(), QID_LEN - 1);
    s.handle(Intent::Key(Key::Clear));
    assert_eq!(s.view().qid, "");
}

// -- complaint, rating, offline offers, print stages, printer check --

#[test]
fn complaint_journey_files_through_the_outbox_effect() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Complaint));
    assert_eq!(s.screen(), Screen::Complaint);
    assert_eq!(s.view().complaint.unwrap().step, ComplaintStep::Category);
    s.handle(Intent::ChooseCategory(ComplaintCategory::Roads));
    let v = s.view().complaint.unwrap();
    assert_eq!((v.step, v.layout), (ComplaintStep::Text, Lang::En));
    // Too short: an error, nothing filed.
    for c in "Lamp".chars() {
        s.handle(Intent::TextKey(TextKey::Char(c)));
    }
    assert!(s.handle(Intent::Next).is_empty());
    assert_eq!(s.view().error.unwrap().id, "complaint-too-short");
    // Switch to the Arabic layout and type on; spaces never double.
    s.handle(Intent::TextKey(TextKey::Space));
    s.handle(Intent::TextKey(TextKey::Space));
    s.handle(Intent::TextKey(TextKey::SwitchLayout));
    assert_eq!(s.view().complaint.unwrap().layout, Lang::Ar);
    for c in "معطل جدا".chars() {
        s.handle(if c == ' ' {
            Intent::TextKey(TextKey::Space)
        } else {
            Intent::TextKey(TextKey::Char(c))
        });
    }
    assert_eq!(s.view().complaint.unwrap().text, "Lamp معطل جدا");
    assert!(s.handle(Intent::Next).is_empty());
    assert_eq!(s.view().complaint.unwrap().step, ComplaintStep::Phone);
    // A phone that is not Qatari is refused; a good one is sent.
    for d in [1, 2, 3, 4, 5, 6, 7, 8] {
        s.handle(Intent::Key(Key::Digit(d)));
    }
    assert!(s.handle(Intent::Next).is_empty());
    assert_eq!(s.view().error.unwrap().id, "error-invalid-phone");
    s.handle(Intent::Key(Key::Clear));
    for d in [5, 5, 1, 2, 3, 4, 5, 6, 7] {
        s.handle(Intent::Key(Key::Digit(d)));
    }
    assert_eq!(s.view().complaint.unwrap().phone, "55123456");
    let fx = s.handle(Intent::Next);
    assert_eq!(
        fx,
        vec![Effect::FileComplaint {
            category: ComplaintCategory::Roads,
            text: "Lamp معطل جدا".into(),
            phone: Some("55123456".into()),
            lang: Lang::En,
        }]
    );
    assert!(s.view().busy);
    // A second Next while storing files nothing twice.
    assert!(s.handle(Intent::Next).is_empty());
    s.handle(Intent::Submitted {
        reference: "C-1".into(),
        offline: true,
    });
    assert_eq!(s.screen(), Screen::Sent);
    let sent = s.view().sent.unwrap();
    assert_eq!((sent.kind, sent.offline), (SentKind::Complaint, true));
    let fx = s.handle(Intent::Finish);
    assert!(fx.contains(&Effect::Wipe));
    assert_eq!(s.screen(), Screen::Attract);
}

#[test]
fn complaint_text_is_sanitised_bounded_and_back_steps_out() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Complaint));
    s.handle(Intent::ChooseCategory(ComplaintCategory::Other));
    s.handle(Intent::TextEdited(format!(
        "abc\u{202E}def{}",
        "x".repeat(900)
    )));
    let t = s.view().complaint.unwrap().text;
    assert!(!t.contains('\u{202E}'));
    assert_eq!(t.chars().count(), COMPLAINT_MAX_CHARS);
    s.handle(Intent::TextKey(TextKey::Char('y')));
    assert_eq!(
        s.view().complaint.unwrap().text.chars().count(),
        COMPLAINT_MAX_CHARS
    );
    s.handle(Intent::Back);
    assert_eq!(s.view().complaint.unwrap().step, ComplaintStep::Category);
    s.handle(Intent::Back);
    assert_eq!(s.screen(), Screen::Services);
}

#[test]
fn complaint_not_recorded_keeps_the_text_for_another_try() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Complaint));
    s.handle(Intent::ChooseCategory(ComplaintCategory::Kiosk));
    s.handle(Intent::TextEdited("The screen flickers a lot".into()));
    s.handle(Intent::Next);
    assert_eq!(s.handle(Intent::Next).len(), 1);
    s.handle(Intent::Failed(Failure::NotRecorded));
    let v = s.view();
    assert_eq!(v.error.unwrap().id, "error-not-recorded");
    assert!(!v.busy);
    assert_eq!(v.complaint.unwrap().text, "The screen flickers a lot");
}

#[test]
fn rating_sends_once_and_thanks() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Rate));
    assert_eq!(s.screen(), Screen::Rating);
    assert!(s.handle(Intent::Rate(0)).is_empty());
    assert_eq!(
        s.handle(Intent::Rate(4)),
        vec![Effect::SubmitRating {
            stars: 4,
            lang: Lang::En
        }]
    );
    assert!(s.handle(Intent::Rate(5)).is_empty());
    s.handle(Intent::Submitted {
        reference: String::new(),
        offline: false,
    });
    assert_eq!(s.view().sent.unwrap().kind, SentKind::Rating);
}

#[test]
fn network_down_offers_the_offline_services() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    s.handle(Intent::SubmitQid);
    s.handle(Intent::Failed(Failure::Network));
    let v = s.view();
    assert_eq!(v.screen, Screen::Error);
    assert!(v.offline_offers);
    assert!(v.choices.iter().any(|c| c.key == "service:complaint"));
    // Printing needs the ministry: not offered.
    s.handle(Intent::ChooseService(Service::Print));
    assert_eq!(s.screen(), Screen::Error);
    s.handle(Intent::ChooseService(Service::Complaint));
    assert_eq!(s.screen(), Screen::Complaint);
}

#[test]
fn printer_is_checked_before_identification() {
    use manassa_core::PrinterProblem;
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    assert_eq!(
        s.handle(Intent::ChooseService(Service::Print)),
        vec![Effect::CheckPrinter]
    );
    s.handle(Intent::Failed(Failure::A4NotReady(
        PrinterProblem::PaperOut,
    )));
    let v = s.view();
    assert_eq!(v.screen, Screen::Error);
    assert!(!v.offline_offers);
}

#[test]
fn printing_reports_its_stage() {
    let mut s = Session::new(Lang::Ar, 60);
    to_documents(&mut s);
    s.handle(Intent::SelectDocument("doc-bp-004512".into()));
    s.handle(Intent::PreviewReady {
        document_id: "doc-bp-004512".into(),
        preview: preview(),
    });
    s.handle(Intent::ConfirmPrint);
    assert_eq!(s.view().print_stage, Some(PrintStage::Paper));
    s.handle(Intent::PrintProgress(PrintStage::Ticket));
    assert_eq!(s.view().print_stage, Some(PrintStage::Ticket));
}

// -- tactile keypad, focus, audio mode, reset --

#[test]
fn any_key_on_attract_starts_audio_then_enter_starts() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Tactile(TactileKey::Digit(5)));
    assert!(s.view().access.audio);
    assert_eq!(s.screen(), Screen::Attract);
    s.handle(Intent::Tactile(TactileKey::Enter));
    assert_eq!(s.screen(), Screen::Services);
    assert_eq!(s.view().focus, None);
}

#[test]
fn arrows_move_focus_mirrored_in_arabic_and_enter_activates() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Tactile(TactileKey::Help));
    s.handle(Intent::Start);
    s.handle(Intent::Tactile(TactileKey::Down));
    assert_eq!(s.view().focus_key(), Some("service:print"));
    // In Arabic, Left is forward.
    s.handle(Intent::Tactile(TactileKey::Left));
    assert_eq!(s.view().focus_key(), Some("service:verify"));
    s.handle(Intent::Tactile(TactileKey::Right));
    s.handle(Intent::Tactile(TactileKey::Up));
    // Wraps to the last choice (the header's language switch).
    assert_eq!(s.view().focus_key(), Some("lang"));
    s.handle(Intent::Tactile(TactileKey::Down));
    s.handle(Intent::Tactile(TactileKey::Down));
    assert_eq!(s.view().focus_key(), Some("service:verify"));
    s.handle(Intent::Tactile(TactileKey::Enter));
    assert_eq!(s.screen(), Screen::VerifyScan);
}

#[test]
fn keypad_only_print_journey() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Tactile(TactileKey::Enter)); // audio on
    s.handle(Intent::Tactile(TactileKey::Enter)); // start
    s.handle(Intent::Tactile(TactileKey::Down));
    let fx = s.handle(Intent::Tactile(TactileKey::Enter));
    assert_eq!(fx, vec![Effect::CheckPrinter]);
    for d in QID.bytes() {
        s.handle(Intent::Tactile(TactileKey::Digit(d - b'0')));
    }
    s.handle(Intent::Tactile(TactileKey::Digit(9))); // beyond 11 digits: ignored
    s.handle(Intent::Tactile(TactileKey::Clear));
    s.handle(Intent::Tactile(TactileKey::Digit(3)));
    assert_eq!(s.view().qid, QID);
    s.handle(Intent::Tactile(TactileKey::Down)); // the QID field
    let fx = s.handle(Intent::Tactile(TactileKey::Enter));
    assert!(matches!(fx[..], [Effect::StartChallenge { .. }]));
    s.handle(Intent::ChallengeStarted {
        challenge_id: "ch".into(),
        masked_phone: "x".into(),
    });
    for d in [1, 2, 3, 4, 5, 6] {
        s.handle(Intent::Tactile(TactileKey::Digit(d)));
    }
    // The code field's choice never carries the code.
    assert!(
        s.view()
            .choices
            .iter()
            .all(|c| !c.detail.contains("123456"))
    );
    s.handle(Intent::Tactile(TactileKey::Down));
    s.handle(Intent::Tactile(TactileKey::Down)); // "Verify"
    let fx = s.handle(Intent::Tactile(TactileKey::Enter));
    assert!(matches!(fx[..], [Effect::VerifyCode { .. }]));
    s.handle(Intent::CodeVerified { token: "t".into() });
    s.handle(Intent::DocumentsListed(docs()));
    s.handle(Intent::Tactile(TactileKey::Down));
    assert_eq!(s.view().focus_key(), Some("doc:doc-bp-004512"));
    let fx = s.handle(Intent::Tactile(TactileKey::Enter));
    assert!(matches!(fx[..], [Effect::PrepareDocument { .. }]));
}

#[test]
fn help_repeats_volume_and_rate_are_bounded_and_reset_for_the_next_user() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Tactile(TactileKey::Help));
    assert_eq!(
        s.handle(Intent::Tactile(TactileKey::Help)),
        vec![Effect::RepeatSpeech]
    );
    for _ in 0..20 {
        s.handle(Intent::Tactile(TactileKey::VolumeUp));
        s.handle(Intent::Tactile(TactileKey::Hash));
    }
    let a = s.view().access;
    assert_eq!((a.volume, a.rate), (5, 3));
    s.handle(Intent::ToggleLargeText);
    s.handle(Intent::ToggleHighContrast);
    s.handle(Intent::Start);
    s.handle(Intent::Tactile(TactileKey::Cancel));
    assert_eq!(s.screen(), Screen::Attract);
    assert_eq!(s.view().access, Accessibility::default());
}

#[test]
fn complaint_text_can_be_typed_from_the_keypad() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Complaint));
    s.handle(Intent::Tactile(TactileKey::Down));
    s.handle(Intent::Tactile(TactileKey::Enter)); // first category
    let keys: Vec<String> = s.view().choices.iter().map(|c| c.key.clone()).collect();
    let q = keys.iter().position(|k| k == "key:q").unwrap();
    for _ in 0..=q {
        s.handle(Intent::Tactile(TactileKey::Down));
    }
    s.handle(Intent::Tactile(TactileKey::Enter));
    assert_eq!(s.view().complaint.unwrap().text, "q");
    s.handle(Intent::Tactile(TactileKey::Clear));
    assert_eq!(s.view().complaint.unwrap().text, "");
}

#[test]
fn printer_check_failing_during_a_card_challenge_or_on_the_code_screen_stops_the_journey() {
    use manassa_core::PrinterProblem;
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::CardRead { qid: QID.into() });
    assert!(s.view().busy);
    s.handle(Intent::Failed(Failure::A4NotReady(
        PrinterProblem::PaperOut,
    )));
    assert_eq!(s.screen(), Screen::Error);
    // The late challenge answer is not applied to the error screen.
    s.handle(Intent::ChallengeStarted {
        challenge_id: "c".into(),
        masked_phone: "x".into(),
    });
    assert_eq!(s.screen(), Screen::Error);
    // Finishing gives the card back.
    assert!(s.handle(Intent::Finish).contains(&Effect::EjectCard));

    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    s.handle(Intent::SubmitQid);
    s.handle(Intent::ChallengeStarted {
        challenge_id: "c".into(),
        masked_phone: "x".into(),
    });
    s.handle(Intent::Failed(Failure::A4NotReady(PrinterProblem::Offline)));
    assert_eq!(s.screen(), Screen::Error);
}

// -- review findings --

fn to_preview(s: &mut Session, ready: bool) {
    to_documents(s);
    s.handle(Intent::SelectDocument("doc-bp-004512".into()));
    if ready {
        s.handle(Intent::PreviewReady {
            document_id: "doc-bp-004512".into(),
            preview: preview(),
        });
    }
}

#[test]
fn keys_under_the_idle_warning_only_mean_more_time() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Tick(1));
    to_preview(&mut s, true);
    s.handle(Intent::Tactile(TactileKey::Down));
    assert_eq!(s.view().focus_key(), Some("next"));
    s.handle(Intent::Tick(62_000));
    assert!(s.view().idle_warning_s.is_some());
    assert_eq!(s.view().focus_key(), None, "only 'more time' is on offer");
    assert!(s.handle(Intent::Tactile(TactileKey::Enter)).is_empty());
    assert_eq!(s.screen(), Screen::Preview);
    assert!(s.view().idle_warning_s.is_none(), "more time given");
    s.handle(Intent::Tick(125_000));
    assert!(s.handle(Intent::Tactile(TactileKey::Cancel)).is_empty());
    assert_eq!(s.screen(), Screen::Preview);
}

#[test]
fn focus_follows_its_choice_when_the_list_changes() {
    let mut s = Session::new(Lang::En, 60);
    to_preview(&mut s, false);
    s.handle(Intent::Tactile(TactileKey::Down));
    assert_eq!(s.view().focus_key(), Some("back"));
    s.handle(Intent::PreviewReady {
        document_id: "doc-bp-004512".into(),
        preview: preview(),
    });
    assert_eq!(s.view().focus_key(), Some("back"), "not moved onto Print");
    let fx = s.handle(Intent::Tactile(TactileKey::Enter));
    assert!(fx.is_empty());
    assert_eq!(s.screen(), Screen::Documents);
}

#[test]
fn the_done_screen_gets_the_whole_idle_time_after_a_long_print() {
    let mut s = Session::new(Lang::En, 90);
    s.handle(Intent::Tick(1_000));
    to_preview(&mut s, true);
    s.handle(Intent::ConfirmPrint);
    s.handle(Intent::Tick(150_000));
    s.handle(Intent::PrintFinished {
        reference: "R".into(),
    });
    let fx = s.handle(Intent::Tick(150_050));
    assert!(!fx.contains(&Effect::Wipe));
    assert_eq!(s.screen(), Screen::Done);
    assert!(s.view().idle_warning_s.is_none());
}

#[test]
fn back_is_ignored_while_an_answer_is_awaited() {
    let mut s = Session::new(Lang::En, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Print));
    s.handle(Intent::QidEdited(QID.into()));
    s.handle(Intent::SubmitQid);
    s.handle(Intent::Back);
    assert_eq!(s.screen(), Screen::Identify);
    s.handle(Intent::ChallengeStarted {
        challenge_id: "c".into(),
        masked_phone: "x".into(),
    });
    assert_eq!(s.screen(), Screen::Code);
    s.handle(Intent::CodeEdited("123".into()));
    assert!(s.handle(Intent::SubmitCode).is_empty());
    assert_eq!(s.view().error.unwrap().id, "error-code-short");
}

#[test]
fn arabic_keyboard_arrows_follow_the_keys_left_to_right() {
    let mut s = Session::new(Lang::Ar, 60);
    s.handle(Intent::Start);
    s.handle(Intent::ChooseService(Service::Complaint));
    s.handle(Intent::ChooseCategory(ComplaintCategory::Other));
    let keys: Vec<String> = s.view().choices.iter().map(|c| c.key.clone()).collect();
    let one = keys.iter().position(|k| k == "key:1").unwrap();
    for _ in 0..=one {
        s.handle(Intent::Tactile(TactileKey::Down));
    }
    assert_eq!(s.view().focus_key(), Some("key:1"));
    s.handle(Intent::Tactile(TactileKey::Right));
    assert_eq!(
        s.view().focus_key(),
        Some("key:2"),
        "Right is the key to the right"
    );
}

#[test]
fn the_technicians_volume_is_every_users_start_and_reset() {
    let mut s = Session::new(Lang::En, 60).with_default_volume(2);
    assert_eq!(s.view().access.volume, 2);
    s.handle(Intent::Tactile(TactileKey::Help));
    s.handle(Intent::Tactile(TactileKey::VolumeUp));
    assert_eq!(s.view().access.volume, 3);
    s.handle(Intent::Start);
    s.handle(Intent::Cancel);
    assert_eq!(s.view().access.volume, 2);
    assert!(!s.view().access.audio);
}

#[test]
fn new_defaults_apply_from_the_next_resident_session() {
    let mut s = Session::new(Lang::En, 90).with_default_volume(4);
    s.handle(Intent::Tick(0));
    s.handle(Intent::Start);
    assert_ne!(s.view().screen, Screen::Attract);
    s.set_defaults(Lang::Ar, 150, 2);
    // The resident on screen: unchanged language, volume and idle time.
    let v = s.view();
    assert_eq!((v.lang, v.access.volume), (Lang::En, 4));
    s.handle(Intent::Tick(90_000));
    assert!(s.view().idle_warning_s.is_some(), "still the old 90 s");
    // Their session ends (the idle wipe); the next one starts from the new defaults.
    let wiped = 90_000 + IDLE_WARNING_S * 1000;
    s.handle(Intent::Tick(wiped));
    let v = s.view();
    assert_eq!(v.screen, Screen::Attract);
    assert_eq!((v.lang, v.access.volume), (Lang::Ar, 2));
    s.handle(Intent::Start);
    s.handle(Intent::Tick(wiped + 149_999));
    assert!(s.view().idle_warning_s.is_none(), "150 s now");
    s.handle(Intent::Tick(wiped + 150_000));
    assert!(s.view().idle_warning_s.is_some());
}

#[test]
fn new_defaults_on_the_attract_screen_apply_at_once() {
    // The technician menu closed (back to attract) before its save answered.
    let mut s = Session::new(Lang::En, 90).with_default_volume(4);
    s.handle(Intent::Tick(0));
    assert_eq!(s.view().screen, Screen::Attract);
    s.set_defaults(Lang::Ar, 150, 2);
    let v = s.view();
    assert_eq!((v.lang, v.access.volume), (Lang::Ar, 2));
    s.handle(Intent::Start);
    s.handle(Intent::Tick(149_999));
    assert!(s.view().idle_warning_s.is_none(), "150 s at once");
}

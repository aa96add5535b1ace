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
        vec![Effect::StartChallenge {
            qid: QID.into(),
            method: IdMethod::Card
        }]
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
    assert_eq!(fx, vec![Effect::EjectCard]);
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

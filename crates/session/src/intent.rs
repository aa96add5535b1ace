//! What goes into the session ([`Intent`]) and what comes out ([`Effect`]).

use super::*;

/// Everything that can happen to a session.
#[derive(Debug, Clone, PartialEq)]
pub enum Intent {
    /// Touch on the attract screen.
    Start,
    /// A service chosen on the menu.
    ChooseService(Service),
    /// The chosen paper is fetched, verified and rendered; page 1 as a preview.
    PreviewReady {
        /// Document id.
        document_id: String,
        /// Page 1.
        preview: PreviewImage,
    },
    /// Print the previewed paper.
    ConfirmPrint,
    /// The scanner read a code (untrusted text).
    SealScanned(String),
    /// The verdict on the scanned seal.
    SealChecked(Verdict),
    /// The one-touch language switch.
    SwitchLanguage,
    /// The QID field's new content (the UI filters nothing; the session keeps digits only).
    QidEdited(String),
    /// A keypad key for the field on screen (QID or code).
    Key(Key),
    /// Continue with the typed QID.
    SubmitQid,
    /// The card reader read an ID card; `qid` is the card's ID number.
    CardRead {
        /// The card's ID number.
        qid: String,
    },
    /// A card was inserted but could not be read.
    CardUnreadable,
    /// The card was taken out of the reader.
    CardRemoved,
    /// Any touch or key that is not otherwise an intent ("I need more time").
    Activity,
    /// The code field's new content.
    CodeEdited(String),
    /// Verify the typed code.
    SubmitCode,
    /// The ministry started a challenge.
    ChallengeStarted {
        /// Challenge id for verification.
        challenge_id: String,
        /// Phone number as the ministry masked it.
        masked_phone: String,
    },
    /// Demo only: the code the (non-existent) SMS would carry, shown on a demo panel.
    DemoCode(String),
    /// The code was right; the resident's session token.
    CodeVerified {
        /// Short-lived resident session token (kept in memory only).
        token: String,
    },
    /// The resident's papers.
    DocumentsListed(Vec<DocItem>),
    /// Print this paper.
    SelectDocument(String),
    /// The paper and ticket were printed.
    PrintFinished {
        /// Reference number printed on the ticket.
        reference: String,
    },
    /// An effect failed.
    Failed(Failure),
    /// Back one step.
    Back,
    /// Abandon the session.
    Cancel,
    /// Finish on the done screen, or dismiss an error.
    Finish,
    /// Clock tick, milliseconds on a monotonic clock.
    Tick(u64),
    /// Printing moved on to the next stage.
    PrintProgress(PrintStage),
    /// A complaint category chosen.
    ChooseCategory(ComplaintCategory),
    /// A key of the on-screen text keyboard.
    TextKey(TextKey),
    /// The complaint text's new content (untrusted; sanitised and bounded by the session).
    TextEdited(String),
    /// Continue to the next step of a multi-step form (complaint).
    Next,
    /// A rating, 1 (very unhappy) to 5 (very happy).
    Rate(u8),
    /// The complaint or rating is stored in the outbox.
    Submitted {
        /// Reference for the resident (complaints).
        reference: String,
        /// The ministry is not reachable now; it will be sent later.
        offline: bool,
    },
    /// A key of the tactile keypad (ADA §707.6, EN 301 549 5.1.3).
    Tactile(TactileKey),
    /// Say the current screen again (audio mode).
    RepeatSpeech,
    /// Audio guidance on or off (the accessibility button).
    ToggleAudio,
    /// Large text on or off.
    ToggleLargeText,
    /// High contrast on or off.
    ToggleHighContrast,
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start resident authentication (answers `ChallengeStarted` or `Failed`).
    StartChallenge {
        /// The QID.
        qid: String,
        /// From a card read or typed.
        method: IdMethod,
    },
    /// Verify the code (answers `CodeVerified` or `Failed`).
    VerifyCode {
        /// Challenge id.
        challenge_id: String,
        /// The code.
        code: String,
    },
    /// List papers (answers `DocumentsListed` or `Failed`).
    ListDocuments {
        /// Resident token.
        token: String,
    },
    /// Fetch a paper, verify its seal, render it (answers `PreviewReady` or `Failed`).
    PrepareDocument {
        /// Resident token.
        token: String,
        /// Document id.
        document_id: String,
    },
    /// Print the prepared paper, print the ticket, audit it (answers `PrintFinished` or
    /// `Failed`).
    PrintDocument {
        /// Document id (must be the prepared one).
        document_id: String,
        /// The language the resident used (ticket text).
        lang: Lang,
    },
    /// Verify a scanned seal offline, then ask the ministry about revocation (answers
    /// `SealChecked`).
    VerifySeal {
        /// The scanned text.
        text: String,
    },
    /// Give the card back.
    EjectCard,
    /// Check the A4 printer before the resident identifies (answers `Failed(A4NotReady)`
    /// only when it cannot print).
    CheckPrinter,
    /// Store a complaint in the outbox (answers `Submitted` or `Failed(NotRecorded)`).
    FileComplaint {
        /// Category.
        category: ComplaintCategory,
        /// The text, sanitised, `COMPLAINT_MIN_CHARS..=COMPLAINT_MAX_CHARS` characters.
        text: String,
        /// Optional phone, [`PHONE_LEN`] digits.
        phone: Option<String>,
        /// The resident's language (for the ministry's answer).
        lang: Lang,
    },
    /// Store a rating in the outbox (answers `Submitted` or `Failed(NotRecorded)`).
    SubmitRating {
        /// 1–5.
        stars: u8,
        /// The resident's language.
        lang: Lang,
    },
    /// Say the current screen again (audio mode; the Help/Repeat key).
    RepeatSpeech,
    /// The session ended: cancel anything in flight, forget everything.
    Wipe,
}

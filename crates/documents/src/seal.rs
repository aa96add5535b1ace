//! The Tawkeed seal bound to a paper: the seal crate's chain, plus the claims and the
//! checks that tie a seal to exactly the document fetched and the fields a paper prints.

pub use manassa_seal::*;

use unicode_normalization::UnicodeNormalization;

use crate::kinds::Content;

/// The printed fields as the digest takes them.
fn pairs(printed: &[(String, String)]) -> Vec<(&str, &str)> {
    printed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// The v2 claims for a document the ministry is about to issue: printed fields digested,
/// facts stated, holder reference keyed with `holder_secret` (the signer's alone).
///
/// # Panics
/// If two printed fields share an id (a bug in [`crate::kinds::content`], tested).
#[cfg(feature = "sign")]
pub fn claims_for(document_id: &str, content: &Content, holder_secret: &[u8]) -> Claims {
    let printed = content.printed_fields();
    Claims {
        version: 2,
        document_id: document_id.to_string(),
        kind: content.kind.as_str().to_string(),
        number: content.number.clone(),
        holder_ref: holder_ref(holder_secret, &content.holder_qid),
        issued_on: content.issued_on.clone(),
        signed_on: today(),
        digest: fields_digest(&pairs(&printed)).expect("printed field ids are unique"),
        facts: content.facts.clone(),
    }
}

/// The sample paper of `kind` (`kinds::sample`) with a fresh seal for document
/// `doc-sample` by `key` under `kid`: demo data for benchmarks, examples and tests.
///
/// # Panics
/// Never for the bundled samples (they parse and their seals fit a QR).
#[cfg(feature = "sign")]
pub fn sealed_sample(
    kind: manassa_core::DocumentKind,
    kid: &str,
    key: &p256::ecdsa::SigningKey,
) -> crate::Paper {
    let content = crate::kinds::content(kind, &crate::kinds::sample(kind)).expect("sample");
    let text = sign(&claims_for("doc-sample", &content, b"sample"), kid, key);
    crate::layout::paper(
        &content,
        Some(&qr_symbol(&text).expect("a sample seal fits")),
    )
}

/// What the kiosk knows of the document it fetched, apart from its content.
#[derive(Debug, Clone, Copy)]
pub struct Fetched<'a> {
    /// The ministry's document id.
    pub document_id: &'a str,
    /// The holder reference the ministry sent with the document, if any.
    pub holder_ref: Option<&'a str>,
}

/// Why a seal whose signature is good does not belong to the document fetched.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BindError {
    /// The seal itself failed (signature, key, digest, ...).
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A claim names another document, kind, number or holder; or a sealed fact differs
    /// from the content. Names the claim.
    #[error("the seal's `{0}` does not match the document fetched")]
    Mismatch(&'static str),
}

/// Verify a document the kiosk is about to print (DESIGN §4): the signature, the digest of
/// exactly what will be printed, and that the claims are this document's: id, kind and
/// number; for a v2 seal also the holder reference (required) and every fact.
///
/// Errors: [`BindError::Seal`] for a seal that fails on its own, [`BindError::Mismatch`] for
/// a good seal of something else.
pub fn verify_content(
    seal: &str,
    keys: &KeySet,
    fetched: Fetched<'_>,
    content: &Content,
) -> Result<Claims, BindError> {
    let claims = verify_document(seal, keys, &pairs(&content.printed_fields()))?;
    let same = |a: &str, b: &str| a.nfc().eq(b.nfc());
    if !same(&claims.document_id, fetched.document_id) {
        return Err(BindError::Mismatch("document_id"));
    }
    if claims.kind != content.kind.as_str() {
        return Err(BindError::Mismatch("kind"));
    }
    if !same(&claims.number, &content.number) {
        return Err(BindError::Mismatch("number"));
    }
    if claims.version >= 2 {
        if !fetched
            .holder_ref
            .is_some_and(|h| h.eq_ignore_ascii_case(&claims.holder_ref))
        {
            return Err(BindError::Mismatch("holder_ref"));
        }
        let facts_match = claims.facts.len() == content.facts.len()
            && claims
                .facts
                .iter()
                .zip(&content.facts)
                .all(|((fa, va), (fb, vb))| fa == fb && same(va, vb));
        if !facts_match {
            return Err(BindError::Mismatch("facts"));
        }
    }
    Ok(claims)
}

//! The Tawkeed seal bound to a paper's content: the seal crate's chain, plus the claims and
//! the check that tie a seal to exactly the fields a paper prints.

pub use manassa_seal::*;

use crate::kinds::Content;

/// The claims for a document the ministry is about to issue: printed fields digested.
pub fn claims_for(document_id: &str, content: &Content) -> Claims {
    let printed = content.printed_fields();
    let pairs: Vec<(&str, &str)> = printed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Claims {
        document_id: document_id.to_string(),
        kind: content.kind.as_str().to_string(),
        number: content.number.clone(),
        holder_ref: holder_ref(&content.holder_qid),
        issued_on: content.issued_on.clone(),
        signed_on: today(),
        digest: fields_digest(&pairs),
    }
}

/// Verify a document the kiosk is about to print (see [`verify_document`]).
pub fn verify_content(seal: &str, keys: &KeySet, content: &Content) -> Result<Claims, SealError> {
    let printed = content.printed_fields();
    let pairs: Vec<(&str, &str)> = printed
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    verify_document(seal, keys, &pairs)
}

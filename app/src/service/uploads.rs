//! The multipart uploads of the portal (an assessment's document, an attestation's evidence):
//! a file field streamed into the document store, a text field read within a limit, and the
//! refusals people read when either goes wrong.

use crate::{
    documents::{DocumentError, Documents, Incoming, Stored},
    error::AppError,
    request::internal,
};

/// The refusal of an upload whose multipart body could not be read whole.
pub(crate) fn cut_short(e: impl std::fmt::Display) -> AppError {
    tracing::info!("a document upload was refused: {e}");
    AppError::invalid(
        "file",
        "The upload did not arrive whole (the connection was cut or the form data is \
         malformed); nothing was kept. Send the file again.",
    )
}

/// A document the store refused, as people read it (at the field `file`).
pub(crate) fn refused(e: DocumentError) -> AppError {
    match e {
        DocumentError::TooLarge => AppError::TooLarge(e.to_string()),
        DocumentError::Refused(why) => AppError::invalid("file", why),
        DocumentError::Store(e) => internal(format!("document store: {e}")),
    }
}

/// A refusal named for the form's own field (say `file.<key>` rather than `file`).
pub(crate) fn at_field(e: AppError, field: &str) -> AppError {
    match e {
        AppError::Invalid(mut v) => {
            for f in &mut v {
                f.field = field.to_string();
            }
            AppError::Invalid(v)
        }
        e => e,
    }
}

/// A text field, read up to `max` bytes (more: refused, never buffered).
pub(crate) async fn text_of(
    field: &mut multer::Field<'static>,
    max: usize,
) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(cut_short)? {
        if bytes.len() + chunk.len() > max {
            return Err(AppError::Request(
                "A field of the form is longer than any answer may be.".into(),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| AppError::Request("A field is not UTF-8 text.".into()))
}

/// A file field streamed into the store: `None` when it is empty (no file chosen); a file
/// refused or cut short leaves nothing behind.
pub(crate) async fn file_of(
    field: &mut multer::Field<'static>,
    store: &Documents,
) -> Result<Option<Stored>, AppError> {
    let mut incoming: Incoming = store.receive();
    let mut any = false;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                incoming.abort().await;
                return Err(cut_short(e));
            }
        };
        any |= !chunk.is_empty();
        if let Err(e) = incoming.write(chunk).await {
            incoming.abort().await;
            return Err(refused(e));
        }
    }
    if !any {
        incoming.abort().await;
        return Ok(None);
    }
    incoming.finish().await.map(Some).map_err(refused)
}

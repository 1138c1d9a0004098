//! Plain axum routes beside the Leptos pages.

pub mod changes;
pub mod csv;
pub mod health;
pub mod json;
pub mod subscriptions;
pub mod xlsx;

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

/// A download produced piece by piece (the CSV, the JSON API's list): the next piece, `None`
/// at the end; an error ends the body early.
pub trait Chunks: Send + 'static {
    fn next_chunk(
        &mut self,
    ) -> impl std::future::Future<Output = Option<std::io::Result<Bytes>>> + Send;
}

/// `head`, then every piece of `chunks` until the end or the first error, as a body.
pub fn streamed(head: Bytes, chunks: impl Chunks) -> Body {
    let rest = futures::stream::unfold((chunks, false), |(mut chunks, done)| async move {
        if done {
            return None;
        }
        match chunks.next_chunk().await? {
            Ok(bytes) => Some((Ok(bytes), (chunks, false))),
            Err(e) => Some((Err(e), (chunks, true))),
        }
    });
    // fused: a layer that polls again after the end (compression does) gets the end again
    Body::from_stream(futures::StreamExt::fuse(futures::StreamExt::chain(
        futures::stream::once(async { Ok::<_, std::io::Error>(head) }),
        rest,
    )))
}

/// How long a client is asked to wait before trying a busy route again.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// The answer when every slot for this work stayed taken: try again in a few seconds.
pub fn busy() -> Response {
    let mut res = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The registry is busy right now. Please try again in a few seconds.\n",
    )
        .into_response();
    res.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from_static(RETRY_AFTER_SECONDS),
    );
    res
}

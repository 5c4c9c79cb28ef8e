//! The request timeout: reading a request (its body included) and answering it must fit in
//! `server.request_timeout_secs`.
//!
//! When it does not, the answer says whose slowness it was: 408 when the client had not
//! finished sending its body (the connection is then closed, since what is left of the body
//! would never be read), 503 with `Retry-After` when the server took too long. The handler's
//! future is dropped, which rolls back any transaction it had open.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::http::header::CONNECTION;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper::body::{Frame, SizeHint};

use gridloop_api::Problem;

/// Runs the rest of the router under `limit`.
pub async fn limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let received = Arc::new(AtomicBool::new(body.is_end_stream()));
    let body = Body::new(Received {
        inner: body,
        received: Arc::clone(&received),
    });
    let answered = tokio::time::timeout(limit, next.run(Request::from_parts(parts, body))).await;
    match answered {
        Ok(response) => response,
        Err(_) if !received.load(Ordering::Acquire) => {
            let mut response = Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "Request timeout",
            )
            .detail("the request's body did not arrive in time")
            .into_response();
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
            response
        }
        Err(_) => {
            tracing::warn!(
                limit_secs = limit.as_secs(),
                "a request was not answered in time"
            );
            Problem::unavailable("the server did not answer in time").into_response()
        }
    }
}

/// A request body that notes when it has been read to its end.
#[derive(Debug)]
struct Received {
    inner: Body,
    received: Arc<AtomicBool>,
}

impl hyper::body::Body for Received {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.received.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

//! The server's connections: accepting them up to a limit, closing the slow and the idle, and
//! draining them on shutdown.
//!
//! `axum::serve` offers none of this, so the accept loop is written here on hyper's HTTP/1
//! connection. Each connection is watched by a small state machine fed by its socket (bytes
//! read and written) and by its requests (dispatched, answered):
//!
//! - **head**: from the moment it is accepted, or the first byte of a later request on a
//!   kept-alive connection, a client has [`Limits::header_read_timeout`] to deliver the request
//!   line and headers. Past it the connection is closed without an answer (slowloris).
//! - **busy**: a request is in progress. The router's own request timeout answers 408 or 503
//!   when reading the body or the handler takes too long ([`crate::serve::router_with`]);
//!   here a busy connection on which nothing moves at all for longer than that (a client that
//!   stopped reading its answer) is cut.
//! - **idle**: kept alive between requests, closed after [`Limits::idle_timeout`].
//!
//! hyper has a `header_read_timeout` of its own, but in the hyper this builds on (1.12) its
//! timer starts again the moment a kept-alive connection goes idle, not at the next request's
//! first byte, so it is the idle timeout as well (hyper has no separate one): a short header
//! timeout would cut a reverse proxy's pooled connections every few seconds, and a long one
//! would let a slow client hold its head open as long. It is switched off and both are kept
//! here, apart.
//!
//! The connection limit is a semaphore taken *before* `accept`: beyond it, new connections
//! wait in the kernel's listen queue. They cost the process no file descriptor there, they are
//! served in turn as soon as a slot frees (at most a header timeout later when slow clients
//! hold the slots), and a legitimate client is not refused for the attacker's sake, as it would
//! be if connections over the limit were accepted and closed.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

use gridloop_app::settings::ServerSettings;

/// How long clients may take, how many may be served at once, and how long shutdown waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

/// The defaults of `config/default.toml`.
impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl From<&ServerSettings> for Limits {
    /// Zero would mean "close at once" or "serve nobody": at least one second, one connection.
    fn from(s: &ServerSettings) -> Self {
        let secs = |n: u32| Duration::from_secs(u64::from(n.max(1)));
        Self {
            header_read_timeout: secs(s.header_read_timeout_secs),
            request_timeout: secs(s.request_timeout_secs),
            idle_timeout: secs(s.idle_timeout_secs),
            max_connections: usize::try_from(s.max_connections.max(1)).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_secs(u64::from(s.shutdown_grace_secs)),
        }
    }
}

/// A busy connection is cut once nothing has moved on it for the request timeout and this
/// much more: the router answers at the request timeout, so the slack keeps the cut from
/// racing that answer.
const STALL_SLACK: Duration = Duration::from_secs(1);

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, closes idle and
/// half-sent connections, gives requests in progress [`Limits::shutdown_grace`] to finish and
/// closes whatever is left.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Finished connections are reaped as they end, so the set holds only open ones.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break, // never closed
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(
            stream,
            peer,
            app.clone(),
            limits,
            stopping.clone(),
            slot,
        ));
    }
    // New connections are refused from here on.
    drop(listener);
    let _ = stop.send(true);
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "shutdown grace period over: closing the connections still open"
        );
        connections.shutdown().await;
    }
    Ok(())
}

/// An `accept` that failed. A client that gave up in the queue is nothing; running out of file
/// descriptors (which the connection limit should prevent) is logged and waited out, since
/// retrying at once would spin.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept connections");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Serves one connection while its watchdog lets it, holding its `slot` until it closes.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: Limits,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    // Answers are small and written whole: no reason to let Nagle hold their last segment.
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new(Instant::now()));
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            let in_flight = InFlight::start(&activity);
            // Handlers that need the peer (delivery reports, sign-in) read it as axum's
            // `ConnectInfo`, as `into_make_service_with_connect_info` would give it.
            request.extensions_mut().insert(ConnectInfo(peer));
            let app = app.clone();
            async move {
                let response = app.oneshot(request.map(Body::new)).await?;
                // The request counts as in progress until its answer is written (the body is
                // dropped) or abandoned (this future is dropped, and `in_flight` with it).
                Ok::<_, Infallible>(response.map(|body| {
                    Body::new(Answer {
                        inner: body,
                        _in_flight: in_flight,
                    })
                }))
            }
        })
    };
    let mut builder = http1::Builder::new();
    // hyper's own header timer also runs while a connection is idle: see the module doc.
    builder.header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        let wake = match activity.verdict(Instant::now(), &limits) {
            Verdict::Wait(until) => until,
            Verdict::Close(why) => {
                tracing::debug!(%peer, ?why, "closing a connection");
                if why == Cut::Idle {
                    // Nothing in progress: hyper closes it at once, cleanly.
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
                return;
            }
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(wake) => {}
            changed = stopping.changed(), if !draining => {
                draining = true;
                if changed.is_err() || !activity.busy() {
                    // Idle or half-sent: nothing that was promised an answer.
                    return;
                }
                // Finish the request in progress, then close.
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What a connection's watchdog decides when it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Look again then (or earlier, if the connection ends).
    Wait(Instant),
    /// Close it now.
    Close(Cut),
}

/// Why a connection is closed by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// The request's head did not arrive in time.
    HeaderTimeout,
    /// Kept alive with nothing to do for too long.
    Idle,
    /// A request in progress on which nothing moved for too long.
    Stalled,
}

/// What a connection has been doing, written by its socket and its requests.
#[derive(Debug)]
struct Activity {
    // A std Mutex: the socket, the requests and the watchdog of one connection all run on its
    // task, so the lock is never contended nor held across an await.
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy)]
struct State {
    /// Requests dispatched whose answers are not written yet.
    in_flight: usize,
    /// When the head now being read began: acceptance, or the first byte after the last answer.
    head_since: Option<Instant>,
    /// When the last answer was written.
    idle_since: Instant,
    /// When a byte last moved either way.
    last_progress: Instant,
}

impl Activity {
    fn new(accepted: Instant) -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: 0,
                head_since: Some(accepted),
                idle_since: accepted,
                last_progress: accepted,
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn read(&self, now: Instant) {
        self.with(|s| {
            s.last_progress = now;
            // Bytes with no request in progress are the next request's head.
            if s.in_flight == 0 && s.head_since.is_none() {
                s.head_since = Some(now);
            }
        });
    }

    fn wrote(&self, now: Instant) {
        self.with(|s| s.last_progress = now);
    }

    fn busy(&self) -> bool {
        self.with(|s| s.in_flight > 0)
    }

    fn verdict(&self, now: Instant, limits: &Limits) -> Verdict {
        let s = self.with(|s| *s);
        let (deadline, why) = if s.in_flight > 0 {
            (
                s.last_progress + limits.request_timeout + STALL_SLACK,
                Cut::Stalled,
            )
        } else if let Some(since) = s.head_since {
            (since + limits.header_read_timeout, Cut::HeaderTimeout)
        } else {
            (s.idle_since + limits.idle_timeout, Cut::Idle)
        };
        if now >= deadline {
            Verdict::Close(why)
        } else {
            Verdict::Wait(deadline)
        }
    }
}

/// One request in progress on a connection, from dispatch until its answer is written.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: &Arc<Activity>) -> Self {
        let now = Instant::now();
        activity.with(|s| {
            s.in_flight += 1;
            s.head_since = None;
            s.last_progress = now;
        });
        Self(Arc::clone(activity))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = Instant::now();
        self.0.with(|s| {
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 {
                s.idle_since = now;
            }
        });
    }
}

/// An answer's body, holding its request [`InFlight`] until hyper drops it, written.
#[derive(Debug)]
struct Answer {
    inner: Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for Answer {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, telling [`Activity`] whenever bytes move.
#[derive(Debug)]
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read(Instant::now());
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote(Instant::now());
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote(Instant::now());
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(75),
            max_connections: 1,
            shutdown_grace: Duration::from_secs(10),
        }
    }

    #[test]
    fn a_new_connection_must_send_its_head_within_the_header_timeout() {
        let t0 = Instant::now();
        let a = Activity::new(t0);
        a.read(t0 + Duration::from_secs(3));
        let deadline = t0 + Duration::from_secs(10);
        assert_eq!(a.verdict(t0, &limits()), Verdict::Wait(deadline));
        assert_eq!(
            a.verdict(deadline, &limits()),
            Verdict::Close(Cut::HeaderTimeout)
        );
    }

    #[test]
    fn a_kept_alive_connection_waits_the_idle_timeout_then_the_header_timeout_from_its_first_byte()
    {
        let t0 = Instant::now();
        let a = Arc::new(Activity::new(t0));
        drop(InFlight::start(&a));
        let idle = a.with(|s| s.idle_since);
        assert_eq!(
            a.verdict(idle, &limits()),
            Verdict::Wait(idle + Duration::from_secs(75))
        );
        let byte = idle + Duration::from_secs(70);
        a.read(byte);
        assert_eq!(
            a.verdict(byte, &limits()),
            Verdict::Wait(byte + Duration::from_secs(10))
        );
    }

    #[test]
    fn a_busy_connection_is_cut_only_when_nothing_moves_for_longer_than_the_request_timeout() {
        let t0 = Instant::now();
        let a = Arc::new(Activity::new(t0));
        let request = InFlight::start(&a);
        let start = a.with(|s| s.last_progress);
        // Body bytes while busy are not a new head.
        a.read(start + Duration::from_secs(50));
        assert!(a.with(|s| s.head_since.is_none()));
        assert_eq!(
            a.verdict(start + Duration::from_secs(100), &limits()),
            Verdict::Wait(start + Duration::from_secs(111))
        );
        assert_eq!(
            a.verdict(start + Duration::from_secs(111), &limits()),
            Verdict::Close(Cut::Stalled)
        );
        assert!(a.busy());
        drop(request);
        assert!(!a.busy());
    }
}

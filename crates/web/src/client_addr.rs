//! The client's address as a handler argument: the app's rule
//! (`gridloop_app::client_addr::client_addr`) over the connection's peer and its
//! `X-Forwarded-For` lines.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use gridloop_app::client_addr::{client_addr, FORWARDED_FOR};
use gridloop_app::AppState;

/// The client's address, or `None` when the server was started without peer addresses
/// (`ConnectInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(peer.map(|peer| {
            let lines = parts
                .headers
                .get_all(FORWARDED_FOR)
                .iter()
                .map(|v| v.to_str().ok());
            client_addr(peer, lines, &state.web.trusted_proxies)
        })))
    }
}

//! Who a request comes from: the connecting address, or, when that is a trusted reverse
//! proxy, the address the proxy forwarded for. Per-address sign-in limits rest on it, so a
//! forwarding header is believed only from the proxies the settings name.

use crate::settings::{ProxyHeader, Settings};
use app::backend::ClientIp;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::Response,
};
use forwarded_header_value::{ForwardedStanza, Identifier};
use ipnet::IpNet;
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

/// The reverse proxies whose forwarding header is believed, and which header that is.
#[derive(Clone)]
pub struct TrustedProxies {
    nets: Arc<[IpNet]>,
    header: ProxyHeader,
}

impl TrustedProxies {
    pub fn new(nets: &[IpNet], header: ProxyHeader) -> Self {
        Self {
            nets: nets.into(),
            header,
        }
    }

    pub fn from_settings(settings: &Settings) -> Self {
        Self::new(&settings.trusted_proxies, settings.proxy_header)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that arrived from `peer`. Each proxy appends the address it was
    /// reached from, so the header is read from the right: past every trusted proxy, the first
    /// address that is not one is the client. Whatever stands further left was written by
    /// that client and is not believed; an entry that does not parse ends the walk at the last
    /// proxy that could be believed.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        for hop in self.hops(headers).into_iter().rev() {
            let Some(ip) = hop else {
                return client;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// The addresses in the forwarding header, left to right (`None` for one that does not
    /// parse); every copy of the header counts, in order.
    fn hops(&self, headers: &HeaderMap) -> Vec<Option<IpAddr>> {
        let name = match self.header {
            ProxyHeader::XForwardedFor => header::HeaderName::from_static("x-forwarded-for"),
            ProxyHeader::Forwarded => header::FORWARDED,
        };
        let mut hops = Vec::new();
        for value in headers.get_all(name) {
            let Ok(value) = value.to_str() else {
                hops.push(None);
                continue;
            };
            for element in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
                hops.push(match self.header {
                    ProxyHeader::XForwardedFor => {
                        element.parse::<Identifier>().ok().and_then(|id| id.ip())
                    }
                    ProxyHeader::Forwarded => element
                        .parse::<ForwardedStanza>()
                        .ok()
                        .and_then(|stanza| stanza.forwarded_for_ip()),
                });
            }
        }
        hops
    }
}

/// Puts the request's client address into its extensions, where the REST API and server
/// functions read it (`app::backend::ClientIp`).
pub async fn resolve_client(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>() {
        let client = proxies.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROXY: &str = "10.0.0.2";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn proxies(nets: &[&str], header: ProxyHeader) -> TrustedProxies {
        let nets: Vec<IpNet> = nets.iter().map(|n| n.parse().unwrap()).collect();
        TrustedProxies::new(&nets, header)
    }

    #[test]
    fn without_trusted_proxies_the_headers_are_ignored() {
        let none = proxies(&[], ProxyHeader::XForwardedFor);
        let sent = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("forwarded", "for=198.51.100.2"),
        ]);
        assert_eq!(none.client(ip(PROXY), &sent), ip(PROXY));
    }

    #[test]
    fn a_client_that_is_not_a_trusted_proxy_cannot_name_another() {
        let trusted = proxies(&["10.0.0.0/24"], ProxyHeader::XForwardedFor);
        let sent = headers(&[("x-forwarded-for", "198.51.100.1")]);
        assert_eq!(trusted.client(ip("203.0.113.9"), &sent), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client() {
        let trusted = proxies(&["10.0.0.0/24"], ProxyHeader::XForwardedFor);
        let sent = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7:4711, 10.0.0.3")]);
        assert_eq!(trusted.client(ip(PROXY), &sent), ip("198.51.100.7"));
    }

    #[test]
    fn spoofed_entries_to_the_left_and_garbage_there_are_ignored() {
        let trusted = proxies(&["10.0.0.0/24"], ProxyHeader::XForwardedFor);
        for spoofed in [
            "6.6.6.6, 203.0.113.5",
            "not an address, 203.0.113.5",
            "10.0.0.9, 203.0.113.5",
        ] {
            let sent = headers(&[("x-forwarded-for", spoofed)]);
            assert_eq!(
                trusted.client(ip(PROXY), &sent),
                ip("203.0.113.5"),
                "{spoofed}"
            );
        }
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(trusted.client(ip(PROXY), &split), ip("203.0.113.5"));
        let garbage_last = headers(&[("x-forwarded-for", "203.0.113.5, nonsense")]);
        assert_eq!(trusted.client(ip(PROXY), &garbage_last), ip(PROXY));
    }

    #[test]
    fn only_the_configured_header_is_read() {
        let xff = proxies(&["10.0.0.0/24"], ProxyHeader::XForwardedFor);
        let forwarded = proxies(&["10.0.0.0/24"], ProxyHeader::Forwarded);
        let sent = headers(&[
            ("x-forwarded-for", "203.0.113.5"),
            (
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https",
            ),
        ]);
        assert_eq!(xff.client(ip(PROXY), &sent), ip("203.0.113.5"));
        assert_eq!(forwarded.client(ip(PROXY), &sent), ip("2001:db8::7"));
        assert_eq!(
            forwarded.client(ip(PROXY), &headers(&[("forwarded", "for=_hidden")])),
            ip(PROXY),
            "an obfuscated client stays the proxy's"
        );
    }
}

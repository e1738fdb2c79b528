//! Every HTTP request opsclock makes to another server goes through the one client made here
//! ([`Outbound::client`]), so that an admin who may name a URL (a webhook) cannot make the server
//! reach inside its own network.
//!
//! The client refuses addresses that are not on the public internet: loopback, unspecified,
//! private (RFC 1918, IPv6 ULA `fc00::/7`), carrier-grade NAT (`100.64.0.0/10`), link-local
//! (`169.254.0.0/16`, `fe80::/10`, with the cloud metadata addresses `169.254.169.254` and
//! `fd00:ec2::254`), multicast, broadcast, reserved and documentation ranges; an IPv6 address
//! that carries an IPv4 one (`::ffff:a.b.c.d`, NAT64, 6to4) is judged by that address. The check
//! is made where the connection is made:
//!
//! - a host name is resolved by the client's own resolver ([`Guard`]), which refuses the name if
//!   any of its addresses is refused, so a name that points inside (or is re-pointed there after
//!   it was saved: DNS rebinding) is never connected to;
//! - an address written in the URL (reqwest does not resolve those) is checked before the request
//!   is built ([`Client::post`]); the URL parser has already turned decimal, octal and hex
//!   spellings (`http://2130706433/`, `http://0x7f.1/`) into the address they mean.
//!
//! The client follows no redirects and ignores the `HTTP(S)_PROXY` variables (a proxy would
//! resolve the name itself). Saving a URL checks it too ([`Outbound::check_url`]), so an obviously
//! internal address (an internal IP, `localhost`) is refused with the reason at once.
//!
//! `[outbound] allow` in the config names what may be reached anyway, as CIDRs (`10.1.2.0/24`,
//! `127.0.0.1/32`, a bare address) or host names (`hooks.corp.example`, matched exactly, any
//! case): a named host may resolve to anything; an address in an allowed CIDR is fine whatever
//! the name.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

/// The `[outbound]` section as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundConfig {
    /// Internal addresses (CIDRs or bare addresses) and host names outbound HTTP may reach
    /// anyway [default: none].
    #[serde(default)]
    pub allow: Vec<String>,
}

/// One range of addresses: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    net: IpAddr,
    bits: u8,
}

impl Cidr {
    fn parse(s: &str) -> Option<Cidr> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let net: IpAddr = addr.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max)?,
            None => max,
        };
        Some(Cidr { net, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, width) = match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
            _ => return false,
        };
        if self.bits == 0 {
            return true;
        }
        let shift = width - u32::from(self.bits);
        (a >> shift) == (b >> shift)
    }
}

/// What outbound HTTP may reach: the public internet and the config's allow-list.
#[derive(Debug, Clone, Default)]
pub struct Outbound {
    inner: Arc<Allowed>,
}

#[derive(Debug, Default)]
struct Allowed {
    cidrs: Vec<Cidr>,
    hosts: Vec<String>,
}

impl Outbound {
    /// The policy `[outbound]` describes; an entry that is neither a CIDR nor a host name is an
    /// error naming it.
    pub fn from_config(c: &OutboundConfig) -> anyhow::Result<Outbound> {
        let mut allowed = Allowed::default();
        for entry in &c.allow {
            let e = entry.trim();
            if let Some(cidr) = Cidr::parse(e) {
                allowed.cidrs.push(cidr);
            } else if !e.is_empty()
                && !e.contains('/')
                && e.split('.')
                    .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            {
                allowed.hosts.push(e.to_ascii_lowercase());
            } else {
                anyhow::bail!("[outbound] allow: {entry:?} is neither an address range (10.0.0.0/8) nor a host name");
            }
        }
        Ok(Outbound {
            inner: Arc::new(allowed),
        })
    }

    /// A policy allowing exactly `entries` (see [`Outbound::from_config`]).
    pub fn allowing<S: Into<String>>(entries: impl IntoIterator<Item = S>) -> anyhow::Result<Outbound> {
        Outbound::from_config(&OutboundConfig {
            allow: entries.into_iter().map(Into::into).collect(),
        })
    }

    fn host_allowed(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.inner.hosts.contains(&host)
    }

    /// Why `ip` may not be reached, or `None` if it may.
    pub fn refusal(&self, ip: IpAddr) -> Option<&'static str> {
        let why = internal(ip)?;
        (!self.inner.cidrs.iter().any(|c| c.contains(ip))).then_some(why)
    }

    /// Checks a URL an admin saves: an http(s) URL whose host is not an internal address or
    /// `localhost` (unless allowed). Names are not resolved here; the client checks them again
    /// at every connection.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err("must be an http or https address".into());
        }
        match host_of(url) {
            None => Err("must be an http or https address".into()),
            Some(Host::Ip(ip)) => self.check_ip(ip),
            Some(Host::Name(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if (d == "localhost" || d.ends_with(".localhost")) && !self.host_allowed(&d) {
                    Err(format!(
                        "{d} is this machine; opsclock does not post inside its own network unless [outbound] allow names it"
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        match self.refusal(ip) {
            Some(why) => Err(format!(
                "{ip} is {why}; opsclock does not post inside its own network unless [outbound] allow names it"
            )),
            None => Ok(()),
        }
    }

    /// The client every outbound request goes through: this policy checked at every connection,
    /// no redirects, no proxy, `timeout` to connect and to answer.
    pub fn client(&self, timeout: Duration) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("opsclock/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(Guard { policy: self.clone() }))
            .build()?;
        Ok(Client {
            http,
            policy: self.clone(),
        })
    }
}

/// The HTTP client of [`Outbound::client`].
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    policy: Outbound,
}

impl Client {
    /// A POST to `url`, or why it may not be made. A URL with an address in it is checked here; a
    /// host name is checked when it is resolved, at connection.
    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        match host_of(&parsed) {
            Some(Host::Ip(ip)) => self.policy.check_ip(ip)?,
            Some(Host::Name(_)) => {}
            None => return Err("the URL has no host".into()),
        }
        Ok(self.http.post(parsed))
    }
}

enum Host {
    Ip(IpAddr),
    Name(String),
}

/// The URL's host: an address (the parser has already read every IPv4 spelling), or a name.
fn host_of(url: &reqwest::Url) -> Option<Host> {
    let h = url.host_str()?;
    let bare = h.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(h);
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Name(h.to_owned()),
    })
}

/// The client's resolver: the system's, then the policy on every address found.
struct Guard {
    policy: Outbound,
}

impl reqwest::dns::Resolve for Guard {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !policy.host_allowed(&host)
                && let Some((ip, why)) = addrs
                    .iter()
                    .find_map(|a| policy.refusal(a.ip()).map(|why| (a.ip(), why)))
            {
                return Err(format!(
                    "{host} resolves to {ip}, which is {why}; not connecting (allow it in [outbound] allow)"
                )
                .into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Why `ip` is not on the public internet, or `None` if it is.
pub fn internal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        [169, 254, 169, 254] => "the cloud metadata address",
        [0, ..] => "an unspecified address",
        [127, ..] => "a loopback address",
        [10, ..] => "a private address",
        [172, b, ..] if (16..32).contains(&b) => "a private address",
        [192, 168, ..] => "a private address",
        [100, b, ..] if (64..128).contains(&b) => "a carrier-grade NAT address",
        [169, 254, ..] => "a link-local address",
        [192, 0, 0, _] => "an IETF protocol address",
        [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _] => "a documentation address",
        [198, b, ..] if b == 18 || b == 19 => "a benchmarking address",
        [a, ..] if (224..240).contains(&a) => "a multicast address",
        [a, ..] if a >= 240 => "a reserved or broadcast address",
        _ => return None,
    })
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    // IPv4 inside: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96).
    if s[..5] == [0; 5] && (s[5] == 0xffff || (s[5] == 0 && (s[6] != 0 || s[7] > 1)))
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return internal_v4(v4);
    }
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return internal_v4(v4);
    }
    Some(match s {
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] => "the cloud metadata address",
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        [a, ..] if a & 0xfe00 == 0xfc00 => "a private (unique local) address",
        [a, ..] if a & 0xffc0 == 0xfe80 || a & 0xffc0 == 0xfec0 => "a link-local address",
        [a, ..] if a & 0xff00 == 0xff00 => "a multicast address",
        [0x2001, 0xdb8, ..] => "a documentation address",
        [0x100, 0, 0, 0, ..] => "a discard address",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(p: &Outbound, url: &str) -> bool {
        p.check_url(&reqwest::Url::parse(url).unwrap()).is_err()
    }

    #[test]
    fn internal_addresses_are_refused_in_every_spelling() {
        let p = Outbound::default();
        for url in [
            "http://127.0.0.1/x",
            "http://127.1/x",
            "http://2130706433/x",
            "http://0x7f000001/x",
            "http://0177.0.0.1/x",
            "http://localhost:8080/",
            "http://LocalHost./",
            "http://api.localhost/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:c0a8:0101::1]/",
            "http://0.0.0.0/",
            "http://[::]/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://169.254.1.1/",
            "http://[fe80::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fc00::1]/",
            "http://224.0.0.1/",
            "http://[ff02::1]/",
            "http://255.255.255.255/",
            "ftp://example.com/",
        ] {
            assert!(refused(&p, url), "{url} must be refused");
        }
        for url in [
            "https://oapi.dingtalk.com/robot/send?access_token=x",
            "http://8.8.8.8/",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "http://[2606:4700::1111]/",
            "http://hooks.example/",
        ] {
            assert!(!refused(&p, url), "{url} is public");
        }
    }

    #[test]
    fn the_allow_list_names_ranges_and_hosts() {
        let p = Outbound::allowing(["127.0.0.1/32", "10.1.0.0/16", "fd00::/8", "Hooks.Corp", "localhost"]).unwrap();
        assert!(!refused(&p, "http://127.0.0.1:9000/"));
        assert!(refused(&p, "http://127.0.0.2/"));
        assert!(!refused(&p, "http://10.1.200.3/"));
        assert!(refused(&p, "http://10.2.0.1/"));
        assert!(!refused(&p, "http://[fd00:ec2::254]/"));
        assert!(!refused(&p, "http://localhost/"));
        assert!(p.host_allowed("hooks.corp."));
        assert!(refused(&p, "http://169.254.169.254/"));
        for bad in ["10.0.0.0/33", "http://x/", "a b", ""] {
            assert!(Outbound::allowing([bad]).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn the_client_refuses_loopback_by_address_and_by_name() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let strict = Outbound::default().client(Duration::from_secs(2)).unwrap();
        let err = strict.post(&format!("http://2130706433:{port}/")).unwrap_err();
        assert!(err.contains("127.0.0.1 is a loopback address"), "{err}");
        // A name resolving to loopback is refused by the resolver, before connecting.
        let err = strict
            .post(&format!("http://localhost:{port}/"))
            .unwrap()
            .send()
            .await
            .unwrap_err();
        let chain = format!("{:?}", anyhow::Error::from(err));
        assert!(chain.contains("loopback"), "{chain}");
        // Allowed, the same request connects.
        let open = Outbound::allowing(["localhost"])
            .unwrap()
            .client(Duration::from_secs(2))
            .unwrap();
        let accept = tokio::spawn(async move { listener.accept().await.is_ok() });
        let _ = open.post(&format!("http://localhost:{port}/")).unwrap().send().await;
        assert!(accept.await.unwrap());
    }
}

//! Every HTTP request opsclock makes to another server goes through the one client made here
//! ([`Outbound::client`]), so that an admin who may name a URL (a webhook) cannot make the server
//! reach inside its own network.
//!
//! The client refuses addresses that are not on the public internet, after IANA's special-purpose
//! address registries (RFC 6890 and its updates):
//!
//! | IPv4 | IPv6 | refused as |
//! |---|---|---|
//! | `0.0.0.0/8` | `::/128` | unspecified |
//! | `127.0.0.0/8` | `::1/128` | loopback |
//! | `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` | `fc00::/7` | private |
//! | `100.64.0.0/10` | | carrier-grade NAT |
//! | `169.254.0.0/16` (and `169.254.169.254`) | `fe80::/10`, `fec0::/10` (and `fd00:ec2::254`) | link-local, site-local, cloud metadata |
//! | `192.0.0.0/24` | `2001::/23` (but Teredo) | IETF protocol assignments |
//! | | `2001::/32` | Teredo |
//! | `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24` | `2001:db8::/32`, `3fff::/20` | documentation |
//! | `198.18.0.0/15` | `2001:2::/48` | benchmarking |
//! | `192.88.99.0/24` | | the former 6to4 relay anycast |
//! | `224.0.0.0/4` | `ff00::/8` | multicast |
//! | `240.0.0.0/4`, `255.255.255.255` | everything outside `2000::/3` (`100::/64` discard, `5f00::/16`, `::a.b.c.d`, …) | reserved, broadcast |
//! | | `64:ff9b:1::/48` | local-use NAT64 (RFC 8215) |
//!
//! An IPv6 address that stands for an IPv4 one is judged by that address: mapped
//! (`::ffff:a.b.c.d`), translated (`::ffff:0:a.b.c.d`), NAT64's well-known prefix
//! (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`), so `[::ffff:127.0.0.1]` and
//! `[64:ff9b::a9fe:a9fe]` (169.254.169.254) are refused and `[64:ff9b::808:808]` (8.8.8.8) is not.
//! The check is made where the connection is made:
//!
//! - a host name is resolved by the client's own resolver ([`Guard`]), which refuses the name if
//!   any of its addresses is refused, so a name that points inside (or is re-pointed there after
//!   it was saved: DNS rebinding) is never connected to. The refusal says only that the name
//!   "resolves to a non-public address", not which one (the outbox shows it to the admin who
//!   named the host, and what a name points to inside is the network's business); the address
//!   and the reason are logged at debug level;
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

    /// This policy, also allowing `host` (a name, or an address as in `allow`): for a gateway
    /// the config file names (`[sms] url`), whose writer may name internal addresses anyway.
    pub fn also_allowing(&self, host: &str) -> Outbound {
        let mut allowed = Allowed {
            cidrs: self.inner.cidrs.clone(),
            hosts: self.inner.hosts.clone(),
        };
        match Cidr::parse(host) {
            Some(c) => allowed.cidrs.push(c),
            None => allowed.hosts.push(host.trim_end_matches('.').to_ascii_lowercase()),
        }
        Outbound {
            inner: Arc::new(allowed),
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
        self.request(reqwest::Method::POST, url)
    }

    /// A request with `method` to `url`, checked as [`Client::post`] checks.
    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, String> {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
        match host_of(&parsed) {
            Some(Host::Ip(ip)) => self.policy.check_ip(ip)?,
            Some(Host::Name(_)) => {}
            None => return Err("the URL has no host".into()),
        }
        Ok(self.http.request(method, parsed))
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
                // Which internal address a name points at is itself something to keep inside:
                // the message (kept in the outbox's attempts log) does not say it; the log does.
                tracing::debug!(%host, %ip, why, "outbound: a name resolves to a non-public address");
                return Err(format!(
                    "refused: {host} resolves to a non-public address; not connecting (name it in [outbound] allow \
                     to reach it)"
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
        [192, 88, 99, _] => "a reserved address (the former 6to4 relay anycast)",
        [198, b, ..] if b == 18 || b == 19 => "a benchmarking address",
        [a, ..] if (224..240).contains(&a) => "a multicast address",
        [255, 255, 255, 255] => "the broadcast address",
        [a, ..] if a >= 240 => "a reserved address",
        _ => return None,
    })
}

/// The IPv4 address an IPv6 address carries and stands for, if any: mapped (`::ffff:a.b.c.d`),
/// translated (`::ffff:0:a.b.c.d`, SIIT), NAT64's well-known prefix (`64:ff9b::/96`) and 6to4
/// (`2002:AABB:CCDD::/48`). Reaching one of these reaches (or is routed by) that IPv4 address.
fn embedded_v4(s: [u16; 8]) -> Option<Ipv4Addr> {
    let v4 = |hi: u16, lo: u16| Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0xffff, 0, hi, lo] | [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => {
            v4(hi, lo)
        }
        [0x2002, hi, lo, ..] => v4(hi, lo),
        _ => None,
    }
}

fn internal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(v4) = embedded_v4(s) {
        return internal_v4(v4);
    }
    Some(match s {
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] => "the cloud metadata address",
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        // RFC 8215: for a network's own NAT64, which may lead anywhere inside it.
        [0x64, 0xff9b, 1, ..] => "a local-use NAT64 address",
        // Teredo carries its client's IPv4 address, obfuscated, and its server's.
        [0x2001, 0, ..] => "a Teredo address",
        [0x2001, 2, 0, ..] => "a benchmarking address",
        [0x2001, 0xdb8, ..] => "a documentation address",
        [0x2001, b, ..] if b < 0x200 => "an IETF protocol address",
        [0x3fff, b, ..] if b < 0x1000 => "a documentation address",
        [a, ..] if a & 0xfe00 == 0xfc00 => "a private (unique local) address",
        [a, ..] if a & 0xffc0 == 0xfe80 => "a link-local address",
        [a, ..] if a & 0xffc0 == 0xfec0 => "a site-local address",
        [a, ..] if a & 0xff00 == 0xff00 => "a multicast address",
        [0x100, 0, 0, 0, ..] => "a discard address",
        // Only 2000::/3 is handed out for the internet; the rest is reserved (IPv4-compatible
        // `::a.b.c.d`, the discard and dummy prefixes, segment routing's `5f00::/16`, …).
        [a, ..] if a & 0xe000 != 0x2000 => "a reserved address",
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

    /// One address of every range of IANA's special-purpose registries that is not on the
    /// public internet, and the reason it is refused with.
    #[test]
    fn every_special_purpose_range_is_refused() {
        for (addr, why) in [
            ("0.1.2.3", "unspecified"),
            ("127.255.0.1", "loopback"),
            ("10.255.255.255", "private"),
            ("172.20.0.1", "private"),
            ("192.168.200.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("169.254.169.254", "cloud metadata"),
            ("169.254.10.1", "link-local"),
            ("192.0.0.8", "IETF protocol"),
            ("192.0.2.1", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.251", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:0:127.0.0.1", "loopback"),
            ("::ffff:0:a9fe:a9fe", "cloud metadata"),
            ("64:ff9b::10.1.2.3", "private"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b:1::808:808", "local-use NAT64"),
            ("64:ff9b:1:ffff::1", "local-use NAT64"),
            ("2001::1", "Teredo"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("2001:2::1", "benchmarking"),
            ("2001:10::1", "IETF protocol"),
            ("2001:db8::1", "documentation"),
            ("3fff:fff::1", "documentation"),
            ("2002:0a00:0001::1", "private"),
            ("2002:7f00:1::1", "loopback"),
            ("2002:c0a8:101::1", "private"),
            ("fc00::1", "unique local"),
            ("fdff:ffff::1", "unique local"),
            ("fd00:ec2::254", "cloud metadata"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::101", "multicast"),
            ("100::1", "discard"),
            ("100:0:0:1::1", "reserved"),
            ("::10.0.0.1", "reserved"),
            ("::8.8.8.8", "reserved"),
            ("5f00::1", "reserved"),
            ("4000::1", "reserved"),
        ] {
            let ip: IpAddr = addr.parse().unwrap();
            let refused = internal(ip).unwrap_or_else(|| panic!("{addr} must be refused ({why})"));
            assert!(refused.contains(why), "{addr}: {refused}, expected {why}");
        }
    }

    /// A public IPv4 address stays public in IPv6 clothing, and the internet's IPv6 is open.
    #[test]
    fn public_addresses_pass_in_every_spelling() {
        for addr in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "172.32.0.1",
            "192.0.1.1",
            "192.88.98.1",
            "198.20.0.1",
            "223.255.255.255",
            "::ffff:8.8.8.8",
            "::ffff:0:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2001:200::1",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "240e::1",
            "3fff:1000::1",
        ] {
            let ip: IpAddr = addr.parse().unwrap();
            assert_eq!(internal(ip), None, "{addr} is public");
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
        let chain = format!("{:#}", anyhow::Error::from(err));
        assert!(chain.contains("localhost resolves to a non-public address"), "{chain}");
        // Not which one, nor why: the name's owner learns nothing of what it points at inside.
        for told in ["127.0.0.1", "::1", "loopback"] {
            assert!(!chain.contains(told), "{told} in {chain}");
        }
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

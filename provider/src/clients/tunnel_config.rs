//! Parser for the EC2 `CustomerGatewayConfiguration` document (the generic/native
//! `<vpn_connection id="vpn-...">` XML with `<ipsec_tunnel>` elements) returned by
//! `CreateVpnConnection` / `DescribeVpnConnections`.
//!
//! Std-only, non-validating XML reader: declaration/PIs, comments, CDATA, predefined and
//! numeric entities, attributes (discarded), self-closing elements; DOCTYPE is rejected.
//! Unknown elements are ignored; element order does not matter. The text of
//! `<pre_shared_key>` is never stored, returned, or quoted in a [`ConfigError`]: syntax
//! errors quote no document text and name only documented elements; value errors quote only
//! the offending address/ASN/prefix value.

use std::fmt;
use std::net::IpAddr;

/// The non-secret details of one IPsec tunnel, as read from one `<ipsec_tunnel>`.
#[derive(Clone, Debug, PartialEq)]
pub struct TunnelDetails {
    /// `vpn_gateway/tunnel_outside_address/ip_address` (AWS endpoint).
    pub outside_ip: String,
    /// `customer_gateway/tunnel_outside_address/ip_address`.
    pub customer_outside_ip: String,
    /// `vpn_gateway/tunnel_inside_address/ip_address`.
    pub aws_inside_ip: String,
    /// `customer_gateway/tunnel_inside_address/ip_address`.
    pub customer_inside_ip: String,
    /// `tunnel_inside_address/network_cidr` (vpn_gateway side, else customer_gateway side).
    pub inside_prefix: u8,
    /// `vpn_gateway/bgp/asn`; `None` when absent (static-routing connections).
    pub aws_asn: Option<u32>,
    /// `customer_gateway/bgp/asn`; `None` when absent.
    pub customer_asn: Option<u32>,
    /// `ike/ike_version` (e.g. `ikev1`, `ikev2`) when present.
    pub ike_version: Option<String>,
}

/// What was missing or wrong, and where (tunnel number and element path, or byte offset).
#[derive(Debug, PartialEq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid VPN customer gateway configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Parses the document and returns its tunnels in document order. Tunnel numbers in errors
/// are 1-based, matching the XPath-style `vpn_connection/ipsec_tunnel[N]/...` paths.
pub fn parse(xml: &str) -> Result<Vec<TunnelDetails>, ConfigError> {
    let root = parse_document(xml)?;
    if root.name != "vpn_connection" {
        let name = display_name(&root.name);
        let msg = format!("root element is <{name}>, expected <vpn_connection>");
        return Err(ConfigError(msg));
    }
    let tunnels = root.children.iter().filter(|c| c.name == "ipsec_tunnel");
    let tunnels = tunnels
        .enumerate()
        .map(|(i, el)| Tunnel { n: i + 1, el }.details());
    let tunnels = tunnels.collect::<Result<Vec<_>, _>>()?;
    if tunnels.is_empty() {
        let msg = "no vpn_connection/ipsec_tunnel element (no tunnels)";
        return Err(ConfigError(msg.into()));
    }
    Ok(tunnels)
}

/// The pre-shared key of each tunnel, in document order. Only an import asks for them (GCP keeps
/// a hash of its side's key, so AWS's copy is the one to take over); they stay out of
/// [`TunnelDetails`], which may be logged and compared freely, and errors still quote none.
pub fn pre_shared_keys(xml: &str) -> Result<Vec<String>, ConfigError> {
    let root = parse_with(xml, true)?;
    let tunnels = root.children.iter().filter(|c| c.name == "ipsec_tunnel");
    let keys = tunnels.enumerate().map(|(i, el)| {
        el.find("ike/pre_shared_key")
            .map(|k| k.text.trim().to_string())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| {
                let at = format!("vpn_connection/ipsec_tunnel[{}]/ike/pre_shared_key", i + 1);
                ConfigError(format!("{at}: missing or empty"))
            })
    });
    keys.collect()
}

const MAX_DEPTH: usize = 32;
/// Element names of the documented format; only these are ever named in syntax errors, so a
/// garbled document cannot smuggle key material into a message through a tag name.
const KNOWN: &str = "\
    vpn_connection customer_gateway_id vpn_gateway_id transit_gateway_id \
    vpn_connection_type vpn_connection_attributes ipsec_tunnel customer_gateway \
    vpn_gateway tunnel_outside_address tunnel_inside_address ip_address network_mask \
    network_cidr bgp asn hold_time ike ipsec authentication_protocol encryption_protocol \
    lifetime perfect_forward_secrecy mode pre_shared_key ike_version protocol \
    clear_df_bit fragmentation_before_encryption tcp_mss_adjustment dead_peer_detection \
    interval retries";

fn display_name(name: &str) -> &str {
    KNOWN.split(' ').find(|&k| k == name).unwrap_or("?")
}

#[derive(Default)]
struct Element {
    name: String,
    /// Concatenated direct text and CDATA content (always empty for `pre_shared_key`).
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn find(&self, path: &str) -> Option<&Element> {
        path.split('/')
            .try_fold(self, |el, name| el.children.iter().find(|c| c.name == name))
    }
}

#[derive(Default)]
struct Parser<'a> {
    src: &'a str,
    pos: usize,
    stack: Vec<Element>,
    /// Stack index of the open `pre_shared_key` element, if any.
    secret: Option<usize>,
    /// Keep the text of `pre_shared_key` (only [`pre_shared_keys`] asks).
    keep_secrets: bool,
    root: Option<Element>,
}

fn parse_document(xml: &str) -> Result<Element, ConfigError> {
    parse_with(xml, false)
}

fn parse_with(xml: &str, keep_secrets: bool) -> Result<Element, ConfigError> {
    let src = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut p = Parser {
        src,
        keep_secrets,
        ..Parser::default()
    };
    while p.pos < p.src.len() {
        let rest = p.rest();
        if p.eat("<!--") {
            p.until("-->", "unterminated comment")?;
        } else if p.eat("<?") {
            p.until("?>", "unterminated processing instruction")?;
        } else if p.eat("<![CDATA[") {
            let raw = p.until("]]>", "unterminated CDATA section")?;
            p.content(raw, false)?;
        } else if rest.starts_with("<!") {
            return Err(p.err("DOCTYPE and markup declarations are not supported"));
        } else if p.eat("</") {
            p.end_tag()?;
        } else if rest.starts_with('<') {
            if p.root.is_some() {
                return Err(p.err("element after the root element"));
            }
            p.start_tag()?;
        } else {
            let n = rest.find('<').unwrap_or(rest.len());
            p.content(&rest[..n], true)?;
            p.pos += n;
        }
    }
    if !p.stack.is_empty() {
        return Err(p.err("unexpected end of document (unclosed element)"));
    }
    p.root.take().ok_or_else(|| p.err("no root element"))
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn err(&self, what: &str) -> ConfigError {
        let depth = self.secret.map_or(self.stack.len(), |d| d + 1);
        let names = self.stack.iter().take(depth).map(|e| display_name(&e.name));
        let (at, pos) = (names.collect::<Vec<_>>().join("/"), self.pos);
        ConfigError(format!("malformed XML at byte {pos} (in /{at}): {what}"))
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let found = self.rest().starts_with(prefix);
        self.pos += if found { prefix.len() } else { 0 };
        found
    }

    /// Consumes up to and including `end`, returning the text before it.
    fn until(&mut self, end: &str, what: &str) -> Result<&'a str, ConfigError> {
        let rest = self.rest();
        let n = rest.find(end).ok_or_else(|| self.err(what))?;
        self.pos += n + end.len();
        Ok(&rest[..n])
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn name(&mut self) -> Result<&'a str, ConfigError> {
        let rest = self.rest();
        let is_name = |b: &u8| b.is_ascii_alphanumeric() || b"_-.:".contains(b) || *b >= 0x80;
        let n = rest.bytes().take_while(is_name).count();
        let name = &rest[..n];
        if n == 0 || name.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
            return Err(self.err("expected an element or attribute name"));
        }
        self.pos += n;
        Ok(name)
    }

    /// Adds character data to the open element (dropped inside `pre_shared_key`).
    fn content(&mut self, raw: &str, decode_entities: bool) -> Result<(), ConfigError> {
        let keep = self.secret.is_none() || self.keep_secrets;
        match self.stack.last_mut() {
            Some(top) if decode_entities => {
                decode(raw, &mut top.text, keep).map_err(|what| self.err(what))
            }
            Some(top) => {
                top.text.push_str(if keep { raw } else { "" });
                Ok(())
            }
            None if decode_entities && raw.trim().is_empty() => Ok(()),
            None => Err(self.err("content outside the root element")),
        }
    }

    fn start_tag(&mut self) -> Result<(), ConfigError> {
        self.pos += 1;
        let name = self.name()?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.err("elements nested too deeply"));
        }
        loop {
            let before = self.pos;
            self.skip_ws();
            if self.eat("/>") {
                self.open(name);
                return self.close();
            }
            if self.eat(">") {
                self.open(name);
                return Ok(());
            }
            if self.pos == before {
                return Err(self.err("malformed start tag"));
            }
            self.name()?;
            self.skip_ws();
            if !self.eat("=") {
                return Err(self.err("expected '=' after attribute name"));
            }
            self.skip_ws();
            let quote = match self.rest().as_bytes().first() {
                Some(b'"') => "\"",
                Some(b'\'') => "'",
                _ => return Err(self.err("expected a quoted attribute value")),
            };
            self.pos += 1;
            let value = self.until(quote, "unterminated attribute value")?;
            if value.contains('<') {
                return Err(self.err("'<' in attribute value"));
            }
            decode(value, &mut String::new(), false).map_err(|what| self.err(what))?;
        }
    }

    fn end_tag(&mut self) -> Result<(), ConfigError> {
        let name = self.name()?;
        self.skip_ws();
        if !self.eat(">") {
            return Err(self.err("malformed end tag"));
        }
        if let Some(open) = self.stack.last().filter(|e| e.name != name) {
            let (found, open) = (display_name(name), display_name(&open.name));
            let what = format!("found </{found}> but <{open}> is open");
            let what = self.secret.map_or(what, |_| "mismatched end tag".into());
            return Err(self.err(&what));
        }
        self.close()
    }

    fn open(&mut self, name: &str) {
        if self.secret.is_none() && name == "pre_shared_key" {
            self.secret = Some(self.stack.len());
        }
        let name = name.to_string();
        self.stack.push(Element {
            name,
            ..Element::default()
        });
    }

    fn close(&mut self) -> Result<(), ConfigError> {
        let Some(el) = self.stack.pop() else {
            return Err(self.err("end tag without a matching start tag"));
        };
        match self.secret {
            Some(d) if self.stack.len() > d => return Ok(()), // markup nested in the secret
            Some(d) if self.stack.len() == d => self.secret = None,
            _ => {}
        }
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None => self.root = Some(el),
        }
        Ok(())
    }
}

/// Expands entity and character references; appends the result to `out` only if `keep`.
/// Error messages never quote the input.
fn decode(raw: &str, out: &mut String, keep: bool) -> Result<(), &'static str> {
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        if keep {
            out.push_str(&rest[..i]);
        }
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let end = end.ok_or("unterminated or overlong entity reference")?;
        let c = match &after[..end] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            entity => {
                let num = entity.strip_prefix('#').ok_or("unknown entity reference")?;
                let (digits, radix) = match num.strip_prefix('x') {
                    Some(hex) => (hex, 16),
                    None => (num, 10),
                };
                let valid = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
                let code = u32::from_str_radix(digits, radix).ok();
                let c = code.filter(|&c| valid && c != 0).and_then(char::from_u32);
                c.ok_or("invalid character reference")?
            }
        };
        if keep {
            out.push(c);
        }
        rest = &after[end + 1..];
    }
    if keep {
        out.push_str(rest);
    }
    Ok(())
}

struct Tunnel<'a> {
    n: usize,
    el: &'a Element,
}

const AWS_INSIDE: &str = "vpn_gateway/tunnel_inside_address/ip_address";
const CUSTOMER_INSIDE: &str = "customer_gateway/tunnel_inside_address/ip_address";

impl<'a> Tunnel<'a> {
    fn fail(&self, path: &str, what: impl fmt::Display) -> ConfigError {
        let n = self.n;
        let msg = format!("tunnel {n} (vpn_connection/ipsec_tunnel[{n}]/{path}): {what}");
        ConfigError(msg)
    }

    fn opt(&self, path: &str) -> Option<&'a str> {
        let text = self.el.find(path)?.text.trim();
        Some(text).filter(|t| !t.is_empty())
    }

    fn ip(&self, path: &str) -> Result<(String, IpAddr), ConfigError> {
        let text = self.opt(path);
        let text = text.ok_or_else(|| self.fail(path, "missing or empty"))?;
        let bad = |_| self.fail(path, expected("an IP address", text));
        Ok((text.to_string(), text.parse().map_err(bad)?))
    }

    fn num(&self, path: &str, kind: &str) -> Result<Option<u32>, ConfigError> {
        let parsed = self.opt(path).map(|text| {
            let digits = text.bytes().all(|b| b.is_ascii_digit());
            let value = text.parse().ok().filter(|_| digits);
            value.ok_or_else(|| self.fail(path, expected(kind, text)))
        });
        parsed.transpose()
    }

    fn prefix(&self, side: &str, max: u32) -> Result<Option<u8>, ConfigError> {
        let path = format!("{side}/tunnel_inside_address/network_cidr");
        match self.num(&path, "a prefix length")? {
            Some(p) if p == 0 || p > max => Err(self.fail(
                &path,
                format_args!("prefix length {p} out of range 1-{max}"),
            )),
            p => Ok(p.and_then(|p| u8::try_from(p).ok())),
        }
    }

    fn details(&self) -> Result<TunnelDetails, ConfigError> {
        let (outside_ip, _) = self.ip("vpn_gateway/tunnel_outside_address/ip_address")?;
        let (customer_outside_ip, _) =
            self.ip("customer_gateway/tunnel_outside_address/ip_address")?;
        let (aws_inside_ip, aws_inside) = self.ip(AWS_INSIDE)?;
        let (customer_inside_ip, customer_inside) = self.ip(CUSTOMER_INSIDE)?;
        if aws_inside.is_ipv4() != customer_inside.is_ipv4() {
            let what = "address family differs from the vpn_gateway inside address";
            return Err(self.fail(CUSTOMER_INSIDE, what));
        }
        let max = if aws_inside.is_ipv4() { 32 } else { 128 };
        let cidr = "tunnel_inside_address/network_cidr";
        let vgw = self.prefix("vpn_gateway", max)?;
        let inside_prefix = match (vgw, self.prefix("customer_gateway", max)?) {
            (Some(a), Some(c)) if a != c => {
                let what = format!("/{c} differs from vpn_gateway/{cidr} /{a}");
                return Err(self.fail(&format!("customer_gateway/{cidr}"), what));
            }
            (Some(p), _) | (None, Some(p)) => p,
            (None, None) => {
                return Err(self.fail(&format!("vpn_gateway/{cidr}"), "missing or empty"));
            }
        };
        let asn = "an ASN (unsigned 32-bit integer)";
        Ok(TunnelDetails {
            outside_ip,
            customer_outside_ip,
            aws_inside_ip,
            customer_inside_ip,
            inside_prefix,
            aws_asn: self.num("vpn_gateway/bgp/asn", asn)?,
            customer_asn: self.num("customer_gateway/bgp/asn", asn)?,
            ike_version: self.opt("ike/ike_version").map(str::to_string),
        })
    }
}

/// `expected KIND, found "VALUE"`, the value escaped and cut to 40 characters.
fn expected(kind: &str, found: &str) -> String {
    let shown: String = found.chars().take(40).collect();
    format!("expected {kind}, found {shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const VGW: &str = include_str!("fixtures/vgw_bgp_ikev1.xml");
    const TGW: &str = include_str!("fixtures/tgw_custom_cidr_ikev2.xml");
    const MOTO: &str = include_str!("fixtures/moto_canned.xml");

    /// "outside customer_outside aws_inside customer_inside prefix aws_asn cust_asn ike", `-`=None
    fn td(spec: &str) -> TunnelDetails {
        let f: Vec<&str> = spec.split_whitespace().collect();
        let opt = |s: &str| (s != "-").then(|| s.to_string());
        let asn = |s: &str| opt(s).map(|a| a.parse().unwrap());
        TunnelDetails {
            outside_ip: f[0].into(),
            customer_outside_ip: f[1].into(),
            aws_inside_ip: f[2].into(),
            customer_inside_ip: f[3].into(),
            inside_prefix: f[4].parse().unwrap(),
            aws_asn: asn(f[5]),
            customer_asn: asn(f[6]),
            ike_version: opt(f[7]),
        }
    }

    /// Pre-shared keys as raw text, found without the parser under test.
    fn psks<'a>(xml: &'a str) -> Vec<&'a str> {
        let parts = xml.split("<pre_shared_key>").skip(1);
        let key = |s: &'a str| s.split("</pre_shared_key>").next();
        parts.filter_map(key).collect()
    }

    /// No 6-character run of any key appears in `text`.
    fn assert_no_secret(text: &str, keys: &[&str]) {
        for key in keys {
            for w in key.as_bytes().windows(6) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!text.contains(w), "secret {w:?} leaked: {text:?}");
            }
        }
    }

    fn assert_err(xml: &str, want: &str, keys: &[&str]) {
        let got = parse(xml).expect_err("should be rejected").to_string();
        assert!(got.contains(want), "{got:?} should contain {want:?}");
        assert_no_secret(&got, keys);
    }

    #[test]
    fn fixtures_parse_to_exact_values_without_secrets() {
        let vgw = [
            "203.0.113.17 198.51.100.7 169.254.12.1 169.254.12.2 30 64512 65000 -",
            "203.0.113.149 198.51.100.7 169.254.113.29 169.254.113.30 30 64512 65000 -",
        ];
        let tgw = [
            "198.51.100.23 192.0.2.44 169.254.21.1 169.254.21.2 30 64532 4200000001 ikev2",
            "198.51.100.87 192.0.2.44 169.254.22.5 169.254.22.6 30 64532 4200000001 ikev2",
        ];
        let moto = ["52.2.144.13 12.1.2.3 169.254.44.41 169.254.44.42 30 7224 65000 -"; 2];
        assert_eq!(parse(VGW).unwrap(), vgw.map(td));
        assert_eq!(parse(TGW).unwrap(), tgw.map(td));
        assert_eq!(parse(MOTO).unwrap(), moto.map(td));
        for xml in [VGW, TGW, MOTO] {
            let keys = psks(xml);
            assert_eq!(keys.len(), 2);
            assert_no_secret(&format!("{:?}", parse(xml)), &keys);
            for tunnel in &parse_document(xml).unwrap().children {
                let key = tunnel.find("ike/pre_shared_key");
                assert!(key.is_none_or(|k| k.text.is_empty()));
            }
        }
    }

    #[test]
    fn an_import_gets_each_tunnels_key_and_errors_still_quote_none() {
        for xml in [VGW, TGW, MOTO] {
            let want: Vec<String> = psks(xml).iter().map(|k| k.trim().to_string()).collect();
            assert_eq!(pre_shared_keys(xml).unwrap(), want);
        }
        let no_key = VGW
            .replacen("<pre_shared_key>", "<pre_shared_key_x>", 1)
            .replacen("</pre_shared_key>", "</pre_shared_key_x>", 1);
        let err = pre_shared_keys(&no_key).unwrap_err().to_string();
        assert!(
            err.contains("ipsec_tunnel[1]/ike/pre_shared_key: missing"),
            "{err}"
        );
        assert_no_secret(&err, &psks(VGW));
        // A broken document fails as parse() does, quoting no key.
        let broken = VGW.replacen("</pre_shared_key>", "</pre_shared_kez>", 1);
        let err = pre_shared_keys(&broken).unwrap_err().to_string();
        assert_no_secret(&err, &psks(VGW));
    }

    #[test]
    fn xml_syntax_features() {
        let xml = "\u{feff}<?xml version='1.0' encoding=\"UTF-8\"?>\r\n<!-- made <b>by</b> hand -->\r\n\
            <vpn_connection id=\"vpn-1&amp;2\" xmlns:x = 'urn:x'>\r\n\t<x:note a=\"&lt;\"/>\n<ipsec_tunnel>\n\
            <ike><ike_version> ikev2 </ike_version><pre_shared_key><![CDATA[cd<SeCr3tKey>]]>&amp;Qp9wZx\
            <odd>hidden</odd></pre_shared_key></ike><note>&lt;&gt;&quot;&apos;&amp;&#65;&#x42;</note>\n\
            <vpn_gateway><bgp><asn>&#54;4512</asn></bgp><tunnel_inside_address><network_cidr>30</network_cidr>\
            <ip_address>169.254.7.1</ip_address></tunnel_inside_address><tunnel_outside_address >\
            <ip_address><![CDATA[203.0.113.9]]></ip_address></tunnel_outside_address ></vpn_gateway>\n\
            <customer_gateway><extra a=\"1\" b='2'><nested/></extra><tunnel_outside_address>\
            <ip_address>\n  198.51.100.&#x31;\n</ip_address></tunnel_outside_address><tunnel_inside_address>\
            <ip_address>169.254.7.2</ip_address><network_mask/></tunnel_inside_address></customer_gateway>\n\
            </ipsec_tunnel>\n<!-- trailing --></vpn_connection >\n<!-- after root -->\n<?pi x?>\n";
        let got = parse(xml).unwrap();
        let want = td("203.0.113.9 198.51.100.1 169.254.7.1 169.254.7.2 30 64512 - ikev2");
        assert_eq!(got, vec![want]);
        assert_no_secret(&format!("{got:?}"), &["SeCr3tKey", "Qp9wZx", "hidden"]);
        let root = parse_document(xml).unwrap();
        assert_eq!(root.find("ipsec_tunnel/note").unwrap().text, "<>\"'&AB");
        let key = root.find("ipsec_tunnel/ike/pre_shared_key").unwrap();
        assert!(key.text.is_empty() && key.children.is_empty());
    }

    /// `FIXTURE | replace this | with this | expected error substring`, one case per line.
    const BAD_VALUES: &str = "\
VGW|<ip_address>203.0.113.149</ip_address>||tunnel 2 (vpn_connection/ipsec_tunnel[2]/vpn_gateway/tunnel_outside_address/ip_address): missing or empty
VGW|<asn>64512</asn>|<asn>64512x</asn>|tunnel 1 (vpn_connection/ipsec_tunnel[1]/vpn_gateway/bgp/asn): expected an ASN (unsigned 32-bit integer), found \"64512x\"
TGW|<asn>4200000001</asn>|<asn>4294967296</asn>|tunnel 1 (vpn_connection/ipsec_tunnel[1]/customer_gateway/bgp/asn): expected an ASN
VGW|<network_cidr>30<|<network_cidr>33<|tunnel 1 (vpn_connection/ipsec_tunnel[1]/vpn_gateway/tunnel_inside_address/network_cidr): prefix length 33 out of range 1-32
VGW|<network_cidr>30<|<network_cidr>-1<|tunnel 1 (vpn_connection/ipsec_tunnel[1]/vpn_gateway/tunnel_inside_address/network_cidr): expected a prefix length, found \"-1\"
TGW|169.254.21.2</ip_address>|169.254.21.2</ip_address><network_cidr>29</network_cidr>|tunnel 1 (vpn_connection/ipsec_tunnel[1]/customer_gateway/tunnel_inside_address/network_cidr): /29 differs
MOTO|<network_cidr>30</network_cidr>||tunnel 1 (vpn_connection/ipsec_tunnel[1]/vpn_gateway/tunnel_inside_address/network_cidr): missing or empty
TGW|169.254.22.6|169.254.22.600|tunnel 2 (vpn_connection/ipsec_tunnel[2]/customer_gateway/tunnel_inside_address/ip_address): expected an IP address, found \"169.254.22.600\"
TGW|169.254.22.6|fd00::6|tunnel 2 (vpn_connection/ipsec_tunnel[2]/customer_gateway/tunnel_inside_address/ip_address): address family differs
MOTO|ipsec_tunnel>|ipsec_tunnels>|no vpn_connection/ipsec_tunnel element (no tunnels)
MOTO|vpn_connection|customer_gateway|root element is <customer_gateway>, expected <vpn_connection>";

    #[test]
    fn bad_tunnel_values_name_tunnel_and_path() {
        let keys = [VGW, TGW, MOTO].map(psks).concat();
        for case in BAD_VALUES.lines() {
            let [name, from, to, want] = case.split('|').collect::<Vec<_>>()[..] else {
                panic!("bad case {case:?}")
            };
            let fixtures = [("VGW", VGW), ("TGW", TGW), ("MOTO", MOTO)];
            let xml = fixtures.iter().find(|f| f.0 == name).unwrap().1;
            assert_err(&xml.replace(from, to), want, &keys);
        }
    }

    /// `document => expected error substring`, one case per line.
    const BAD_XML: &str = "\
<vpn_connection> => (in /vpn_connection): unexpected end of document
<vpn_connection><ike></ipsec></vpn_connection> => found </ipsec> but <ike> is open
<vpn_connection><ike></bogus></vpn_connection> => found </?> but <ike> is open
</vpn_connection> => end tag without a matching start tag
<!DOCTYPE x><vpn_connection/> => DOCTYPE and markup declarations are not supported
<vpn_connection/><vpn_connection/> => element after the root element
<vpn_connection/>junk => content outside the root element
junk<vpn_connection/> => content outside the root element
<vpn_connection>&bogus;</vpn_connection> => unknown entity reference
<vpn_connection>&#xD800;</vpn_connection> => invalid character reference
<vpn_connection>&#0;</vpn_connection> => invalid character reference
<vpn_connection a=1/> => expected a quoted attribute value
<vpn_connection a='1'b='2'/> => malformed start tag
<vpn_connection><!-- x </vpn_connection> => unterminated comment
<1a/> => expected an element or attribute name
<vpn_connection><ike><pre_shared_key>Sup3rS3cr3tV</wrong_Sup3rS3cr3tV></ike></vpn_connection> => (in /vpn_connection/ike/pre_shared_key): mismatched end tag
<vpn_connection><pre_shared_key>Sup3rS3cr3tV&Sup3rS3cr3tV;</pre_shared_key></vpn_connection> => unterminated or overlong entity reference
<vpn_connection><pre_shared_key>&Sup3rS;</pre_shared_key></vpn_connection> => unknown entity reference
<vpn_connection><pre_shared_key><Sup3rS3cr3tV><![CDATA[Sup3rS3cr3tV => (in /vpn_connection/pre_shared_key): unterminated CDATA
<vpn_connection><pre_shared_keySup3rS3cr3tV></pre_shared_key></vpn_connection> => found </pre_shared_key> but <?> is open";

    #[test]
    fn malformed_xml_is_rejected_without_leaking() {
        for case in BAD_XML.lines() {
            let (xml, want) = case.split_once(" => ").unwrap();
            assert_err(xml, want, &["Sup3rS3cr3tV", "Sup3rS"]);
        }
        assert_err("", "no root element", &[]);
        assert_err(" \r\n\t", "no root element", &[]);
        let deep = "<vpn_connection>".repeat(100_000);
        assert_err(&deep, "nested too deeply", &[]);
    }

    #[test]
    fn truncations_and_byte_mutations_never_panic_or_leak() {
        for xml in [VGW, TGW, MOTO] {
            let (keys, complete) = (psks(xml), xml.trim_end().len());
            for i in (0..xml.len()).filter(|&i| xml.is_char_boundary(i)) {
                let out = parse(&xml[..i]);
                assert!(out.is_err() || i >= complete, "truncation at {i} accepted");
                assert_no_secret(&format!("{out:?}"), &keys);
            }
        }
        let keys = psks(VGW);
        for i in 0..VGW.find("</ipsec_tunnel>").unwrap() {
            for b in ["", "<", "&", " ", "/"] {
                let out = parse(&format!("{}{b}{}", &VGW[..i], &VGW[i + 1..]));
                assert_no_secret(&format!("{out:?}"), &keys);
            }
        }
    }
}

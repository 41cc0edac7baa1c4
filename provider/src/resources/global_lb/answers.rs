//! What a hostname resolves to, as a client would see it: the failover drill watches these
//! answers change. Queries go to the system resolver (what clients get, caches and all) or to a
//! given nameserver (e.g. the zone's authoritative one); this client keeps no cache of its own.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use tfplugin::{Diagnostic, Diagnostics};

pub struct Answers {
    resolver: TokioResolver,
    host: String,
    /// Queries per look: a weighted answer names one backend per query, so one look asks often
    /// enough that a backend still in rotation shows up (see [`samples_for_share`]).
    samples: usize,
    /// Where the queries go, for messages.
    pub via: String,
}

/// How many queries make it unlikely (below 1 in 1000) that a backend answering a `share` of
/// queries goes unseen while it is still in rotation.
pub fn samples_for_share(share: f64) -> usize {
    if share >= 1.0 || share <= 0.0 {
        return 1;
    }
    ((0.001f64).ln() / (1.0 - share).ln())
        .ceil()
        .clamp(1.0, 60.0) as usize
}

impl Answers {
    /// `nameserver` is `host:port` (or an IP, port 53); `None` asks the system resolver.
    pub fn new(
        host: &str,
        nameserver: Option<&str>,
        samples: usize,
    ) -> Result<Answers, Diagnostics> {
        let (builder, via) = match nameserver {
            Some(ns) => {
                let addr: SocketAddr = ns
                    .parse()
                    .or_else(|_| ns.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                    .map_err(|_| {
                        Diagnostics::from(Diagnostic::error(
                            "Invalid resolver",
                            format!("resolver must be an IP address with an optional port (e.g. 192.0.2.53:53); got \"{ns}\"."),
                        ))
                    })?;
                let group = NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true);
                let config = ResolverConfig::from_parts(None, Vec::new(), group);
                (
                    TokioResolver::builder_with_config(config, TokioConnectionProvider::default()),
                    addr.to_string(),
                )
            }
            None => (
                TokioResolver::builder_tokio().map_err(|e| {
                    Diagnostics::from(Diagnostic::error(
                        "No system resolver",
                        format!(
                            "Could not read the system's DNS configuration ({e}); set resolver."
                        ),
                    ))
                })?,
                "the system resolver".to_string(),
            ),
        };
        let mut builder = builder;
        let opts = builder.options_mut();
        // Every look must ask again: a cache here would hide the change being measured.
        opts.cache_size = 0;
        opts.timeout = Duration::from_secs(2);
        opts.attempts = 1;
        Ok(Answers {
            resolver: builder.build(),
            host: format!("{}.", host.trim_end_matches('.')),
            samples,
            via,
        })
    }

    /// Every address seen in one look; an error says why the name could not be resolved.
    pub async fn look(&self) -> Result<BTreeSet<IpAddr>, String> {
        let mut seen = BTreeSet::new();
        let mut last_error = None;
        for _ in 0..self.samples {
            match self.resolver.lookup_ip(self.host.as_str()).await {
                Ok(found) => seen.extend(found.iter()),
                Err(e) => last_error = Some(e.to_string()),
            }
        }
        match (seen.is_empty(), last_error) {
            (true, Some(e)) => Err(e),
            _ => Ok(seen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarer_backends_get_more_samples() {
        assert_eq!(samples_for_share(1.0), 1);
        assert_eq!(samples_for_share(0.5), 10);
        assert_eq!(samples_for_share(1.0 / 3.0), 18);
        assert!(samples_for_share(0.01) <= 60);
    }
}

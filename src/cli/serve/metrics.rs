//! `GET /metrics`: counters and latency histograms in the Prometheus text
//! format (version 0.0.4), kept in memory by the server.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Default)]
struct Histogram {
    /// Counts per bucket (not cumulative), then the +Inf overflow.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

/// What is counted for one endpoint.
#[derive(Default)]
struct Endpoint {
    /// status → requests.
    requests: BTreeMap<u16, u64>,
    latency: Histogram,
}

#[derive(Default)]
pub struct Metrics {
    /// By endpoint: one lock and one lookup per request.
    endpoints: Mutex<BTreeMap<String, Endpoint>>,
    pub contacts: AtomicU64,
    pub reloads_ok: AtomicU64,
    pub reloads_failed: AtomicU64,
}

impl Metrics {
    pub fn record(&self, endpoint: &str, status: u16, seconds: f64) {
        let Ok(mut endpoints) = self.endpoints.lock() else {
            return;
        };
        // The endpoint's name is copied only the first time it is seen.
        if !endpoints.contains_key(endpoint) {
            endpoints.insert(endpoint.to_string(), Endpoint::default());
        }
        let Some(e) = endpoints.get_mut(endpoint) else {
            return;
        };
        *e.requests.entry(status).or_default() += 1;
        let h = &mut e.latency;
        let i = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(b) = h.buckets.get_mut(i) {
            *b += 1;
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The exposition text; `policy` is (name, version, hash) of the
    /// policy being served.
    pub fn render(&self, policy: (&str, Option<u64>, &str)) -> String {
        let mut out = String::new();
        let label = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
        };
        out.push_str("# HELP detente_requests_total Requests answered, by endpoint and status code.\n# TYPE detente_requests_total counter\n");
        // Held while the text is written: a consistent snapshot.
        let endpoints = self.endpoints.lock().ok();
        let endpoints = endpoints.iter().flat_map(|e| e.iter());
        for (endpoint, x) in endpoints.clone() {
            for (status, n) in &x.requests {
                let _ = writeln!(
                    out,
                    "detente_requests_total{{endpoint=\"{}\",status=\"{status}\"}} {n}",
                    label(endpoint)
                );
            }
        }
        out.push_str("# HELP detente_request_duration_seconds Time to answer a request.\n# TYPE detente_request_duration_seconds histogram\n");
        for (endpoint, x) in endpoints {
            let h = &x.latency;
            let e = label(endpoint);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "detente_request_duration_seconds_bucket{{endpoint=\"{e}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "detente_request_duration_seconds_bucket{{endpoint=\"{e}\",le=\"+Inf\"}} {}\ndetente_request_duration_seconds_sum{{endpoint=\"{e}\"}} {}\ndetente_request_duration_seconds_count{{endpoint=\"{e}\"}} {}",
                h.count, h.sum, h.count
            );
        }
        let _ = write!(
            out,
            "# HELP detente_contacts_classified_total Contacts classified or explained.\n# TYPE detente_contacts_classified_total counter\ndetente_contacts_classified_total {}\n\
             # HELP detente_policy_reloads_total Policy file changes picked up, by result.\n# TYPE detente_policy_reloads_total counter\n\
             detente_policy_reloads_total{{result=\"ok\"}} {}\ndetente_policy_reloads_total{{result=\"failed\"}} {}\n\
             # HELP detente_policy_info The policy being served.\n# TYPE detente_policy_info gauge\n\
             detente_policy_info{{name=\"{}\",version=\"{}\",hash=\"{}\"}} 1\n",
            self.contacts.load(Ordering::Relaxed),
            self.reloads_ok.load(Ordering::Relaxed),
            self.reloads_failed.load(Ordering::Relaxed),
            label(policy.0),
            policy.1.map(|v| v.to_string()).unwrap_or_default(),
            label(policy.2),
        );
        out
    }
}

//! `GET /metrics`: counters and latency histograms (prometheus-client, in
//! the OpenMetrics text format, which Prometheus reads), the policy being
//! served, the build, and the process's CPU, memory, descriptors and
//! start time, read from `/proc` at each scrape.
//!
//! Recording a request takes no lock of ours: the families are keyed by
//! the endpoint's route (a `&'static str`) and the status, and a known
//! key is found under prometheus-client's shared read lock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

/// Latency bucket bounds in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Answer {
    endpoint: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    endpoint: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyLabels {
    name: String,
    version: String,
    hash: String,
}

type Latency = Family<Route, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    Histogram::new(BUCKETS)
}

pub struct Metrics {
    registry: Registry,
    requests: Family<Answer, Counter>,
    latency: Latency,
    pub contacts: AtomicU64,
    pub reloads_ok: AtomicU64,
    pub reloads_failed: AtomicU64,
    contacts_counter: Counter,
    reloads: Family<Outcome, Counter>,
    policy: Arc<RwLock<PolicyLabels>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<Answer, Counter>::default();
        registry.register(
            "detente_requests",
            "Requests answered, by endpoint and status code",
            requests.clone(),
        );
        let latency: Latency = Family::new_with_constructor(latency);
        registry.register(
            "detente_request_duration_seconds",
            "Time to answer a request",
            latency.clone(),
        );
        let contacts_counter = Counter::default();
        registry.register(
            "detente_contacts_classified",
            "Contacts classified or explained",
            contacts_counter.clone(),
        );
        let reloads = Family::<Outcome, Counter>::default();
        registry.register(
            "detente_policy_reloads",
            "Policy file changes picked up, by result",
            reloads.clone(),
        );
        registry.register(
            "detente_build",
            "The detente build serving",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        let policy = Arc::new(RwLock::new(PolicyLabels {
            name: String::new(),
            version: String::new(),
            hash: String::new(),
        }));
        registry.register_collector(Box::new(Dynamic {
            policy: Arc::clone(&policy),
        }));
        Metrics {
            registry,
            requests,
            latency,
            contacts: AtomicU64::new(0),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
            contacts_counter,
            reloads,
            policy,
        }
    }
}

/// The route a matched path stands for, as a static label (any other
/// path, unmatched, is `other`).
fn route(endpoint: &str) -> &'static str {
    match endpoint {
        "/v1/classify" => "/v1/classify",
        "/v1/explain" => "/v1/explain",
        "/v1/policy" => "/v1/policy",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        "/openapi.json" => "/openapi.json",
        _ => "other",
    }
}

impl Metrics {
    pub fn record(&self, endpoint: &str, status: u16, seconds: f64) {
        let endpoint = route(endpoint);
        self.requests
            .get_or_create(&Answer { endpoint, status })
            .inc();
        self.latency
            .get_or_create(&Route { endpoint })
            .observe(seconds);
    }

    /// The exposition text; `policy` is (name, version, hash) of the
    /// policy being served.
    pub fn render(&self, policy: (&str, Option<u64>, &str)) -> String {
        // Counters kept as atomics by the engine's callers, brought up to
        // date at each scrape (a counter only goes up).
        let sync = |c: &Counter, n: &AtomicU64| {
            let want = n.load(Ordering::Relaxed);
            let have = c.get();
            if want > have {
                c.inc_by(want - have);
            }
        };
        sync(&self.contacts_counter, &self.contacts);
        sync(
            &self.reloads.get_or_create(&Outcome { result: "ok" }),
            &self.reloads_ok,
        );
        sync(
            &self.reloads.get_or_create(&Outcome { result: "failed" }),
            &self.reloads_failed,
        );
        let labels = PolicyLabels {
            name: policy.0.to_string(),
            version: policy.1.map(|v| v.to_string()).unwrap_or_default(),
            hash: policy.2.to_string(),
        };
        match self.policy.write() {
            Ok(mut g) => *g = labels,
            Err(p) => *p.into_inner() = labels,
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// What is read at each scrape: the policy served and the process.
#[derive(Debug)]
struct Dynamic {
    policy: Arc<RwLock<PolicyLabels>>,
}

impl Collector for Dynamic {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let labels = match self.policy.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        let mut m = encoder.encode_descriptor(
            "detente_policy_info",
            "The policy being served",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(1i64).encode(m.encode_family(&labels)?)?;
        let p = process();
        if let Some(cpu) = p.cpu_seconds {
            let m = encoder.encode_descriptor(
                "process_cpu_seconds",
                "User and system CPU time spent, in seconds",
                None,
                MetricType::Counter,
            )?;
            ConstCounter::new(cpu).encode(m)?;
        }
        for (name, help, value) in [
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes",
                p.resident_bytes,
            ),
            ("process_open_fds", "Open file descriptors", p.open_fds),
            (
                "process_start_time_seconds",
                "Start time since the Unix epoch, in seconds",
                p.start_time,
            ),
        ] {
            if let Some(v) = value {
                let m = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
                ConstGauge::new(v).encode(m)?;
            }
        }
        Ok(())
    }
}

/// The process as `/proc/self` describes it (Linux; elsewhere nothing).
#[derive(Default)]
struct Process {
    cpu_seconds: Option<f64>,
    resident_bytes: Option<f64>,
    open_fds: Option<f64>,
    start_time: Option<f64>,
}

fn process() -> Process {
    let mut p = Process::default();
    // Clock ticks and pages: the usual Linux values (100 Hz, 4 KiB pages).
    let (hz, page) = (100.0, 4096.0);
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which may hold spaces: `pid (cmd) S ...`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of stat, 11 and 12 after `)`.
    if let (Some(u), Some(s)) = (field(11), field(12)) {
        p.cpu_seconds = Some((u + s) / hz);
    }
    p.resident_bytes = field(21).map(|pages| pages * page);
    p.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as f64);
    let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|b| b.trim().parse::<f64>().ok())
    });
    p.start_time = boot.zip(field(19)).map(|(b, ticks)| b + ticks / hz);
    p
}

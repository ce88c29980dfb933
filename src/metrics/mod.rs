//! Process-wide Prometheus metrics (the `prometheus` crate: counters, gauges and histograms with
//! labels, and the text exposition format). Counters are bumped where things happen (HTTP
//! middleware, job pool, federation delivery); gauges about the database, jobs, disk and TLS are
//! read when `/metrics` is scraped (`scrape`).

pub mod scrape;

use std::sync::LazyLock;
use std::time::Duration;

use prometheus::{
    Counter, CounterVec, Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Seconds; requests range from sub-millisecond API reads to minute-long uploads.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Outcomes of one ActivityPub delivery attempt, the label of `kinora_federation_deliveries_total`.
#[derive(Debug, Clone, Copy)]
pub enum Delivery {
    /// The remote inbox accepted it (2xx).
    Delivered,
    /// Failed and will be retried.
    Retried,
    /// Failed for good (gone, refused, or out of attempts).
    Failed,
}

impl Delivery {
    fn label(self) -> &'static str {
        match self {
            Delivery::Delivered => "delivered",
            Delivery::Retried => "retried",
            Delivery::Failed => "failed",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    job_runs: IntCounterVec,
    job_seconds: CounterVec,
    transcoding_seconds: Counter,
    federation_deliveries: IntCounterVec,
    pub(crate) jobs: IntGaugeVec,
    pub(crate) database_bytes: IntGauge,
    pub(crate) disk_free_bytes: IntGauge,
    pub(crate) disk_total_bytes: IntGauge,
    pub(crate) tls_not_after: IntGauge,
}

// The names, labels and buckets below are constants that satisfy Prometheus' rules, and each is
// registered once into a fresh registry, so none of these constructors can fail; a mistake in
// them shows up in the first test that starts the server.
fn build() -> Metrics {
    let registry = Registry::new();
    fn reg<C: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: C) -> C {
        r.register(Box::new(c.clone()))
            .expect("metric names are unique constants");
        c
    }
    let counter_vec = |name: &str, help: &str, labels: &[&str]| {
        reg(
            &registry,
            IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric"),
        )
    };
    let gauge =
        |name: &str, help: &str| reg(&registry, IntGauge::new(name, help).expect("valid metric"));
    let m = Metrics {
        http_requests: counter_vec(
            "kinora_http_requests_total",
            "HTTP requests answered, by method, route pattern and status.",
            &["method", "route", "status"],
        ),
        http_duration: reg(
            &registry,
            HistogramVec::new(
                HistogramOpts::new(
                    "kinora_http_request_duration_seconds",
                    "Time to answer an HTTP request (until the response head), by method and route pattern.",
                )
                .buckets(LATENCY_BUCKETS.to_vec()),
                &["method", "route"],
            )
            .expect("valid metric"),
        ),
        job_runs: counter_vec(
            "kinora_jobs_finished_total",
            "Job runs finished since start, by kind and outcome (completed, failed, cancelled).",
            &["kind", "outcome"],
        ),
        job_seconds: reg(
            &registry,
            CounterVec::new(
                Opts::new(
                    "kinora_job_seconds_total",
                    "Seconds spent running jobs since start, by kind.",
                ),
                &["kind"],
            )
            .expect("valid metric"),
        ),
        transcoding_seconds: reg(
            &registry,
            Counter::new(
                "kinora_transcoding_seconds_total",
                "Seconds spent in transcoding jobs (the AV1 ladder) since start.",
            )
            .expect("valid metric"),
        ),
        federation_deliveries: counter_vec(
            "kinora_federation_deliveries_total",
            "ActivityPub deliveries to remote inboxes since start, by result.",
            &["result"],
        ),
        jobs: reg(
            &registry,
            IntGaugeVec::new(
                Opts::new(
                    "kinora_jobs",
                    "Jobs in the queue now, by kind and state (queued, running, failed).",
                ),
                &["kind", "state"],
            )
            .expect("valid metric"),
        ),
        database_bytes: gauge(
            "kinora_database_bytes",
            "Size of the SQLite database with its write-ahead log.",
        ),
        disk_free_bytes: gauge(
            "kinora_data_disk_free_bytes",
            "Space available to Kinora on the data directory's file system.",
        ),
        disk_total_bytes: gauge(
            "kinora_data_disk_size_bytes",
            "Size of the data directory's file system.",
        ),
        tls_not_after: gauge(
            "kinora_tls_certificate_not_after_seconds",
            "Expiry of the TLS certificate being served, Unix seconds (0 without TLS).",
        ),
        registry,
    };
    let info = reg(
        &m.registry,
        IntGaugeVec::new(
            Opts::new("kinora_build_info", "Always 1; the labels name the build."),
            &["version", "commit"],
        )
        .expect("valid metric"),
    );
    info.with_label_values(&[crate::VERSION, crate::GIT_COMMIT])
        .set(1);
    // Present at zero from the start, so rates and alerts work before the first event.
    for result in [Delivery::Delivered, Delivery::Retried, Delivery::Failed] {
        m.federation_deliveries
            .with_label_values(&[result.label()])
            .reset();
    }
    m
}

static METRICS: LazyLock<Metrics> = LazyLock::new(build);

pub fn metrics() -> &'static Metrics {
    &METRICS
}

/// Normalises a method to a bounded label set.
fn method_label(method: &str) -> &str {
    match method {
        "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
        _ => "OTHER",
    }
}

impl Metrics {
    /// One answered request; `route` is the matched pattern (`/api/v1/videos/{id}`), never the
    /// raw path, so the number of series stays bounded.
    pub fn http_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        let status = status.to_string();
        self.http_requests
            .with_label_values(&[method, route, status.as_str()])
            .inc();
        self.http_duration
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    /// One job run ended (`outcome`: completed, failed or cancelled).
    pub fn job_finished(&self, kind: &str, outcome: &str, elapsed: Duration) {
        self.job_runs.with_label_values(&[kind, outcome]).inc();
        self.job_seconds
            .with_label_values(&[kind])
            .inc_by(elapsed.as_secs_f64());
        if kind == crate::domain::processing::TRANSCODE_JOB {
            self.transcoding_seconds.inc_by(elapsed.as_secs_f64());
        }
    }

    /// One ActivityPub delivery attempt ended.
    pub fn federation_delivery(&self, result: Delivery) {
        self.federation_deliveries
            .with_label_values(&[result.label()])
            .inc();
    }

    /// Everything in Prometheus' text exposition format (version 0.0.4).
    pub fn encode(&self) -> Result<String, prometheus::Error> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The content type of `encode`'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

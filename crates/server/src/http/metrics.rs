//! Prometheus metrics in the text exposition format, kept by hand.
//!
//! Three families are enough for now (requests by route and status, a latency histogram, issues
//! by status), and writing them by hand keeps an exporter stack out of the dependency tree.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Debug, Default)]
pub struct Metrics {
    // A std Mutex: updates are a few additions, never held across an await.
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// (method, route, status) → count
    requests: BTreeMap<(String, String, u16), u64>,
    /// route → histogram
    latency: BTreeMap<String, Histogram>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Metrics {
    /// Records one request. `route` is the matched route template (`/api/v1/issues/{id}`),
    /// never the raw path, so ids do not explode the label set.
    pub fn record(&self, method: &str, route: &str, status: u16, took: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = inner.latency.entry(route.to_owned()).or_default();
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
    }

    /// Renders every family; `issues_by_status` is read from the store at scrape time.
    pub fn render(&self, issues_by_status: &[(String, u64)]) -> String {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str(
            "# HELP gridloop_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE gridloop_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "gridloop_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str(
            "# HELP gridloop_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE gridloop_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "gridloop_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "gridloop_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "gridloop_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "gridloop_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP gridloop_issues Issues by status.\n");
        out.push_str("# TYPE gridloop_issues gauge\n");
        for (status, n) in issues_by_status {
            let _ = writeln!(out, "gridloop_issues{{status=\"{}\"}} {n}", escape(status));
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template_and_latency_lands_in_cumulative_buckets() {
        let m = Metrics::default();
        m.record("GET", "/api/v1/issues/{id}", 200, Duration::from_millis(3));
        m.record("GET", "/api/v1/issues/{id}", 200, Duration::from_millis(30));
        m.record("GET", "/api/v1/issues/{id}", 404, Duration::from_millis(1));
        let text = m.render(&[("closed".into(), 2)]);
        assert!(text.contains(
            "gridloop_http_requests_total{method=\"GET\",route=\"/api/v1/issues/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 2"), "{text}");
        assert!(text.contains("le=\"0.05\"} 3"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3"), "{text}");
        assert!(text.contains("gridloop_issues{status=\"closed\"} 2"));
    }
}

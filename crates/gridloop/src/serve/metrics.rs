//! Prometheus metrics in the text exposition format, kept by hand.
//!
//! Four families are enough for now (requests by route and status, a latency histogram, issues
//! by status, reports by how they were written), and writing them by hand keeps an exporter stack out of the dependency tree.
//!
//! Every label value comes from a closed set, since each distinct value is a series kept for
//! the life of the process: a method is one of HTTP's own or [`Method::Other`], a route is a
//! template of the router or [`Route::Unmatched`], a status one the server answers with. What a
//! client sends (made-up methods, random paths) can add no series.
//!
//! A client library (prometheus-client) was weighed against this: it would not have prevented
//! the unbounded labels (its label sets are as open as the types given to them, which is what
//! [`Method`] and [`Route`] fix here), it brings a derive crate and its own lock types to build
//! on a small machine, and it writes the OpenMetrics format rather than the classic text one
//! that every scraper and the existing dashboards read. Four families do not need it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::MatchedPath;
use gridloop_store::IntakeStats;

/// A request's method as a label: HTTP's registered methods that a server meets, or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Connect,
    Trace,
    /// Any other token a client sent: one label for all of them.
    Other,
}

impl Method {
    pub fn of(method: &axum::http::Method) -> Self {
        use axum::http::Method as M;
        match *method {
            M::GET => Self::Get,
            M::HEAD => Self::Head,
            M::POST => Self::Post,
            M::PUT => Self::Put,
            M::PATCH => Self::Patch,
            M::DELETE => Self::Delete,
            M::OPTIONS => Self::Options,
            M::CONNECT => Self::Connect,
            M::TRACE => Self::Trace,
            _ => Self::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Head => "HEAD",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Options => "OPTIONS",
            Self::Connect => "CONNECT",
            Self::Trace => "TRACE",
            Self::Other => "other",
        }
    }
}

/// A request's route as a label: the template the router matched (`/api/v1/issues/{id}`),
/// never the raw path, or one label for every path that matched nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    Template(String),
    Unmatched,
}

impl Route {
    /// The route of a request, from the template axum's router recorded when it matched one.
    pub fn of(matched: Option<&MatchedPath>) -> Self {
        matched.map_or(Self::Unmatched, |p| Self::Template(p.as_str().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Template(t) => t,
            Self::Unmatched => "unmatched",
        }
    }
}

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
    requests: BTreeMap<(Method, Route, u16), u64>,
    /// route → histogram
    latency: BTreeMap<Route, Histogram>,
}

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Metrics {
    /// Records one request.
    pub fn record(&self, method: Method, route: Route, status: u16, took: Duration) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let h = inner.latency.entry(route.clone()).or_default();
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += secs;
        h.count += 1;
        *inner.requests.entry((method, route, status)).or_default() += 1;
    }

    /// Renders every family; `issues_by_status` and `reports` are read from the store at
    /// scrape time.
    pub fn render(&self, issues_by_status: &[(String, u64)], reports: &IntakeStats) -> String {
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
                method.as_str(),
                escape(route.as_str())
            );
        }
        out.push_str(
            "# HELP gridloop_http_request_duration_seconds HTTP request latency by route.\n",
        );
        out.push_str("# TYPE gridloop_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route.as_str());
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
        out.push_str(
            "# HELP gridloop_reports_total Reports since the start, by how they were written: \
             batched with others, alone, skipped by a batch or in a failed batch (then alone).\n",
        );
        out.push_str("# TYPE gridloop_reports_total counter\n");
        for (path, n) in [
            ("batched", reports.batched),
            ("alone", reports.alone),
            ("skipped", reports.skipped),
            ("failed", reports.failed),
        ] {
            let _ = writeln!(out, "gridloop_reports_total{{path=\"{path}\"}} {n}");
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
        let route = || Route::Template("/api/v1/issues/{id}".into());
        m.record(Method::Get, route(), 200, Duration::from_millis(3));
        m.record(Method::Get, route(), 200, Duration::from_millis(30));
        m.record(Method::Get, route(), 404, Duration::from_millis(1));
        let text = m.render(&[("closed".into(), 2)], &IntakeStats::default());
        assert!(text.contains(
            "gridloop_http_requests_total{method=\"GET\",route=\"/api/v1/issues/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 2"), "{text}");
        assert!(text.contains("le=\"0.05\"} 3"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3"), "{text}");
        assert!(text.contains("gridloop_issues{status=\"closed\"} 2"));
    }

    #[test]
    fn made_up_methods_share_one_label_and_unmatched_paths_another() {
        let m = Metrics::default();
        for i in 0..100 {
            let method = axum::http::Method::from_bytes(format!("X{i}").as_bytes()).unwrap();
            m.record(Method::of(&method), Route::of(None), 404, Duration::ZERO);
        }
        let text = m.render(&[], &IntakeStats::default());
        assert!(text.contains(
            "gridloop_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 100"
        ));
        assert_eq!(text.matches("gridloop_http_requests_total{").count(), 1);
    }
}

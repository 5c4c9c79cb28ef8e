//! `/healthz`, `/readyz`, `/metrics`, and how unknown routes answer.

use crate::both;

both! {
    async fn probes_answer_and_metrics_count_requests_by_route(app: &TestApp) {
        assert_eq!(app.get("/healthz", None).await.expect(200).text(), "ok\n");
        assert_eq!(app.get("/readyz", None).await.expect(200).text(), "ready\n");
        let metrics = app.get("/metrics", None).await.expect(200);
        assert!(metrics
            .header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4")));
        let text = app.get("/metrics", None).await.expect(200).text();
        assert!(text.contains(r#"gridloop_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
        assert!(text.contains(r#"gridloop_issues{status="reported"} 0"#), "{text}");
        assert!(text.contains(r#"gridloop_reports_total{path="batched"} 0"#), "{text}");
    }

    async fn unknown_routes_are_problem_documents(app: &TestApp) {
        let reply = app.get("/api/v1/nothing-here", None).await.expect(404);
        assert_eq!(reply.json()["title"], "Not found");
    }
}

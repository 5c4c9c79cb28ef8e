//! Finding 7: made-up HTTP methods and unmatched paths do not grow the metrics. Each label value
//! is a series kept for the life of the process, so a label a client chooses is memory an
//! anonymous client can fill.

use bytes::Bytes;
use futures_util::future::join_all;
use hyper::Method;

use crate::support::{Backend, TestApp};

async fn metric_lines(app: &TestApp) -> usize {
    app.get("/metrics", None)
        .await
        .expect(200)
        .text()
        .lines()
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_thousand_made_up_methods_and_two_thousand_random_paths_add_a_bounded_number_of_series(
) {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    // Every family and the routes a client normally meets are there before the attack.
    app.get("/healthz", None).await.expect(200);
    metric_lines(&app).await;
    let before = metric_lines(&app).await;

    for batch in 0..60 {
        join_all((0..50).map(|i| {
            let n = batch * 50 + i;
            let method = Method::from_bytes(format!("GRID{n}X").as_bytes()).expect("a token");
            let app = &app;
            async move {
                app.send(method, "/api/v1/issues", None, &[], Bytes::new())
                    .await
            }
        }))
        .await;
    }
    for batch in 0..40 {
        join_all((0..50).map(|i| {
            let n = batch * 50 + i;
            let app = &app;
            async move { app.get(&format!("/random/{n}/x{}", n * 7919), None).await }
        }))
        .await;
    }

    let after = metric_lines(&app).await;
    println!("/metrics: {before} lines before, {after} after 5,000 hostile requests");
    // Two new (method, route, status) series, `other` on /api/v1/issues (405) and GET on
    // `unmatched` (404), and the histograms of those two routes (15 lines each).
    assert!(
        after - before <= 40,
        "the metrics grew from {before} to {after} lines"
    );
    let text = app.get("/metrics", None).await.expect(200).text();
    assert!(
        text.contains(r#"method="other",route="/api/v1/issues",status="405"} 3000"#),
        "{text}"
    );
    assert!(
        text.contains(r#"method="GET",route="unmatched",status="404"} 2000"#),
        "{text}"
    );
    assert!(!text.contains("GRID1"), "a made-up method became a label");
    assert!(!text.contains("/random/"), "a raw path became a label");
    app.stop().await;
}

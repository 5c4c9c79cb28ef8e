//! Finding 11: security headers on every page, from one layer.

use crate::scratch::Db;
use crate::server::{seed, Server};

#[tokio::test(flavor = "multi_thread")]
async fn the_harness_serves_a_seeded_park() {
    let db = Db::sqlite();
    seed(&db);
    let server = Server::start(&db, &[]).await;
    let ready = server.get("/readyz").await.expect("readyz");
    assert_eq!(ready.status, 200);
    assert!(server.peak_rss_kib() > 0);
    drop(server);
    db.drop_async().await;
}

//! Objects that do not decode: skipped and reported once per version, never fatal.

use std::time::Duration;

use super::fake::Fake;
use super::{informer, lines, recorder};

const BAD: &str = "data.v: invalid type: integer `1`, expected a string";

#[tokio::test(start_paused = true)]
async fn a_listed_object_that_does_not_decode_is_reported_and_the_rest_is_served() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.put_bad("bad");
    fake.put("c", "1");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .expect("one bad object does not keep the informer from syncing");

    let mut lines = lines(&log, 3).await;
    lines.sort();
    assert_eq!(
        lines,
        [
            "add ns/a 1".to_owned(),
            "add ns/c 3".to_owned(),
            format!("undecodable ns/bad 2: {BAD}")
        ]
    );
    assert_eq!(informer.store().len(), 2);
    assert_eq!(informer.stats().undecodable, 1);
    let health = informer.health();
    assert!(health.synced && health.last_error.is_none(), "{health:?}");

    // The watch starts after the whole list, and goes on delivering.
    fake.put("d", "1");
    assert_eq!(lines_after(&log, 3, 1).await, ["add ns/d 4"]);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_cached_object_that_stops_decoding_leaves_the_cache_and_comes_back_when_it_decodes() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 1).await;

    fake.put_bad("a");
    assert_eq!(
        lines_after(&log, 1, 2).await,
        [
            "tombstone ns/a".to_owned(),
            format!("undecodable ns/a 2: {BAD}")
        ]
    );
    assert!(informer.lister().get("ns", "a").is_none());

    fake.put("a", "3");
    assert_eq!(lines_after(&log, 3, 1).await, ["add ns/a 3"]);
    assert_eq!(informer.store().len(), 1);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_watch_resumes_after_an_object_that_did_not_decode() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 1).await;

    fake.put_bad("bad");
    lines(&log, 2).await;
    fake.partition();
    fake.heal();
    // Resumed from the bad object's resourceVersion: it is not delivered (or reported) twice.
    fake.put("b", "1");
    assert_eq!(lines_after(&log, 2, 1).await, ["add ns/b 3"]);
    let resumed_at = fake.server().watch_calls.last().unwrap().1.clone();
    assert_eq!(resumed_at, "2");
    assert_eq!(informer.stats().undecodable, 1);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_relist_reports_a_still_bad_object_once_and_a_new_bad_version_again() {
    let fake = Fake::default();
    fake.put_bad("bad");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 1).await;

    // A 410 relists: the same version of the bad object is not news.
    fake.partition();
    fake.put("a", "1");
    fake.compact();
    fake.heal();
    assert_eq!(lines_after(&log, 1, 1).await, ["add ns/a 2"]);
    assert_eq!(informer.stats().lists, 2);
    assert_eq!(informer.stats().undecodable, 1);

    // Another bad version is.
    fake.put_bad("bad");
    assert_eq!(
        lines_after(&log, 2, 1).await,
        [format!("undecodable ns/bad 3: {BAD}")]
    );
    // Deleted while bad: reported as what it is, and nothing was cached to remove.
    fake.delete("bad");
    assert_eq!(
        lines_after(&log, 3, 1).await,
        [format!("undecodable ns/bad 4: {BAD}")]
    );
    assert_eq!(informer.store().len(), 1);
    informer.shutdown().await;
}

/// The `n` lines logged after the first `skip`, once there are exactly that many.
async fn lines_after(
    log: &std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    skip: usize,
    n: usize,
) -> Vec<String> {
    lines(log, skip + n).await.split_off(skip)
}

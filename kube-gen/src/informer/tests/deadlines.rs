//! Watch deadlines: the server-side timeout, the client-side deadline and the idle bound that
//! catch a connection which died without a FIN or RST.

use std::time::Duration;

use tokio::time::{Instant, sleep};

use super::fake::Fake;
use super::{informer, lines, recorder};

/// Waits (in paused time) until `done` holds, checking every 100 ms for up to `max`.
async fn until(max: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < max, "not done within {max:?}");
        sleep(Duration::from_millis(100)).await;
    }
}

fn watch_calls(fake: &Fake) -> usize {
    fake.server().watch_calls.len()
}

#[tokio::test(start_paused = true)]
async fn every_watch_asks_the_server_to_end_it_after_a_random_five_to_ten_minutes() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    for _ in 0..20 {
        sleep(Duration::from_secs(2)).await;
        fake.end_watches();
    }
    sleep(Duration::from_secs(2)).await;

    let timeouts: Vec<u32> = fake
        .server()
        .watch_calls
        .iter()
        .map(|(params, _)| params.timeout.expect("every watch has timeoutSeconds"))
        .collect();
    assert_eq!(timeouts.len(), 21, "{timeouts:?}");
    assert!(
        timeouts.iter().all(|t| (300..600).contains(t)),
        "{timeouts:?}"
    );
    let mut distinct = timeouts.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() > 5, "randomized: {timeouts:?}");
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_minimum_watch_timeout_is_configurable() {
    let fake = Fake::default();
    let informer = informer(&fake)
        .min_watch_timeout(Duration::from_secs(2))
        .build();
    informer.start();
    // Each ends at its deadline, 15 s after its timeout: the fake never ends a watch.
    until(Duration::from_secs(100), || watch_calls(&fake) >= 5).await;
    let timeouts: Vec<Option<u32>> = fake
        .server()
        .watch_calls
        .iter()
        .map(|(params, _)| params.timeout)
        .collect();
    assert!(
        timeouts.iter().all(|t| matches!(t, Some(2 | 3))),
        "{timeouts:?}"
    );
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_watch_the_server_ends_at_its_timeout_resumes_at_once_without_backoff_or_a_failure() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake)
        .backoff(Duration::from_secs(30), Duration::from_secs(60))
        .watch_idle_timeout(Duration::from_secs(3600))
        .build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();

    // A quiet collection: the server ends the watch at its timeout without one event.
    sleep(Duration::from_secs(299)).await;
    assert_eq!(watch_calls(&fake), 1);
    fake.end_watches();
    sleep(Duration::from_millis(10)).await;
    assert_eq!(
        watch_calls(&fake),
        2,
        "watched again at once, not after 30 s"
    );
    assert_eq!(fake.open_watches(), 1);
    let health = informer.health();
    assert_eq!(health.consecutive_failures, 0, "{health:?}");
    assert_eq!(health.last_error, None);

    // A watch closed at once without an event is client-go's "very short watch": a failure,
    // backed off, so a server or proxy that closes every watch is not hammered.
    fake.end_watches();
    sleep(Duration::from_secs(10)).await;
    assert_eq!(watch_calls(&fake), 2, "backing off");
    let health = informer.health();
    assert_eq!(health.consecutive_failures, 1, "{health:?}");
    assert_eq!(
        health.last_error.as_deref(),
        Some("watch failed: closed at once without an event")
    );
    until(Duration::from_secs(60), || fake.open_watches() == 1).await;
    assert_eq!(informer.stats().lists, 1, "never relisted");
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_watch_is_dropped_after_two_minutes_and_resumed_from_the_last_resource_version() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    lines(&log, 1).await;
    let bookmark = fake.bookmark();
    sleep(Duration::from_millis(10)).await;

    // The connection dies without a FIN or RST; changes go on meanwhile.
    let frozen_at = Instant::now();
    fake.freeze();
    fake.put("a", "2");
    fake.put("b", "1");
    until(Duration::from_secs(600), || log.lock().unwrap().len() >= 3).await;
    let noticed_after = frozen_at.elapsed();

    assert!(
        (Duration::from_secs(119)..Duration::from_secs(121)).contains(&noticed_after),
        "dropped two minutes after the last thing delivered: {noticed_after:?}"
    );
    assert_eq!(
        lines(&log, 3).await,
        ["add ns/a 1", "update ns/a 1->3", "add ns/b 4"],
        "the changes made during the freeze arrive once each"
    );
    let watch_calls = fake.server().watch_calls.clone();
    assert_eq!(watch_calls.len(), 2);
    assert_eq!(watch_calls[1].1, bookmark, "resumed from the last bookmark");
    assert_eq!(informer.stats().lists, 1, "no relist");
    assert_eq!(informer.stats().silent_watches_dropped, 1);
    let health = informer.health();
    assert_eq!(health.consecutive_failures, 0, "not a failure: {health:?}");
    assert_eq!(health.last_error, None);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_watch_that_gets_a_bookmark_every_minute_is_kept() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    for _ in 0..4 {
        sleep(Duration::from_secs(60)).await;
        fake.bookmark();
    }
    sleep(Duration::from_secs(60)).await;
    assert_eq!(watch_calls(&fake), 1, "one watch for 5 minutes");
    assert_eq!(informer.stats().silent_watches_dropped, 0);
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_watch_the_server_never_ends_is_dropped_15_s_after_its_timeout() {
    let fake = Fake::default();
    fake.put("a", "1");
    let informer = informer(&fake).build();
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let started = Instant::now();
    let timeout = fake.server().watch_calls[0].0.timeout.unwrap();

    // Bookmarks keep arriving, so only the deadline can end it.
    let bookmarks = {
        let fake = fake.clone();
        tokio::spawn(async move {
            loop {
                sleep(Duration::from_secs(60)).await;
                fake.bookmark();
            }
        })
    };
    until(Duration::from_secs(700), || watch_calls(&fake) == 2).await;
    let ended_after = started.elapsed();
    let deadline = Duration::from_secs(u64::from(timeout) + 15);
    assert!(
        (deadline..deadline + Duration::from_secs(1)).contains(&ended_after),
        "timeout {timeout} s, dropped after {ended_after:?}"
    );
    assert_eq!(informer.health().consecutive_failures, 0);
    assert_eq!(informer.stats().silent_watches_dropped, 1);
    bookmarks.abort();
    informer.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_watch_request_without_a_response_fails_after_the_configured_idle_bound() {
    let fake = Fake::default();
    fake.put("a", "1");
    fake.server().hang_watches = true;
    let informer = informer(&fake)
        .watch_idle_timeout(Duration::from_secs(10))
        .build();
    let (handler, log) = recorder();
    informer.add_event_handler(handler);
    informer.start();
    informer
        .wait_for_cache_sync(Duration::from_secs(5))
        .await
        .unwrap();
    let started = Instant::now();

    until(Duration::from_secs(60), || {
        informer.health().consecutive_failures >= 1
    })
    .await;
    assert!(started.elapsed() >= Duration::from_secs(10));
    assert_eq!(
        informer.health().last_error.as_deref(),
        Some("watch failed: no response in 10s")
    );

    fake.server().hang_watches = false;
    until(Duration::from_secs(60), || fake.open_watches() == 1).await;
    fake.put("b", "1");
    assert_eq!(lines(&log, 2).await, ["add ns/a 1", "add ns/b 2"]);
    assert_eq!(informer.health().last_error, None);
    informer.shutdown().await;
}

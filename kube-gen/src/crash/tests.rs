//! Unit tests of catching panics: what the crash handler is told, and what the caller gets back.

use super::testing::{record_panics, recorded};
use super::{catch, catch_future};

#[test]
fn a_panic_inside_catch_reaches_the_handler_with_its_site_message_and_location() {
    record_panics();
    let result = catch(
        || "the test site".to_owned(),
        || panic!("crash-test-1 on line {}", line!()),
    );
    assert_eq!(result, None::<()>);
    let panics = recorded("crash-test-1");
    assert_eq!(panics.len(), 1, "{panics:?}");
    let panic = &panics[0];
    assert_eq!(panic.site(), "the test site");
    let line = panic.message().trim_start_matches("crash-test-1 on line ");
    let location = panic.location().expect("the hook records the location");
    assert!(
        location.contains(&format!("crash/tests.rs:{line}:")),
        "{location} is not line {line}"
    );
    assert_eq!(
        panic.to_string(),
        format!("the test site panicked at {location}: crash-test-1 on line {line}")
    );
}

#[test]
fn catch_returns_what_the_closure_returns_when_nothing_panics() {
    record_panics();
    assert_eq!(
        catch(|| unreachable!("site is only named for a panic"), || 7),
        Some(7)
    );
}

#[test]
fn a_panic_with_a_payload_that_is_not_a_string_is_still_reported() {
    record_panics();
    let result = catch(
        || "crash-test-any".to_owned(),
        || std::panic::panic_any(42_u8),
    );
    assert_eq!(result, None::<()>);
    let reported = recorded("Box<dyn Any>");
    assert!(
        reported
            .iter()
            .any(|panic| panic.site() == "crash-test-any"),
        "{reported:?}"
    );
}

#[test]
fn a_panic_caught_inside_catch_is_not_reported() {
    record_panics();
    let result = catch(
        || "outer".to_owned(),
        || std::panic::catch_unwind(|| panic!("crash-test-inner")).is_err(),
    );
    assert_eq!(result, Some(true));
    assert!(recorded("crash-test-inner").is_empty());
}

#[tokio::test]
async fn a_panic_in_any_poll_of_a_future_reaches_the_handler() {
    record_panics();
    let result = catch_future(|| "a worker syncing foo \"a/b\"".to_owned(), async {
        tokio::task::yield_now().await; // the panic is in the second poll
        panic!("crash-test-future");
    })
    .await;
    assert_eq!(result, None::<()>);
    let panics = recorded("crash-test-future");
    assert_eq!(panics.len(), 1, "{panics:?}");
    assert_eq!(panics[0].site(), "a worker syncing foo \"a/b\"");
    assert!(
        panics[0]
            .location()
            .is_some_and(|l| l.contains("crash/tests.rs"))
    );
}

#[tokio::test]
async fn a_future_that_completes_gives_its_output() {
    record_panics();
    let result = catch_future(|| unreachable!(), async {
        tokio::task::yield_now().await;
        "done"
    })
    .await;
    assert_eq!(result, Some("done"));
}

#[test]
fn panics_on_other_threads_do_not_mix_up_locations() {
    record_panics();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..50 {
                    catch(|| format!("thread {i}"), || panic!("crash-test-thread-{i}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("catch stops the panic");
    }
    for i in 0..4 {
        let panics = recorded(&format!("crash-test-thread-{i}"));
        assert_eq!(panics.len(), 50);
        assert!(panics.iter().all(|panic| {
            panic.site() == format!("thread {i}")
                && panic
                    .location()
                    .is_some_and(|l| l.contains("crash/tests.rs"))
        }));
    }
}

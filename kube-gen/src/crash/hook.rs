//! The panic hook that tells [`catch`](super::catch) where a panic happened, and keeps the default hook quiet about panics it reports itself.

use std::any::Any;
use std::backtrace::{Backtrace, BacktraceStatus};
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe, PanicHookInfo};
use std::sync::{Arc, Once};

/// What a caught panic said, before it is named after the code that ran it.
pub(super) struct Caught {
    pub(super) message: String,
    pub(super) location: Option<String>,
    pub(super) backtrace: Option<Arc<Backtrace>>,
}

/// Where and how the last panic inside a [`catch_unwind`] on this thread happened.
struct Seen {
    location: String,
    backtrace: Option<Arc<Backtrace>>,
}

thread_local! {
    /// How many [`catch_unwind`] calls this thread is inside of.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Filled by the hook for a panic inside one of them.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Runs `f`, returning what it panicked with instead of unwinding further.
///
/// The first call installs a panic hook in front of the one already set. Inside this call
/// it records the panic's location (and a backtrace when `RUST_BACKTRACE` asks for one) and
/// prints nothing, since the caller reports the panic; outside, it hands every panic to the
/// hook it replaced. A hook set later replaces it: panics are then still caught and
/// reported, without their location, and that hook prints them too.
pub(super) fn catch_unwind<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    INSTALL.call_once(install);
    // Left over from a panic that code inside `f` caught itself on an earlier call.
    SEEN.with(|seen| seen.borrow_mut().take());
    DEPTH.with(|depth| depth.set(depth.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|depth| depth.set(depth.get() - 1));
    result.map_err(|payload| {
        let seen = SEEN.with(|seen| seen.borrow_mut().take());
        Caught {
            message: message(payload.as_ref()),
            location: seen.as_ref().map(|seen| seen.location.clone()),
            backtrace: seen.and_then(|seen| seen.backtrace),
        }
    })
}

fn install() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info: &PanicHookInfo<'_>| {
        // `try_with`: a panic while this thread's locals are being destroyed goes on as usual.
        let inside = DEPTH.try_with(Cell::get).unwrap_or(0) > 0;
        if !inside {
            return previous(info);
        }
        let location = info
            .location()
            .map_or_else(|| "an unknown location".to_owned(), ToString::to_string);
        let backtrace = Backtrace::capture();
        let backtrace =
            (backtrace.status() == BacktraceStatus::Captured).then(|| Arc::new(backtrace));
        let _ = SEEN.try_with(|seen| {
            *seen.borrow_mut() = Some(Seen {
                location,
                backtrace,
            });
        });
    }));
}

/// The text a panic was raised with: `panic!`'s formatted message, or a placeholder for a
/// payload that is not a string (`std::panic::panic_any`).
fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}

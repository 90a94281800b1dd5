//! What a panic in an event handler or a worker does: by default one error line and exit status 2, so that the process is restarted, as client-go's `HandleCrash` crashes a Go controller.
//!
//! Tokio catches the panic of a task. Without this module a panicking event handler's task
//! would end quietly: the handler would miss every later event, its
//! [`has_synced`](crate::informer::HandlerRegistration::has_synced) might never turn true,
//! and the process would look healthy. So the informer runs every handler call inside
//! [`catch`], and a worker runs each sync inside [`catch_future`] (the sample-controller
//! does); a panic there goes to the process-wide crash handler.
//!
//! # The default: crash
//!
//! The default handler, [`exit`], logs one line at error, naming what panicked, where, and
//! the panic's message:
//!
//! ```text
//! ERROR kube_gen::crash: on_add of event handler 0 for Foo panicked at src/main.rs:40:13: no spec; exiting with status 2
//! ```
//!
//! and exits with status [`EXIT_CODE`] (2), the status of a Go program that dies of a panic,
//! so a Deployment's pod, a systemd unit or any supervisor restarts it with a fresh cache
//! and queue. It exits rather than aborts: an abort is a `SIGABRT` that may write a core
//! dump and reads as a native crash, and it skips flushing stdout. Either way no destructor
//! runs, so a tracing writer that buffers on a background thread (tracing-appender's
//! `non_blocking`) may lose the line: set a handler that flushes it first. If no tracing
//! subscriber takes error events from `kube_gen::crash`, the line goes to stderr instead;
//! a panic is never silent.
//!
//! # Choosing otherwise
//!
//! [`set_handler`] replaces the default for the whole process, e.g. to fail a liveness
//! probe instead of exiting, or to record the panic in a metric before calling [`exit`].
//! When a handler returns, the code that panicked goes on: the event handler gets the next
//! notification (the one it panicked on is dropped, as with client-go's `ReallyCrash =
//! false`) and the sample-controller counts the sync as failed and retries it with backoff.
//! The handler's own state may be half-updated by the panic; that is the price of going on.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//!
//! static PANICKED: AtomicBool = AtomicBool::new(false);
//!
//! // Keep running, and let the liveness probe report the panic (it reads PANICKED).
//! kube_gen::crash::set_handler(|panic| {
//!     eprintln!("{panic}; /healthz now fails");
//!     PANICKED.store(true, Ordering::Release);
//! });
//!
//! let result = kube_gen::crash::catch(|| "my worker".to_owned(), || panic!("no spec"));
//! assert_eq!(result, None::<()>);
//! assert!(PANICKED.load(Ordering::Acquire));
//!
//! // Back to the default.
//! kube_gen::crash::set_handler(|panic| kube_gen::crash::exit(panic));
//! ```
//!
//! # The panic hook
//!
//! To know where a panic happened, the first [`catch`] installs a panic hook in front of
//! the one already set (Rust's default prints the panic to stderr). Inside [`catch`] it
//! records the location and prints nothing, because the crash handler reports the panic in
//! one line; every other panic goes to the previous hook as before. With `RUST_BACKTRACE`
//! set, the panic's backtrace is captured and logged too ([`Panic::backtrace`]).

mod hook;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use std::backtrace::Backtrace;
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::Poll;

/// The status [`exit`] ends the process with: Go's for a program that dies of a panic.
pub const EXIT_CODE: i32 = 2;

/// A panic caught by [`catch`] or [`catch_future`], as the crash handler gets it.
#[derive(Debug, Clone)]
pub struct Panic {
    site: String,
    message: String,
    location: Option<String>,
    backtrace: Option<Arc<Backtrace>>,
}

impl Panic {
    /// What was running, as its caller named it: e.g. `on_add of event handler 0 for Foo`
    /// (the handler's id and the informer's object type), or `worker syncing foo
    /// "default/example-foo"`.
    pub fn site(&self) -> &str {
        &self.site
    }

    /// The panic's message (`Box<dyn Any>` if it was raised with something not a string).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `file:line:column` of the panic, unless a panic hook set after kube-gen's hides it.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The backtrace, when `RUST_BACKTRACE` asked for one.
    pub fn backtrace(&self) -> Option<&Backtrace> {
        self.backtrace.as_deref()
    }
}

/// `SITE panicked at LOCATION: MESSAGE`, as Rust's own panic message reads.
impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{} panicked at {location}: {}", self.site, self.message),
            None => write!(f, "{} panicked: {}", self.site, self.message),
        }
    }
}

type Handler = Arc<dyn Fn(&Panic) + Send + Sync>;

/// `None` until [`set_handler`]: then [`exit`] is the handler.
static HANDLER: RwLock<Option<Handler>> = RwLock::new(None);

/// Makes `handler` the process-wide crash handler, in place of [`exit`].
///
/// It is called on the thread that panicked, once per caught panic, and may be called from
/// several threads at once. If it returns, the code that panicked goes on (see the
/// [module docs](self)); to crash after all, end it with [`exit`]. client-go's
/// `utilruntime.ReallyCrash` and `PanicHandlers`, in one.
pub fn set_handler(handler: impl Fn(&Panic) + Send + Sync + 'static) {
    *HANDLER.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(handler));
}

/// The default crash handler: logs `panic` in one line at error (to stderr if no tracing
/// subscriber takes it), then exits the process with [`EXIT_CODE`].
pub fn exit(panic: &Panic) -> ! {
    let line = format!("{panic}; exiting with status {EXIT_CODE}");
    if tracing::enabled!(tracing::Level::ERROR) {
        match panic.backtrace() {
            Some(backtrace) => tracing::error!(%backtrace, "{line}"),
            None => tracing::error!("{line}"),
        }
    } else {
        match panic.backtrace() {
            Some(backtrace) => eprintln!("{line}\n{backtrace}"),
            None => eprintln!("{line}"),
        }
    }
    std::process::exit(EXIT_CODE)
}

/// Runs `f`; if it panics, hands the panic to the crash handler, naming it `site()`.
///
/// Returns what `f` returned, or `None` after a panic if the crash handler returned (the
/// default, [`exit`], does not). `site` is only called for a panic, so it may format.
/// client-go's `defer utilruntime.HandleCrash()`.
pub fn catch<R>(site: impl FnOnce() -> String, f: impl FnOnce() -> R) -> Option<R> {
    match hook::catch_unwind(f) {
        Ok(value) => Some(value),
        Err(caught) => {
            report(site(), caught);
            None
        }
    }
}

/// [`catch`] for a future: polls `future` to completion, handing a panic in any poll to the
/// crash handler. After a panic the future is dropped unfinished.
pub async fn catch_future<F: Future>(
    site: impl FnOnce() -> String,
    future: F,
) -> Option<F::Output> {
    let mut future = pin!(future);
    let polled = std::future::poll_fn(|cx| match hook::catch_unwind(|| future.as_mut().poll(cx)) {
        Ok(Poll::Pending) => Poll::Pending,
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Err(caught) => Poll::Ready(Err(caught)),
    })
    .await;
    match polled {
        Ok(value) => Some(value),
        Err(caught) => {
            report(site(), caught);
            None
        }
    }
}

/// Hands a caught panic to the crash handler.
fn report(site: String, caught: hook::Caught) {
    let panic = Panic {
        site,
        message: caught.message,
        location: caught.location,
        backtrace: caught.backtrace,
    };
    let handler = HANDLER
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match handler {
        Some(handler) => handler(&panic),
        None => exit(&panic),
    }
}

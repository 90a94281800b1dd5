//! The checks behind `/healthz` and `/readyz`: is the controller loop alive, are its informers synced and current, has shutdown begun.
//!
//! Liveness and readiness answer different questions, so they check different things.
//! `/healthz` fails only when restarting the process would help: the controller loop has
//! stopped or exited. An API server that is unreachable, or that forbids a list, does not
//! fail it (a restart would not fix RBAC); it fails `/readyz` instead, which names the
//! informer and the error, so `kubectl describe pod` shows why the controller is not ready.

use std::fmt::{self, Debug, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use kube::Resource;
use kube_gen::informer::{Informer, InformerHealth};
use serde::de::DeserializeOwned;

/// Reads one informer's health; boxed so informers of different kinds sit in one list.
type HealthFn = Box<dyn Fn() -> InformerHealth + Send + Sync>;

/// The process's health: the controller loop's state, the informers it depends on, and
/// whether shutdown has begun. Read by the `/healthz` and `/readyz` handlers and by the
/// informer metrics at scrape time.
///
/// Cheap to clone; clones share one state.
#[derive(Clone, Default)]
pub struct Health {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    controller: Mutex<ControllerState>,
    shutting_down: AtomicBool,
    informers: Mutex<Vec<(String, HealthFn)>>,
}

/// Where the controller loop is.
#[derive(Debug, Clone, Default)]
enum ControllerState {
    /// Built but not run yet, e.g. a standby replica waiting for leadership.
    #[default]
    NotStarted,
    Running,
    /// Returned: `None` after a clean shutdown, else the error it returned.
    Stopped(Option<String>),
}

impl Debug for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let informers: Vec<String> = lock(&self.inner.informers)
            .iter()
            .map(|(name, _)| name.clone())
            .collect();
        f.debug_struct("Health")
            .field("controller", &*lock(&self.inner.controller))
            .field("shutting_down", &self.is_shutting_down())
            .field("informers", &informers)
            .finish()
    }
}

impl Health {
    /// A health state with no informers, a controller not started yet, and no shutdown.
    pub fn new() -> Self {
        Health::default()
    }

    /// Reports `informer` under `name` (`foos`, `deployments`) in `/readyz` and in the
    /// `sample_controller_informer_*` metrics. It may be added before it is started.
    pub fn add_informer<K>(&self, name: &str, informer: &Informer<K>)
    where
        K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    {
        let informer = informer.clone();
        lock(&self.inner.informers).push((name.to_owned(), Box::new(move || informer.health())));
    }

    /// The health of every informer added, by name, in the order they were added.
    pub fn informers(&self) -> Vec<(String, InformerHealth)> {
        lock(&self.inner.informers)
            .iter()
            .map(|(name, health)| (name.clone(), health()))
            .collect()
    }

    /// The controller loop has started (its informers have been started).
    pub fn controller_started(&self) {
        *lock(&self.inner.controller) = ControllerState::Running;
    }

    /// The controller loop has returned, cleanly (`None`) or with this error. From now on
    /// `/healthz` fails.
    pub fn controller_stopped(&self, error: Option<String>) {
        *lock(&self.inner.controller) = ControllerState::Stopped(error);
    }

    /// Shutdown has begun (a signal arrived): from now on `/readyz` fails.
    pub fn begin_shutdown(&self) {
        self.inner.shutting_down.store(true, Ordering::Relaxed);
    }

    /// Whether [`begin_shutdown`](Self::begin_shutdown) was called.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutting_down.load(Ordering::Relaxed)
    }

    /// The liveness checks (`/healthz`): `ping`, and `controller`, which fails once the
    /// controller loop has returned.
    pub fn liveness(&self) -> Report {
        Report {
            checks: vec![Check::ok("ping"), self.controller_check()],
        }
    }

    /// The readiness checks (`/readyz`): the liveness checks, one `informer <name>` check
    /// per informer, and `shutdown`.
    ///
    /// An informer passes once it has synced and its last list or watch worked; one not
    /// started yet passes with the note `not started`, so a standby replica is ready to
    /// take over. A failing one names its last error, e.g. `list failed: Forbidden (403):
    /// ...`.
    pub fn readiness(&self) -> Report {
        let mut checks = vec![Check::ok("ping"), self.controller_check()];
        let informers = self.informers();
        if informers.is_empty() {
            checks.push(Check::ok("informers").note("not started"));
        }
        for (name, health) in informers {
            checks.push(informer_check(&name, &health));
        }
        checks.push(if self.is_shutting_down() {
            Check::failed("shutdown", "shutting down")
        } else {
            Check::ok("shutdown")
        });
        Report { checks }
    }

    fn controller_check(&self) -> Check {
        match &*lock(&self.inner.controller) {
            ControllerState::NotStarted => Check::ok("controller").note("not started"),
            ControllerState::Running => Check::ok("controller"),
            ControllerState::Stopped(None) => Check::failed("controller", "stopped"),
            ControllerState::Stopped(Some(error)) => {
                Check::failed("controller", &format!("exited: {error}"))
            }
        }
    }
}

/// One informer's readiness, from its health.
fn informer_check(name: &str, health: &InformerHealth) -> Check {
    let check = format!("informer {name}");
    if !health.started {
        Check::ok(&check).note("not started")
    } else if health.stopped {
        Check::failed(&check, "stopped")
    } else if let Some(error) = &health.last_error {
        Check::failed(&check, error)
    } else if !health.synced {
        Check::failed(&check, "not synced yet")
    } else {
        Check::ok(&check)
    }
}

/// The outcome of one named check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked: `ping`, `controller`, `informer foos`, `shutdown`.
    pub name: String,
    /// `Ok` with an optional note (`not started`), or `Err` with why it failed.
    pub outcome: Result<Option<String>, String>,
}

impl Check {
    fn ok(name: &str) -> Check {
        Check {
            name: name.to_owned(),
            outcome: Ok(None),
        }
    }

    fn failed(name: &str, why: &str) -> Check {
        Check {
            name: name.to_owned(),
            outcome: Err(why.to_owned()),
        }
    }

    fn note(mut self, note: &str) -> Check {
        self.outcome = Ok(Some(note.to_owned()));
        self
    }
}

/// The checks of one endpoint, rendered as Kubernetes' `/healthz` and `/readyz` render them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every check, in a fixed order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.outcome.is_ok())
    }

    /// The body for `endpoint` (`healthz`, `readyz`): `ok` when every check passed and
    /// `verbose` is off; otherwise one `[+]name ok` or `[-]name failed: why` line per
    /// check and a closing `<endpoint> check passed` or `failed`. Failures are always
    /// listed in full: the server listens on loopback by default, and the reason is what
    /// an operator needs.
    pub fn render(&self, endpoint: &str, verbose: bool) -> String {
        let passed = self.passed();
        if passed && !verbose {
            return "ok".to_owned();
        }
        let mut body = String::new();
        for check in &self.checks {
            // Writing to a String cannot fail.
            let _ = match &check.outcome {
                Ok(None) => writeln!(body, "[+]{} ok", check.name),
                Ok(Some(note)) => writeln!(body, "[+]{} ok ({note})", check.name),
                Err(why) => writeln!(body, "[-]{} failed: {why}", check.name),
            };
        }
        let verdict = if passed { "passed" } else { "failed" };
        let _ = writeln!(body, "{endpoint} check {verdict}");
        body
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_process_is_live_and_ready_before_anything_starts() {
        let health = Health::new();
        assert!(health.liveness().passed());
        let readiness = health.readiness();
        assert!(readiness.passed());
        assert_eq!(readiness.render("readyz", false), "ok");
        assert_eq!(
            readiness.render("readyz", true),
            "[+]ping ok\n[+]controller ok (not started)\n[+]informers ok (not started)\n\
             [+]shutdown ok\nreadyz check passed\n"
        );
    }

    #[test]
    fn a_stopped_controller_fails_liveness_and_shutdown_fails_readiness() {
        let health = Health::new();
        health.controller_started();
        assert!(health.liveness().passed());
        health.begin_shutdown();
        assert!(health.liveness().passed());
        assert_eq!(
            health.readiness().render("readyz", false),
            "[+]ping ok\n[+]controller ok\n[+]informers ok (not started)\n\
             [-]shutdown failed: shutting down\nreadyz check failed\n"
        );
        health.controller_stopped(Some("failed to wait for caches to sync".into()));
        assert_eq!(
            health.liveness().render("healthz", false),
            "[+]ping ok\n[-]controller failed: exited: failed to wait for caches to sync\n\
             healthz check failed\n"
        );
    }

    #[test]
    fn an_informer_is_ready_once_synced_without_a_pending_error() {
        let mut health = InformerHealth::default();
        assert_eq!(
            informer_check("foos", &health).outcome,
            Ok(Some("not started".into()))
        );
        health.started = true;
        assert_eq!(
            informer_check("foos", &health).outcome,
            Err("not synced yet".into())
        );
        health.last_error = Some("list failed: Forbidden (403): no".into());
        assert_eq!(
            informer_check("foos", &health).outcome,
            Err("list failed: Forbidden (403): no".into())
        );
        health.synced = true;
        health.last_error = None;
        assert_eq!(informer_check("foos", &health).outcome, Ok(None));
        health.stopped = true;
        assert_eq!(
            informer_check("foos", &health).outcome,
            Err("stopped".into())
        );
    }
}

//! End-to-end tests of the runtime's client (they land with the runtime issue).

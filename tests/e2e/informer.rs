//! End-to-end tests of the runtime's informer (they land with the runtime issue).

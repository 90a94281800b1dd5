//! End-to-end tests of the runtime's informer_disruption (they land with the runtime issue).

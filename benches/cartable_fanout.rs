//! Fan-out benchmark of cartable subscriptions (see benches/README.md). Being written.
fn main() {}

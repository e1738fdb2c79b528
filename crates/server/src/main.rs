//! The `opsclock` binary. Its `sla` commands arrive in the next commit.

fn main() {}

//! The runtime's semantics with every worker spawned as a fresh interpreter (`LAMINA_ZYGOTE=0`).

const ZYGOTE: bool = false;

include!("common/fixture.rs");
include!("common/semantics.rs");

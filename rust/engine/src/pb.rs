//! Protobuf types generated from `proto/` by build.rs.

/// Package `promocore.v1`: the public gRPC contract.
// Generated code: lints are for hand-written code.
#[allow(clippy::all)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/promocore.v1.rs"));

    /// Package `promocore.v1.internal`: messages between the Python server and this engine.
    pub mod internal {
        include!(concat!(env!("OUT_DIR"), "/promocore.v1.internal.rs"));
    }
}

pub use v1::internal;

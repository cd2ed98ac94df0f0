/// An opaque librdkafka handle that may cross concurrency domains.
///
/// Only for handles that librdkafka documents as thread-safe: `rd_kafka_t`
/// (every public API taking it may be called from any thread) and queue
/// handles. The wrapper does not own the pointer; its owner frees it.
struct SendableOpaquePointer: @unchecked Sendable {
    // @unchecked: an OpaquePointer is not Sendable, but the handles stored here
    // are librdkafka's thread-safe client and queue objects (see above), and the
    // pointer value itself is immutable.
    let pointer: OpaquePointer
}

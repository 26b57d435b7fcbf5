/// The benchmark could not talk to the daemon, or the daemon misbehaved.
struct BenchError: Error, CustomStringConvertible {
    /// The socket path that was used.
    let path: String
    /// What went wrong, in words.
    let reason: String

    var description: String { "gatewaybench: \(path): \(reason)" }
}

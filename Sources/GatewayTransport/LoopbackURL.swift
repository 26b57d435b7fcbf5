/// The parts of a `loopback:` URL the transport reads.
///
/// `loopback:<anything>?latency_ms=<n>`: the transport answers after `n` milliseconds (default 0).
struct LoopbackURL {
    static let scheme = "loopback:"

    /// The simulated latency in milliseconds.
    var latencyMilliseconds: Int

    /// Whether a URL is answered by the transport itself.
    static func matches(_ url: String) -> Bool { url.hasPrefix(scheme) }

    /// Parses the query; `nil` when `latency_ms` is present but not a non-negative integer.
    init?(_ url: String) {
        latencyMilliseconds = 0
        guard let question = url.firstIndex(of: "?") else { return }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first == "latency_ms" else { continue }
            guard parts.count == 2, let value = Int(parts[1]), value >= 0 else { return nil }
            latencyMilliseconds = value
        }
    }
}

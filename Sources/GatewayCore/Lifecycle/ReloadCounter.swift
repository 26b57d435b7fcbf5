import Synchronization

/// Configuration reloads since start (SIGHUP, `systemctl reload`, `gatewayctl reload`), for `/metrics`: a refused
/// reload keeps the old configuration running, so only a counter or an alert tells an operator it was refused.
public final class ReloadCounter: Sendable {
    private let successes = Atomic<Int>(0)
    private let failures = Atomic<Int>(0)
    private let lastSucceeded = Atomic<Bool>(true)
    private let lastSuccessSeconds = Atomic<Int64>(0)

    /// - Parameter startedAtSeconds: when the running configuration was loaded (the last "successful load").
    public init(startedAtSeconds: Int64) {
        lastSuccessSeconds.store(startedAtSeconds, ordering: .relaxed)
    }

    /// Counts a reload that took effect (`succeeded`) or was refused, at `seconds` since the epoch.
    public func record(succeeded: Bool, atSeconds seconds: Int64) {
        if succeeded {
            successes.add(1, ordering: .relaxed)
            lastSuccessSeconds.store(seconds, ordering: .relaxed)
        } else {
            failures.add(1, ordering: .relaxed)
        }
        lastSucceeded.store(succeeded, ordering: .relaxed)
    }

    /// Reloads that took effect since start.
    public var succeeded: Int { successes.load(ordering: .relaxed) }
    /// Reloads refused (invalid configuration) since start.
    public var failed: Int { failures.load(ordering: .relaxed) }
    /// Whether the last reload took effect (true before any).
    public var lastReloadSucceeded: Bool { lastSucceeded.load(ordering: .relaxed) }
    /// When the running configuration was last loaded, start-up included.
    public var lastSuccessAtSeconds: Int64 { lastSuccessSeconds.load(ordering: .relaxed) }
}

import Foundation
import Synchronization

/// What the listener answers at `/healthz` (liveness) and `/readyz` (readiness), for load balancers and
/// orchestrators. Both are cheap enough to poll every second: two atomic loads, and one `statvfs` for readiness.
///
/// - Liveness: the dispatcher loop and the store writer have turned within the last 5 s (both turn at least once
///   a second, idle or not; the same test as the systemd watchdog), and the listener's own event loop answered.
/// - Readiness: live, start-up finished, not draining, and the store can be written (its file system is neither
///   read-only nor out of space).
public final class HealthProbe: Sendable {
    /// A probe's answer: healthy, or the one-line reason it is not.
    public struct Verdict: Sendable, Equatable {
        /// Whether the probe passes (200) or not (503).
        public var passes: Bool
        /// `ok`/`ready`, or why not, in one line.
        public var reason: String
    }

    private enum Phase: UInt8 {
        case starting, serving, draining
    }

    /// How long a loop may go without turning before the daemon counts as stuck.
    static let stallLimitMilliseconds: Int64 = 5_000
    /// Below this much free space the store is reported unwritable: SQLite needs room for WAL frames and a
    /// checkpoint, and a send acknowledged on a disk that cannot take it would be refused a moment later.
    static let minimumFreeBytes: UInt64 = 1 << 20

    private let phase = Atomic<UInt8>(Phase.starting.rawValue)
    private let dispatcher: Dispatcher
    private let store: any MessageStoring
    private let stateDirectory: String
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    /// The strategy engine, once started: its loop must turn too.
    private let strategies = Mutex<StrategyEngine?>(nil)

    /// - Parameters:
    ///   - dispatcher: whose loop must turn.
    ///   - store: whose writer must turn.
    ///   - stateDirectory: where the store lives (its file system is checked).
    ///   - wallClock: the store writer's heartbeat clock.
    ///   - monotonicClock: the dispatcher's heartbeat clock.
    public init(
        dispatcher: Dispatcher, store: any MessageStoring, stateDirectory: String, wallClock: any WallClock,
        monotonicClock: any MonotonicClock
    ) {
        self.dispatcher = dispatcher
        self.store = store
        self.stateDirectory = stateDirectory
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
    }

    /// Start-up is complete: the socket and listener are bound and systemd was told READY.
    public func markServing() {
        // Only from starting: a drain that began first must not be undone.
        _ = phase.compareExchange(
            expected: Phase.starting.rawValue, desired: Phase.serving.rawValue, ordering: .relaxed)
    }

    /// The strategy engine whose loop liveness also watches (from its start until it stops).
    public func watchStrategies(_ engine: StrategyEngine?) { strategies.withLock { $0 = engine } }

    /// Shutdown began: readiness fails from now on, while the listener still answers.
    public func markDraining() { phase.store(Phase.draining.rawValue, ordering: .relaxed) }

    /// `/healthz`.
    public func liveness() -> Verdict {
        let dispatcherAge = (monotonicClock.nowNanoseconds - dispatcher.lastTurn) / 1_000_000
        if dispatcherAge > Self.stallLimitMilliseconds {
            return Verdict(passes: false, reason: "dispatcher loop stalled for \(dispatcherAge) ms")
        }
        let storeAge = wallClock.nowMilliseconds - store.lastTurn
        if storeAge > Self.stallLimitMilliseconds {
            return Verdict(passes: false, reason: "store writer stalled for \(storeAge) ms")
        }
        if let engine = strategies.withLock({ $0 }), engine.isRunning {
            let engineAge = (monotonicClock.nowNanoseconds - engine.lastTurn) / 1_000_000
            if engineAge > Self.stallLimitMilliseconds {
                return Verdict(passes: false, reason: "strategy engine loop stalled for \(engineAge) ms")
            }
        }
        return Verdict(passes: true, reason: "ok")
    }

    /// `/readyz`.
    public func readiness() -> Verdict {
        switch Phase(rawValue: phase.load(ordering: .relaxed)) ?? .starting {
        case .starting: return Verdict(passes: false, reason: "starting")
        case .draining: return Verdict(passes: false, reason: "draining")
        case .serving: break
        }
        let live = liveness()
        guard live.passes else { return live }
        var info = statvfs()
        guard statvfs(stateDirectory, &info) == 0 else {
            return Verdict(
                passes: false, reason: "store: cannot check \(stateDirectory): \(String(cString: strerror(errno)))")
        }
        if info.f_flag & UInt(ST_RDONLY) != 0 {
            return Verdict(passes: false, reason: "store: \(stateDirectory) is on a read-only file system")
        }
        let free = UInt64(info.f_bavail) * UInt64(info.f_frsize)
        if free < Self.minimumFreeBytes {
            return Verdict(passes: false, reason: "store: \(free / 1024) KiB free in \(stateDirectory)")
        }
        return Verdict(passes: true, reason: "ready")
    }
}

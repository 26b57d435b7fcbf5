public import ControlProtocol
import Synchronization

/// Broadcasts committed state changes to `subscribe` clients without ever making the store wait for one.
///
/// The store's writer publishes after each commit; each subscriber's sink queues the lines onto its connection's
/// event loop and reports whether it still wants them. A sink that cannot keep up tells its client it lagged
/// (and from when to resume) and is dropped, so a slow subscriber costs dispatch nothing.
public final class ChangeFeed: Sendable {
    /// What a subscriber wants; `nil` lists mean everything.
    ///
    /// `channels`, `categories` and `states` describe messages: a line of another kind has none of those fields,
    /// so any of them set admits message states only (a subscriber filtering on `states: [failed]` keeps the
    /// stream it had before runs existed).
    public struct Filter: Sendable {
        public var channels: Set<String>?
        public var categories: Set<String>?
        public var states: Set<MessageState>?
        public var kinds: Set<StateChange.Kind>?

        public init(
            channels: Set<String>? = nil, categories: Set<String>? = nil, states: Set<MessageState>? = nil,
            kinds: Set<StateChange.Kind>? = nil
        ) {
            self.channels = channels
            self.categories = categories
            self.states = states
            self.kinds = kinds
        }

        public func admits(_ change: StateChange) -> Bool {
            guard kinds?.contains(change.kind) ?? true else { return false }
            guard change.kind == .state else { return channels == nil && categories == nil && states == nil }
            return (channels?.contains(change.channel) ?? true) && (categories?.contains(change.category) ?? true)
                && (states?.contains(change.state) ?? true)
        }
    }

    /// Where a subscriber's lines go: returns `false` once it no longer wants any (it lagged or disconnected).
    public typealias Sink = @Sendable (_ lines: [String], _ lastAt: Int64) -> Bool

    private let subscribers = Mutex<[Int: (filter: Filter, sink: Sink)]>([:])
    private let nextID = Atomic<Int>(0)
    private let count = Atomic<Int>(0)

    public init() {}

    /// Whether anyone listens: the writer builds changes only then.
    public var isActive: Bool { count.load(ordering: .relaxed) > 0 }

    /// Adds a subscriber; returns its id for ``unsubscribe(_:)``.
    @discardableResult
    public func subscribe(_ filter: Filter, sink: @escaping Sink) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        subscribers.withLock { $0[id] = (filter, sink) }
        count.add(1, ordering: .relaxed)
        return id
    }

    public func unsubscribe(_ id: Int) {
        if subscribers.withLock({ $0.removeValue(forKey: id) }) != nil { count.subtract(1, ordering: .relaxed) }
    }

    /// Hands committed changes to every subscriber whose filter admits them; a backend calls it after each
    /// commit, in commit order.
    public func publish(_ changes: [StateChange]) {
        guard !changes.isEmpty else { return }
        let current = subscribers.withLock { $0 }
        for (id, subscriber) in current {
            let admitted = changes.filter(subscriber.filter.admits)
            guard let last = admitted.last else { continue }
            if !subscriber.sink(admitted.map(\.line), last.at) { unsubscribe(id) }
        }
    }
}

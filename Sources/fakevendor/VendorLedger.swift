import Synchronization

/// Counters shared by every connection: message ids handed out, refs seen, and refs that already failed once.
final class VendorLedger: Sendable {
    private struct State {
        var received = 0
        var nextMessageID = 0
        var refs = Set<String>()
        var flakyRefs = Set<String>()
    }

    private let state = Mutex(State())

    /// Counts one POST for `ref`.
    func record(ref: String) {
        state.withLock { state in
            state.received += 1
            state.refs.insert(ref)
        }
    }

    /// Returns a fresh vendor message id, `fv-1`, `fv-2`, ….
    func nextMessageID() -> String {
        let number = state.withLock { state in
            state.nextMessageID += 1
            return state.nextMessageID
        }
        return "fv-\(number)"
    }

    /// Whether this is the first `/flaky/send` request for `ref` (which therefore must fail).
    func isFirstFlakyAttempt(ref: String) -> Bool {
        state.withLock { $0.flakyRefs.insert(ref).inserted }
    }

    /// The `/stats` answer: every POST, distinct refs, and the repeats.
    func statsJSON() -> String {
        let (received, unique) = state.withLock { ($0.received, $0.refs.count) }
        return #"{"received":\#(received),"unique":\#(unique),"duplicates":\#(received - unique)}"#
    }
}

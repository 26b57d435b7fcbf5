import ChannelKit
import Synchronization

/// Operator controls on the dispatcher thread: cancel's withdrawal, pause and resume, and freezing an instance
/// while its queue moves.
extension Dispatcher {
    /// Withdraws a queued message for `cancel`: `completion(true)` once it cannot start any more (until
    /// ``settleWithdrawal(_:cancelled:)``), `false` if its request is with the vendor now.
    public func withdraw(_ sequence: Int64, channel: String, completion: @escaping @Sendable (Bool) -> Void) {
        enqueue(.withdraw(sequence: sequence, channel: channel, completion: completion))
    }

    /// Ends a withdrawal: a cancelled message is forgotten; one whose cancellation did not commit goes back.
    public func settleWithdrawal(_ sequence: Int64, cancelled: Bool) {
        enqueue(.settleWithdrawal(sequence: sequence, cancelled: cancelled))
    }

    /// Pauses or resumes an instance (the caller has persisted it).
    public func setPaused(_ channel: String, _ paused: Bool) {
        counters.withLock { $0[channel]?.paused = paused }
        enqueue(.setPaused(channel: channel, paused: paused))
    }

    /// Freezes a held or paused instance with nothing in flight so its queue can move: `completion(false)`
    /// when it is active or busy.
    public func freeze(_ channel: String, completion: @escaping @Sendable (Bool) -> Void) {
        enqueue(.freeze(channel: channel, completion: completion))
    }

    /// Ends a freeze; `moved` messages left the instance's queue.
    public func thaw(_ channel: String, moved: Int) {
        enqueue(.thaw(channel: channel, moved: moved))
    }

    /// The loaded messages of a page that `cancel` has not withdrawn; withdrawn ones are kept aside with their
    /// withdrawal, to put back if it does not commit.
    func keepWithdrawn(_ page: [StoredMessage]) -> [StoredMessage] {
        guard !withdrawals.isEmpty else { return page }
        return page.filter { stored in
            guard withdrawals[stored.sequence] != nil else { return true }
            withdrawals[stored.sequence]?.stored = stored
            return false
        }
    }

    func handle(_ command: OperatorCommand) {
        switch command {
        case .withdraw(let sequence, let channel, let completion):
            guard !inFlightSequences.contains(sequence) else {
                completion(false)
                return
            }
            guard let index = laneIndex[channel] else {
                withdrawals[sequence] = (lane: -1, stored: nil)
                completion(true)
                return
            }
            var found: StoredMessage?
            for queue in lanes[index].queues.indices where found == nil {
                found = lanes[index].queues[queue].remove(sequence: sequence)
            }
            withdrawals[sequence] = (lane: index, stored: found)
            completion(true)
        case .settleWithdrawal(let sequence, let cancelled):
            guard let withdrawal = withdrawals.removeValue(forKey: sequence) else { return }
            if cancelled {
                let name = withdrawal.lane >= 0 ? lanes[withdrawal.lane].name : nil
                if let name { counters.withLock { $0[name]?.queued -= 1 } }
            } else if let stored = withdrawal.stored, withdrawal.lane >= 0 {
                let queue = min(max(StoreSchema.priority(of: stored.message.category.name), 0), 2)
                lanes[withdrawal.lane].queues[queue].schedule(stored)
            }
        case .setPaused(let channel, let paused):
            if paused { pausedNames.insert(channel) } else { pausedNames.remove(channel) }
            guard let index = laneIndex[channel] else { return }
            lanes[index].isPaused = paused
        case .freeze(let channel, let completion):
            guard let index = laneIndex[channel], lanes[index].isHeld || lanes[index].isPaused,
                lanes[index].inFlight == 0
            else {
                completion(laneIndex[channel] == nil)
                return
            }
            lanes[index].isFrozen = true
            for queue in lanes[index].queues.indices { lanes[index].queues[queue].reset() }
            completion(true)
        case .thaw(let channel, let moved):
            counters.withLock { $0[channel]?.queued -= moved }
            guard let index = laneIndex[channel] else { return }
            lanes[index].isFrozen = false
        }
    }
}

extension Dispatcher {
    /// Keeps the instance's vendor health (`channels`, `health`, `/metrics`) current with each outcome.
    func noteVendorOutcome(_ outcome: SendOutcome, lane index: Int) {
        let name = lanes[index].name
        let now = wallClock.nowMilliseconds
        switch outcome {
        case .accepted:
            counters.withLock { $0[name]?.vendor.succeeded(at: now) }
        case .retry(let reason, _), .reject(let reason):
            counters.withLock { $0[name]?.vendor.failed(reason, at: now) }
        case .partial:
            break  // split into one outcome per recipient, each noted on its own
        }
    }
}

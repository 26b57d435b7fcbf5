import ChannelKit
import GatewayStore
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
        // Published at once, so the operator's next `channels` shows it; the dispatcher thread follows.
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
            guard let index = instanceIndex[channel] else {
                withdrawals[sequence] = (instance: -1, stored: nil)
                completion(true)
                return
            }
            var found: StoredMessage?
            for lane in PriorityLane.allCases where found == nil {
                found = instances[index].queues[lane].remove(sequence: sequence)
            }
            withdrawals[sequence] = (instance: index, stored: found)
            completion(true)
        case .settleWithdrawal(let sequence, let cancelled):
            guard let withdrawal = withdrawals.removeValue(forKey: sequence) else { return }
            if cancelled {
                let name = withdrawal.instance >= 0 ? instances[withdrawal.instance].name : nil
                // Counting held messages only, one never paged in here was never counted here.
                if let name, !countsHeldMessages || withdrawal.stored != nil {
                    counters.withLock { $0[name]?.queued -= 1 }
                }
            } else if let stored = withdrawal.stored, withdrawal.instance >= 0 {
                instances[withdrawal.instance].queues[stored.lane].schedule(stored)
            }
        case .setPaused(let channel, let paused):
            if paused { pausedNames.insert(channel) } else { pausedNames.remove(channel) }
        case .freeze(let channel, let completion):
            guard let index = instanceIndex[channel], instances[index].isHeld || isPaused(index),
                instances[index].inFlight == 0
            else {
                completion(instanceIndex[channel] == nil)
                return
            }
            instances[index].isFrozen = true
            for lane in PriorityLane.allCases { instances[index].queues[lane].reset() }
            // Nothing is in flight and the windows are empty: this node holds none of the instance's messages.
            if countsHeldMessages { counters.withLock { $0[channel]?.queued = 0 } }
            completion(true)
        case .thaw(let channel, let moved):
            if !countsHeldMessages { counters.withLock { $0[channel]?.queued -= moved } }
            guard let index = instanceIndex[channel] else { return }
            instances[index].isFrozen = false
        }
    }
}

import ChannelKit
import Foundation
import GatewayConfig
import GatewayStore

/// Where a `send` step may go, in preference order: its listed instances, or for `channel: auto` the customer's
/// channel types ranked by learned engagement (else the configured fallback order), each with its address.
///
/// Pure: the same inputs give the same order, exploration included (its draw is seeded by the run id and
/// visit, so a replayed advance chooses alike). Opt-outs, caps and quiet hours are not decided here: the store
/// admits the candidates in this order at send time and skips those it must.
enum ChannelChooser {
    /// One way to send: an instance, its channel type and the customer's address there.
    struct Candidate: Sendable, Equatable {
        var instance: String
        var channelType: String
        var address: String
    }

    /// The instances the chooser may use now.
    struct Instances: Sendable {
        /// Active instance → its channel type.
        var kinds: [String: String]
        /// Active instances that should not get new sends now (paused, degraded); used only if nothing else is.
        var unhealthy: Set<String>

        init(kinds: [String: String], unhealthy: Set<String> = []) {
            self.kinds = kinds
            self.unhealthy = unhealthy
        }
    }

    /// The candidates, or why there are none (`no_channel`, `no_address`).
    enum Choice: Sendable, Equatable {
        case candidates([Candidate])
        case unavailable(String)
    }

    /// Orders the candidates of one send.
    /// - Parameters:
    ///   - channels: the step's `channel`.
    ///   - customer: addresses and scores.
    ///   - instances: what is configured and healthy now.
    ///   - affinity: `strategies.affinity`.
    ///   - now: epoch ms, to decay scores.
    ///   - runID, visit: the exploration draw's seed.
    static func choose(
        _ channels: SendStep.Channels, customer: CustomerFacts, instances: Instances, affinity: AffinitySettings,
        now: Int64, runID: Int64, visit: Int
    ) -> Choice {
        let names: [String]
        switch channels {
        case .instances(let listed):
            names = listed.filter { instances.kinds[$0] != nil }
        case .auto:
            let types = rankedTypes(customer: customer, instances: instances, affinity: affinity, now: now)
            let order = explore(types, share: affinity.exploration, runID: runID, visit: visit)
            names = order.flatMap { affinity.instances[$0] ?? [] }.filter { instances.kinds[$0] != nil }
        }
        guard !names.isEmpty else { return .unavailable("no_channel") }
        // A paused or degraded instance is skipped while another can take the send, not when it is the only one:
        // its queue waits for it, where suppressing would lose the step.
        let healthy = names.filter { !instances.unhealthy.contains($0) }
        var result: [Candidate] = []
        for name in healthy.isEmpty ? names : healthy {
            guard let type = instances.kinds[name], let address = customer.addresses[type], !address.isEmpty else {
                continue
            }
            result.append(Candidate(instance: name, channelType: type, address: address))
        }
        return result.isEmpty ? .unavailable("no_address") : .candidates(result)
    }

    /// The channel types `auto` may use for this customer (an address and an active instance), best first:
    /// by decayed score once the evidence rule holds, else in the fallback order (types not listed there last).
    static func rankedTypes(
        customer: CustomerFacts, instances: Instances, affinity: AffinitySettings, now: Int64
    ) -> [String] {
        let eligible = affinity.instances.keys.filter { type in
            guard let address = customer.addresses[type], !address.isEmpty else { return false }
            return (affinity.instances[type] ?? []).contains { instances.kinds[$0] != nil }
        }
        let fallbackRank = Dictionary(
            affinity.fallback.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let byFallback = eligible.sorted { lhs, rhs in
            let left = fallbackRank[lhs] ?? Int.max
            let right = fallbackRank[rhs] ?? Int.max
            return left != right ? left < right : lhs < rhs
        }
        guard hasEvidence(customer.scores, affinity: affinity) else { return byFallback }
        let position = Dictionary(uniqueKeysWithValues: byFallback.enumerated().map { ($1, $0) })
        let halfLife = Double(max(1, affinity.halfLife.milliseconds))
        let scores = Dictionary(
            uniqueKeysWithValues: byFallback.map { type in
                (type, score(customer.scores[type], now: now, halfLife: halfLife))
            })
        return byFallback.sorted { lhs, rhs in
            let left = scores[lhs] ?? 0.5
            let right = scores[rhs] ?? 0.5
            if left != right { return left > right }
            let leftEngaged = customer.scores[lhs]?.lastEngagedAt ?? .min
            let rightEngaged = customer.scores[rhs]?.lastEngagedAt ?? .min
            if leftEngaged != rightEngaged { return leftEngaged > rightEngaged }
            return position[lhs]! < position[rhs]!
        }
    }

    /// Whether there are enough sends on enough channel types to trust the scores.
    static func hasEvidence(_ scores: [String: ChannelScoreRow], affinity: AffinitySettings) -> Bool {
        let tried = scores.values.filter { $0.sendsTotal > 0 }
        return tried.reduce(0) { $0 + $1.sendsTotal } >= affinity.minSends && tried.count >= affinity.minChannels
    }

    /// `(E + 1) / (S + 2)` with both decayed to `now`; an untried channel scores 0.5.
    static func score(_ row: ChannelScoreRow?, now: Int64, halfLife: Double) -> Double {
        guard let row else { return 0.5 }
        let factor = pow(2, -Double(max(0, now - row.updatedAt)) / halfLife)
        return (row.engagements * factor + 1) / (row.sends * factor + 2)
    }

    /// With probability `share` (a draw seeded by run and visit), moves a random other type to the front.
    static func explore(_ types: [String], share: Double, runID: Int64, visit: Int) -> [String] {
        guard types.count > 1, share > 0 else { return types }
        var generator = SplitMix64(seed: UInt64(bitPattern: runID) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(visit))
        let draw = Double(generator.next() >> 11) / Double(1 << 53)
        guard draw < share else { return types }
        var order = types
        let pick = 1 + Int(generator.next() % UInt64(types.count - 1))
        let chosen = order.remove(at: pick)
        order.insert(chosen, at: 0)
        return order
    }
}

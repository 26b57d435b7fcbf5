import Foundation
public import GatewayConfig

/// Channel affinity arithmetic (design §7), pure: decayed sends `S` and engagements `E` per customer and channel
/// type, the score `(E + 1)/(S + 2)` (an untried channel is 0.5), and which type earns the `prefers:<type>` tag.
///
/// Decay is applied lazily on each update, `f = 2^(−Δt/half_life)`, so a row costs nothing while untouched and
/// old behaviour fades without a sweep.
public struct ChannelScore: Sendable, Equatable {
    /// Half-life in ms.
    public var halfLife: Int64
    /// Undecayed sends needed over at least `minChannels` types before a ranking is trusted.
    public var minSends: Int
    public var minChannels: Int
    /// Score lead that earns the tag; the tag is lost below half of it (hysteresis).
    public var preferMargin: Double

    public init(halfLife: Int64, minSends: Int = 3, minChannels: Int = 2, preferMargin: Double = 0.2) {
        self.halfLife = max(1, halfLife)
        self.minSends = minSends
        self.minChannels = minChannels
        self.preferMargin = preferMargin
    }

    public init(_ settings: AffinitySettings) {
        let (seconds, attoseconds) = settings.halfLife.components
        self.init(
            halfLife: seconds * 1000 + attoseconds / 1_000_000_000_000_000, minSends: settings.minSends,
            minChannels: settings.minChannels, preferMargin: settings.preferMargin)
    }

    /// The tag prefix; the rest is the channel type.
    public static let tagPrefix = "prefers:"

    /// `row` decayed to `now` (unchanged when `now` is not later).
    public func decayed(_ row: ChannelScoreRow, to now: Int64) -> ChannelScoreRow {
        guard now > row.updatedAt else { return row }
        let factor = Self.factor(elapsed: now - row.updatedAt, halfLife: halfLife)
        var decayed = row
        decayed.sends *= factor
        decayed.engagements *= factor
        decayed.updatedAt = now
        return decayed
    }

    /// `2^(−elapsed/halfLife)`.
    public static func factor(elapsed: Int64, halfLife: Int64) -> Double {
        exp2(-Double(elapsed) / Double(max(1, halfLife)))
    }

    /// The row after one admitted send at `now`.
    public func afterSend(_ row: ChannelScoreRow?, at now: Int64) -> ChannelScoreRow {
        var next = row.map { decayed($0, to: now) } ?? Self.empty(at: now)
        next.sends += 1
        next.sendsTotal += 1
        return next
    }

    /// The row after a touch's first open or click at `now` (at most one per touch).
    public func afterEngagement(_ row: ChannelScoreRow?, at now: Int64) -> ChannelScoreRow {
        var next = row.map { decayed($0, to: now) } ?? Self.empty(at: now)
        next.engagements += 1
        next.lastEngagedAt = now
        return next
    }

    /// `(E + 1)/(S + 2)`: Laplace's rule, so a channel never tried scores 0.5 and one send without response 0.33.
    public static func score(_ row: ChannelScoreRow) -> Double { (row.engagements + 1) / (row.sends + 2) }

    /// Whether the rows hold enough evidence for a learned ranking.
    public func hasEvidence(_ rows: [String: ChannelScoreRow]) -> Bool {
        let tried = rows.values.filter { $0.sendsTotal > 0 }
        return tried.reduce(0) { $0 + $1.sendsTotal } >= minSends && tried.count >= minChannels
    }

    /// Channel types best first, scores decayed to `now`; ties go to the latest engagement, then the name.
    public func ranked(_ rows: [String: ChannelScoreRow], at now: Int64) -> [(type: String, score: Double)] {
        rows.map { type, row -> (String, Double, Int64) in
            let row = decayed(row, to: now)
            return (type, Self.score(row), row.lastEngagedAt ?? .min)
        }
        .sorted { lhs, rhs in
            if lhs.1 != rhs.1 { return lhs.1 > rhs.1 }
            if lhs.2 != rhs.2 { return lhs.2 > rhs.2 }
            return lhs.0 < rhs.0
        }
        .map { (type: $0.0, score: $0.1) }
    }

    /// The type that should hold `prefers:<type>` now, or `nil` for none.
    ///
    /// Earned when evidence holds, the leader has engaged (`E` of at least one engagement, allowing for decay over
    /// up to one half-life) and leads the runner-up by `preferMargin`; a holder (`current`) keeps it while it
    /// still leads by half the margin, so a customer's tag does not flap with every send.
    public func preferred(_ rows: [String: ChannelScoreRow], current: String?, at now: Int64) -> String? {
        guard hasEvidence(rows) else { return nil }
        let ranking = ranked(rows, at: now)
        guard let leader = ranking.first else { return nil }
        let lead = leader.score - (ranking.dropFirst().first?.score ?? 0.5)
        let engaged = rows[leader.type].map { decayed($0, to: now).engagements >= 0.5 } ?? false
        guard engaged else { return nil }
        if leader.type == current { return lead >= preferMargin / 2 ? current : nil }
        return lead >= preferMargin - 1e-12 ? leader.type : nil
    }

    private static func empty(at now: Int64) -> ChannelScoreRow {
        ChannelScoreRow(sends: 0, engagements: 0, sendsTotal: 0, lastEngagedAt: nil, updatedAt: now)
    }
}

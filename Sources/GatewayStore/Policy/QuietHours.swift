public import ChannelKit
import Foundation
public import GatewayConfig

/// Quiet-hours rules with their time zone: when a category may next be sent on a channel type.
public struct QuietHours: Sendable {
    private let rules: [QuietHoursRule]
    private let zone: TimeZone
    private static let day: Int64 = 86_400_000

    /// - Parameters:
    ///   - rules: the configured rules.
    ///   - timeZone: the IANA zone they are read in (UTC if unknown; the loader has already checked it).
    public init(rules: [QuietHoursRule], timeZone: String) {
        self.rules = rules
        self.zone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!
    }

    /// Whether any rule holds back this category on this channel type.
    public func covers(_ category: MessageCategory, channelType: String) -> Bool {
        rules.contains { $0.applies(to: category, channelType: channelType) }
    }

    /// The earliest time at or after `time` (epoch ms) when every applicable rule allows sending.
    public func earliestAllowed(_ category: MessageCategory, channelType: String, from time: Int64) -> Int64 {
        let applicable = rules.filter { $0.applies(to: category, channelType: channelType) }
        var candidate = time
        // Each pass moves to the next opening of a closed rule; rules whose windows never overlap give up after a
        // few rounds rather than loop (the last candidate is still an opening of one of them).
        for _ in 0..<8 {
            var moved = false
            for rule in applicable {
                let opening = nextOpening(of: rule, from: candidate)
                if opening != candidate {
                    candidate = opening
                    moved = true
                }
            }
            if !moved { break }
        }
        return candidate
    }

    /// `time` if the rule allows it, else the next start of its window.
    func nextOpening(of rule: QuietHoursRule, from time: Int64) -> Int64 {
        let offset = offsetMilliseconds(at: time)
        let local = time + offset
        let dayStart = local - floorMod(local, Self.day)
        let minute = Int(floorMod(local, Self.day) / 60_000)
        let open =
            rule.allowedFrom < rule.allowedUntil
            ? (rule.allowedFrom..<rule.allowedUntil).contains(minute)
            : minute >= rule.allowedFrom || minute < rule.allowedUntil
        if open { return time }
        var opening = dayStart + Int64(rule.allowedFrom) * 60_000
        if opening <= local { opening += Self.day }
        // Convert back with the offset in force at the opening (a DST change may lie in between).
        return opening - offsetMilliseconds(at: opening - offset)
    }

    private func offsetMilliseconds(at time: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
    }

    private func floorMod(_ value: Int64, _ modulus: Int64) -> Int64 {
        let remainder = value % modulus
        return remainder < 0 ? remainder + modulus : remainder
    }
}

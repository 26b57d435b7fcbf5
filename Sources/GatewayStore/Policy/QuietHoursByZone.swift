import Foundation
public import GatewayConfig
import Synchronization

/// Quiet hours read in other zones than the configured one (a customer's own zone), compiled once per zone:
/// looking a zone up costs far more than the check itself, and a strategy send asks for it every time.
final class QuietHoursByZone: Sendable {
    private let rules: [QuietHoursRule]
    private let compiled = Mutex<[String: QuietHours]>([:])
    /// Zones kept at most; beyond it the cache starts over (customers' zones are few in practice).
    private static let limit = 512

    init(rules: [QuietHoursRule]) {
        self.rules = rules
    }

    /// The rules read in `zone`, or `nil` if the zone is unknown (the caller then uses the configured zone).
    func quietHours(in zone: String) -> QuietHours? {
        if let known = compiled.withLock({ $0[zone] }) { return known }
        guard TimeZone(identifier: zone) != nil else { return nil }
        let quietHours = QuietHours(rules: rules, timeZone: zone)
        compiled.withLock { cache in
            if cache.count >= Self.limit { cache.removeAll() }
            cache[zone] = quietHours
        }
        return quietHours
    }
}

package import ChannelKit
package import GatewayConfig

/// The policies a send passes on its way into the store, compiled from ``PolicyConfiguration``.
///
/// Applied by the store's writer thread inside the accepting transaction, so cap counts are exact however many
/// clients send for the same customer at once, and they survive a restart with the rows they count.
package struct AdmissionPolicy: Sendable {
    let caps: [FrequencyCap]
    let quietHours: QuietHours
    package let keywords: OptOutKeywords
    private let defaultZone: String
    private let zones: QuietHoursByZone

    package init(_ configuration: PolicyConfiguration) {
        caps = configuration.caps
        quietHours = QuietHours(rules: configuration.quietHours, timeZone: configuration.timeZone)
        keywords = OptOutKeywords(configuration.optOutKeywords)
        defaultZone = configuration.timeZone
        zones = QuietHoursByZone(rules: configuration.quietHours)
    }

    /// Quiet hours read in a customer's zone (a strategy send), else in the configured zone.
    func quietHours(in zone: String?) -> QuietHours {
        guard let zone, zone != defaultZone else { return quietHours }
        return zones.quietHours(in: zone) ?? quietHours
    }

    /// The caps that count a category (none for `critical`).
    package func caps(for category: MessageCategory) -> [FrequencyCap] {
        category == .critical ? [] : caps.filter { $0.category == category }
    }

    /// How far back cap counting looks: counted sends older than this are pruned.
    package var longestWindow: Int64 { caps.map(\.per.milliseconds).max() ?? 0 }
}

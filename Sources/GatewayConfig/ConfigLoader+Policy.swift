import ChannelKit
internal import Foundation

extension ConfigLoader {
    /// The policy keys of `gateway.yaml`, documented on ``PolicyConfiguration``.
    static let policyKeys = ["timezone", "frequency_caps", "quiet_hours", "optout_keywords"]

    /// Reads the policy keys of `gateway.yaml`, reporting every problem at its position.
    func readPolicy(_ map: ConfigMap, issues: ConfigIssueCollector) -> PolicyConfiguration {
        var policy = PolicyConfiguration()
        if let zone = map.scalar("timezone") {
            if TimeZone(identifier: zone.text) == nil {
                issues.error(
                    zone.mark, "unknown time zone '\(zone.text)' for 'timezone' (an IANA name such as Asia/Shanghai)")
            } else {
                policy.timeZone = zone.text
            }
        }
        if let caps = map.node("frequency_caps") { policy.caps = readCaps(caps, issues: issues) }
        if let rules = map.node("quiet_hours") { policy.quietHours = readQuietHours(rules, issues: issues) }
        if let keywords = map.scalarList("optout_keywords") {
            if keywords.contains(where: { $0.text.trimmingCharacters(in: .whitespaces).isEmpty }) {
                map.error("optout_keywords", "'optout_keywords' must not contain empty words")
            } else {
                policy.optOutKeywords = keywords.map(\.text)
            }
        }
        return policy
    }

    private func readCaps(_ node: ConfigNode, issues: ConfigIssueCollector) -> [FrequencyCap] {
        let categories = ["transactional", "marketing"]
        guard
            let byCategory = ConfigMap(node, context: "frequency_caps", keys: categories + ["critical"], issues: issues)
        else { return [] }
        if byCategory.contains("critical") {
            byCategory.error("critical", "critical messages are never capped (only vendor rate limits apply)")
        }
        var caps: [FrequencyCap] = []
        for name in categories {
            guard let list = byCategory.node(name), let category = MessageCategory(name: name) else { continue }
            guard case .sequence(let items, _) = list else {
                issues.error(list.mark, "expected a list of caps for '\(name)', found \(list.kindName)")
                continue
            }
            for item in items {
                guard
                    let cap = ConfigMap(
                        item, context: "frequency_caps.\(name)[]", keys: ["name", "max", "per", "per_channel"],
                        issues: issues)
                else { continue }
                let max = cap.int("max", in: 1...1_000_000, required: true)
                let per = cap.duration("per", in: .seconds(60)...(.seconds(366 * 86_400)), required: true)
                let perChannel = cap.bool("per_channel") ?? false
                guard let max, let per else { continue }
                let label =
                    cap.string("name")
                    ?? "\(name)-\(max)-per-\(ConfigDuration.format(per))\(perChannel ? "-per-channel" : "")"
                if caps.contains(where: { $0.name == label }) {
                    issues.error(item.mark, "two frequency caps are named '\(label)'; give each a distinct 'name'")
                    continue
                }
                caps.append(FrequencyCap(name: label, category: category, max: max, per: per, perChannel: perChannel))
            }
        }
        return caps
    }

    private func readQuietHours(_ node: ConfigNode, issues: ConfigIssueCollector) -> [QuietHoursRule] {
        guard case .sequence(let items, _) = node else {
            issues.error(node.mark, "expected a list of rules for 'quiet_hours', found \(node.kindName)")
            return []
        }
        var rules: [QuietHoursRule] = []
        for item in items {
            guard
                let rule = ConfigMap(
                    item, context: "quiet_hours[]", keys: ["categories", "channels", "allowed"], issues: issues)
            else { continue }
            var categories: [MessageCategory] = [.marketing]
            if let names = rule.scalarList("categories") {
                categories = []
                for scalar in names {
                    if scalar.text == "critical" {
                        issues.error(scalar.mark, "critical messages are never held by quiet hours")
                    } else if let category = MessageCategory(name: scalar.text) {
                        categories.append(category)
                    } else {
                        issues.error(scalar.mark, "unknown category '\(scalar.text)' (transactional or marketing)")
                    }
                }
            }
            let channels = rule.scalarList("channels")
            for scalar in channels ?? [] where !kinds.contains(where: { $0.name == scalar.text }) {
                issues.error(
                    scalar.mark,
                    "unknown channel type '\(scalar.text)' in 'channels' (one of: \(kinds.map(\.name).joined(separator: ", ")))"
                )
            }
            guard let allowed = rule.scalar("allowed", required: true) else { continue }
            guard let window = Self.dailyWindow(allowed.text) else {
                issues.error(
                    allowed.mark, "expected 'allowed' as HH:MM-HH:MM (e.g. 08:00-21:00), found '\(allowed.text)'")
                continue
            }
            rules.append(
                QuietHoursRule(
                    categories: categories, channelTypes: channels?.map(\.text), allowedFrom: window.from,
                    allowedUntil: window.until))
        }
        return rules
    }

    /// Parses `HH:MM-HH:MM` into minutes after midnight; `nil` if malformed or empty.
    static func dailyWindow(_ text: String) -> (from: Int, until: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let from = minutes(parts[0]), let until = minutes(parts[1]), from != until else {
            return nil
        }
        return (from, until)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let pieces = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count == 2, pieces[0].count == 2, pieces[1].count == 2, let hour = Int(pieces[0]),
            let minute = Int(pieces[1]), (0...24).contains(hour), (0...59).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }
}

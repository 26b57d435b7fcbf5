import ChannelKit

extension StrategySettings {
    /// The keys of `strategies:` in gateway.yaml.
    static let keys = [
        "commit_budget", "max_fire_rate", "catch_up_rate", "catch_up_max_backlog", "horizon_entries",
        "quiet_hours_spread", "enrol_key_window", "affinity",
    ]
    /// The keys of `strategies.affinity`.
    static let affinityKeys = [
        "half_life", "min_sends", "min_channels", "exploration", "prefer_margin", "fallback", "instances",
    ]

    /// Reads `strategies:`; bad values are reported and leave their defaults. Instances in `affinity.instances`
    /// are checked against the channels later (``checkInstances(_:channels:issues:)``), once they are loaded.
    /// - Returns: the settings, and where each `affinity.instances` name was written.
    static func read(
        _ map: ConfigMap, channelTypes: [String], issues: ConfigIssueCollector
    ) -> (settings: StrategySettings, instanceMarks: [(type: String, instance: String, mark: ConfigMark)]) {
        var settings = StrategySettings()
        var marks: [(type: String, instance: String, mark: ConfigMark)] = []
        if let value = map.int("commit_budget", in: 1...100_000) { settings.commitBudget = value }
        if let value = map.int("max_fire_rate", in: 1...1_000_000) { settings.maxFireRate = value }
        if let value = map.int("catch_up_rate", in: 1...1_000_000) { settings.catchUpRate = value }
        if let value = map.int("catch_up_max_backlog", in: 100...10_000_000) { settings.catchUpMaxBacklog = value }
        if let value = map.int("horizon_entries", in: 1000...1_000_000) { settings.horizonEntries = value }
        if let value = map.duration("quiet_hours_spread", in: .zero...(.seconds(86_400))) {
            settings.quietHoursSpread = value
        }
        if let value = map.duration("enrol_key_window", in: .seconds(60)...(.seconds(366 * 86_400))) {
            settings.enrolKeyWindow = value
        }
        guard let affinity = map.map("affinity", keys: affinityKeys) else { return (settings, marks) }
        if let value = affinity.duration("half_life", in: .seconds(60)...(.seconds(3650 * 86_400))) {
            settings.affinity.halfLife = value
        }
        if let value = affinity.int("min_sends", in: 1...1000) { settings.affinity.minSends = value }
        if let value = affinity.int("min_channels", in: 1...5) { settings.affinity.minChannels = value }
        if let value = affinity.double("exploration", in: 0...0.5) { settings.affinity.exploration = value }
        if let value = affinity.double("prefer_margin", in: 0...1) { settings.affinity.preferMargin = value }
        if let list = affinity.scalarList("fallback") {
            var types: [String] = []
            for scalar in list {
                if !channelTypes.contains(scalar.text) {
                    issues.error(
                        scalar.mark,
                        "unknown channel type '\(scalar.text)' in 'fallback' (one of: \(channelTypes.joined(separator: ", ")))"
                    )
                } else if types.contains(scalar.text) {
                    issues.error(scalar.mark, "channel type '\(scalar.text)' is listed twice in 'fallback'")
                } else {
                    types.append(scalar.text)
                }
            }
            if list.isEmpty { affinity.error("fallback", "'fallback' must name at least one channel type") }
            settings.affinity.fallback = types
        }
        guard let node = affinity.node("instances") else { return (settings, marks) }
        guard case .mapping(let entries, _) = node else {
            issues.error(
                node.mark, "expected a mapping of channel type to instance(s) for 'instances', found \(node.kindName)")
            return (settings, marks)
        }
        for entry in entries {
            let type = entry.key.text
            guard channelTypes.contains(type) else {
                issues.error(
                    entry.key.mark,
                    "unknown channel type '\(type)' in 'instances' (one of: \(channelTypes.joined(separator: ", ")))")
                continue
            }
            if settings.affinity.instances[type] != nil {
                issues.error(entry.key.mark, "duplicate key '\(type)' in 'instances'")
                continue
            }
            var scalars: [ConfigScalar] = []
            switch entry.value {
            case .scalar(let scalar): scalars = [scalar]
            case .sequence(let items, _):
                var seen: Set<String> = []
                for item in items {
                    guard case .scalar(let scalar) = item else {
                        issues.error(
                            item.mark, "expected instance names in 'instances.\(type)', found \(item.kindName)")
                        continue
                    }
                    guard seen.insert(scalar.text).inserted else {
                        issues.error(scalar.mark, "instance '\(scalar.text)' is listed twice in 'instances.\(type)'")
                        continue
                    }
                    scalars.append(scalar)
                }
            case .mapping(_, let mark):
                issues.error(
                    mark, "expected an instance or a list of instances for 'instances.\(type)', found a mapping")
            }
            if scalars.isEmpty, case .sequence = entry.value {
                issues.error(entry.value.mark, "'instances.\(type)' must name at least one instance")
            }
            settings.affinity.instances[type] = scalars.map(\.text)
            marks += scalars.map { (type, $0.text, $0.mark) }
        }
        return (settings, marks)
    }

    /// Checks that every `affinity.instances` name is a configured instance of the type it is listed under.
    static func checkInstances(
        _ marks: [(type: String, instance: String, mark: ConfigMark)], channels: [String: String],
        issues: ConfigIssueCollector
    ) {
        for (type, instance, mark) in marks {
            guard let actual = channels[instance] else {
                issues.error(mark, "'affinity.instances.\(type)' names '\(instance)', which is no configured instance")
                continue
            }
            if actual != type {
                issues.error(mark, "'affinity.instances.\(type)' names '\(instance)', an instance of type '\(actual)'")
            }
        }
    }
}

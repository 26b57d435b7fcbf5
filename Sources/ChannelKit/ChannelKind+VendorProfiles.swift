extension ChannelKind {
    /// One value `vendor:` may take, and how to build its profile from an instance's settings.
    public struct VendorProfile: Sendable {
        /// The `vendor:` value.
        public let name: String
        /// Builds the instance (a ``VendorChannel`` over the profile) with the channel's label.
        let make: @Sendable (_ label: String, Setup, ConfigIssueCollector) -> (any ChannelAdapter)?

        /// - Parameters:
        ///   - name: the `vendor:` value.
        ///   - make: the profile's factory: reports every settings problem to the collector; `nil` if there were
        ///     any.
        public init<Profile: ChannelAdapter>(
            _ name: String, make: @escaping @Sendable (Setup, ConfigIssueCollector) -> Profile?
        ) {
            self.name = name
            self.make = { label, setup, issues in
                make(setup, issues).map {
                    VendorChannel(label: label, instance: setup.instance, vendor: setup.vendor ?? name, profile: $0)
                }
            }
        }
    }

    /// A kind whose `vendor:` picks one of `profiles`; a missing or unknown vendor is reported.
    /// - Parameters:
    ///   - name: the `type:` value.
    ///   - label: the channel's type name, which instances show in logs (`SMSChannel`).
    ///   - profiles: the vendor profiles, in documentation order.
    public init(name: String, label: String, profiles: [VendorProfile]) {
        let names = profiles.map(\.name)
        self.init(name: name, vendors: names) { setup, issues in
            guard let vendor = setup.vendor, let profile = profiles.first(where: { $0.name == vendor }) else {
                issues.error(
                    setup.mark,
                    "channel type '\(name)' needs 'vendor' set to one of: \(names.joined(separator: ", "))")
                return nil
            }
            return profile.make(label, setup, issues)
        }
    }
}

/// A channel type the gateway can instantiate from YAML: `type:` picks the kind, `vendor:` its profile.
///
/// The daemon keeps one explicit list of kinds (`BuiltinChannels.swift`); nothing is registered by side effect.
public struct ChannelKind: Sendable {
    /// What the factory is given to build one instance.
    public struct Setup: Sendable {
        /// The instance name (the `channels.d` file name without `.yaml`).
        public var instance: String
        /// The `vendor:` value, already checked to be one of ``ChannelKind/vendors``.
        public var vendor: String?
        /// The `settings:` mapping, with `credential:`/`env:`/`file:` values already resolved to secrets.
        public var settings: ConfigNode?
        /// Where the instance's `settings:` key sits (or its file, when absent), for issues about it.
        public var mark: ConfigMark

        public init(instance: String, vendor: String?, settings: ConfigNode?, mark: ConfigMark) {
            self.instance = instance
            self.vendor = vendor
            self.settings = settings
            self.mark = mark
        }
    }

    /// The YAML `type:` value (`sms`, `loopback`, …).
    public let name: String
    /// The vendor profiles `vendor:` may name; empty when the kind has none and `vendor:` must be absent.
    public let vendors: [String]
    /// Builds an adapter, reporting every settings problem to `issues`; returns `nil` if there were any.
    public let make: @Sendable (Setup, ConfigIssueCollector) -> (any ChannelAdapter)?

    /// - Parameters:
    ///   - name: the `type:` value.
    ///   - vendors: the allowed `vendor:` values.
    ///   - make: the factory.
    public init(
        name: String,
        vendors: [String] = [],
        make: @escaping @Sendable (Setup, ConfigIssueCollector) -> (any ChannelAdapter)?
    ) {
        self.name = name
        self.vendors = vendors
        self.make = make
    }
}

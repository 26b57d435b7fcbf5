public import ChannelKit
public import Testing

/// What one vendor profile (or a kind without profiles) must offer, declared by hand from its README: the exact
/// ``AdapterCapability`` set its instance has with its golden settings, and the settings that turn a
/// settings-dependent capability on.
///
/// Declared, not derived from the code, so a profile that loses a conformance (or gains one nobody documented)
/// fails the conformance suite instead of quietly falling back to the core's default.
public struct DeclaredCapabilities: Sendable, CustomTestStringConvertible {
    /// Settings that turn one capability on: with them the instance has it, without them it does not, and
    /// nothing else changes.
    public struct SettingsSwitch: Sendable {
        /// The capability the settings turn on.
        public let capability: AdapterCapability
        /// The settings keys and values that turn it on (`credential:NAME` values get a file).
        public let settings: [String: JSONValue]
        /// Values for some of those credentials (keys that must parse), by name.
        public let keyFiles: [String: String]

        public init(_ capability: AdapterCapability, settings: [String: JSONValue], keyFiles: [String: String] = [:]) {
            self.capability = capability
            self.settings = settings
            self.keyFiles = keyFiles
        }
    }

    /// `kind/vendor`, or the kind's name when it has no profiles (a ``ConformanceSubject/testDescription``).
    public let profile: String
    /// The exact capabilities with the profile's golden settings.
    public let capabilities: Set<AdapterCapability>
    /// The settings that turn a settings-dependent capability on, if the profile has one.
    public let settingsSwitch: SettingsSwitch?

    public var testDescription: String { profile }

    public init(_ profile: String, _ capabilities: Set<AdapterCapability>, settingsSwitch: SettingsSwitch? = nil) {
        self.profile = profile
        self.capabilities = capabilities
        self.settingsSwitch = settingsSwitch
    }
}

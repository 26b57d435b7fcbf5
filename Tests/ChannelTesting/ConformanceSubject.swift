public import ChannelKit
import Foundation
public import Testing

/// What the conformance suite holds one vendor profile (or a kind without profiles) to: the instance file an
/// operator would write, and a message it can send.
public struct ConformanceSubject: Sendable, CustomTestStringConvertible {
    /// The kind's `type:` name.
    public let kind: String
    /// The `vendor:` profile, if the kind has profiles.
    public let vendor: String?
    /// The instance file (`type`, `vendor`, `settings`).
    public let yaml: String
    /// Values for some credentials (test keys that must parse), by name.
    public let keyFiles: [String: String]
    /// A message the instance accepts.
    public let message: OutboundMessage
    /// The `settings:` mapping, when the subject was built from one (``init(kind:vendor:settings:keyFiles:message:)``).
    public let settings: [String: JSONValue]?

    public var testDescription: String { vendor.map { "\(kind)/\($0)" } ?? kind }

    public init(kind: String, vendor: String?, yaml: String, keyFiles: [String: String] = [:], message: OutboundMessage)
    {
        self.kind = kind
        self.vendor = vendor
        self.yaml = yaml
        self.keyFiles = keyFiles
        self.message = message
        settings = nil
    }

    /// A profile's instance file written from its `settings:` mapping (as YAML flow, keys sorted).
    public init(
        kind: String, vendor: String, settings: [String: JSONValue], keyFiles: [String: String] = [:],
        message: OutboundMessage
    ) {
        self.kind = kind
        self.vendor = vendor
        yaml = "type: \(kind)\nvendor: \(vendor)\nsettings: \(YAMLFlow.text(.object(settings)))\n"
        self.keyFiles = keyFiles
        self.message = message
        self.settings = settings
    }

    /// A profile set up from its first golden send case under `Fixtures/<group>/`: that case's `settings.json`
    /// (as YAML) and its (first) message; `credential:NAME` gets the group's key file `NAME` if there is one.
    /// `nil` if the group has no send case with only `credential:` secrets.
    public init?(kind: String, vendor: String, fixtures: FixtureFolder, group: String) throws {
        for name in fixtures.cases(group, having: "settings.json") {
            let settingsText = try fixtures.text(group, name, "settings.json")
            // Inline secrets and credential names a file cannot have make no operator's file.
            let credentialNames = settingsText.matches(of: #/"credential:([^"]*)"/#).map { String($0.1) }
            guard !settingsText.contains("\"secret:"),
                credentialNames.allSatisfy({ $0.wholeMatch(of: #/[A-Za-z0-9_.-]+/#) != nil })
            else { continue }
            let messages =
                if fixtures.exists(group, name, "messages.json") {
                    OutboundMessage.fixtures(try fixtures.json(group, name, "messages.json"))
                } else if fixtures.exists(group, name, "message.json") {
                    [OutboundMessage(fixture: try fixtures.json(group, name, "message.json"))]
                } else {
                    [OutboundMessage]()
                }
            guard let message = messages.first else { continue }
            guard case .object(let settings) = try JSONParser.parse(settingsText) else { continue }
            var keyFiles: [String: String] = [:]
            for match in settingsText.matches(of: #/credential:([A-Za-z0-9_.-]+)/#) {
                if let key = try? fixtures.file(group, String(match.1)) { keyFiles[String(match.1)] = key }
            }
            self.init(kind: kind, vendor: vendor, settings: settings, keyFiles: keyFiles, message: message)
            return
        }
        return nil
    }

    /// The same profile with some settings removed (`removing`) and some set (`setting`, with key files for their
    /// credentials); `nil` for a subject not built from a settings mapping.
    public func changingSettings(
        removing: Set<String> = [], setting: [String: JSONValue] = [:], keyFiles more: [String: String] = [:]
    ) -> ConformanceSubject? {
        guard let vendor, var settings else { return nil }
        for key in removing { settings[key] = nil }
        settings.merge(setting) { _, new in new }
        return ConformanceSubject(
            kind: kind, vendor: vendor, settings: settings, keyFiles: keyFiles.merging(more) { _, new in new },
            message: message)
    }

    /// The instance file with one more settings key, which no kind knows.
    public var yamlWithUnknownKey: String {
        if yaml.contains("\nsettings: {") {
            return yaml.replacingOccurrences(of: "\nsettings: {", with: "\nsettings: {\"zz_not_a_setting\": 1, ")
        }
        return yaml + (yaml.hasSuffix("\n") ? "" : "\n") + "  zz_not_a_setting: 1\n"
    }
}

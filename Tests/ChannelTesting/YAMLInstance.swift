public import ChannelKit
import Foundation
import GatewayConfig

/// An instance file (`type`, `vendor`, `settings`) read as the daemon reads it, by the real YAML parser and secret
/// resolver (each `credential:NAME` from a file holding the value given here), then built by its kind. Lighter
/// than ``LoadedInstance``: no configuration directory, and any kind, registered or not.
public struct YAMLInstance {
    /// The `type:` value.
    public let type: String?
    /// The `vendor:` value.
    public let vendor: String?
    /// The adapter, or `nil` if the kind refused the settings.
    public let adapter: (any ChannelAdapter)?
    /// Every issue the resolver and the kind reported.
    public let issues: [ConfigIssue]

    /// - Parameters:
    ///   - yaml: the instance file's text.
    ///   - kind: the kind that builds it (`type:` is read, not checked).
    ///   - instance: the instance name.
    ///   - file: the file name marks point into.
    ///   - credentials: the credential files' contents, by name.
    public init(
        _ yaml: String, kind: ChannelKind, instance: String, file: String, credentials: [String: String]
    ) throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "channel-testing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, value) in credentials {
            try value.write(to: folder.appending(path: name), atomically: true, encoding: .utf8)
        }
        let root = try YAMLParser.parse(Array(yaml.utf8), file: file)
        var entries: [ConfigEntry] = []
        if case .mapping(let members, _) = root { entries = members }
        func text(_ key: String) -> String? {
            guard case .scalar(let scalar)? = entries.first(where: { $0.key.text == key })?.value else { return nil }
            return scalar.text
        }
        type = text("type")
        vendor = text("vendor")
        let issues = ConfigIssueCollector()
        let resolver = SecretResolver(environment: [:], credentialsDirectory: folder.path(percentEncoded: false))
        let settings = entries.first { $0.key.text == "settings" }.map { resolver.resolve($0.value, issues: issues) }
        let setup = ChannelKind.Setup(
            instance: instance, vendor: vendor, settings: settings, mark: ConfigMark(file: file, line: 1, column: 1))
        adapter = kind.make(setup, issues)
        self.issues = issues.issues
    }
}

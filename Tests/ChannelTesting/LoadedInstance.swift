public import ChannelKit
public import Foundation
public import GatewayConfig

/// One channel instance loaded through the real loader: a fresh configuration directory with the instance's
/// `channels.d` file and a credential file per `credential:NAME` it names, holding a value easy to search for
/// (or the test key file a golden case supplies, for vendors whose credentials must parse).
public struct LoadedInstance: Sendable {
    /// The configuration directory (removed by ``remove()``).
    public let root: String
    /// What the loader made of it.
    public let result: ConfigLoadResult
    /// Every credential value written.
    public let secrets: [String]

    /// Loads `yaml` as `channels.d/<instance>.yaml` next to `gateway.yaml` (holding `gateway`); `keyFiles` gives
    /// chosen values for some credentials.
    public init(
        yaml: String, kinds: [ChannelKind], instance: String = "sample", gateway: String = "log_level: info\n",
        keyFiles: [String: String] = [:]
    ) throws {
        root = NSTemporaryDirectory() + "cg-conformance-" + UUID().uuidString
        let credentials = root + "/credentials"
        try FileManager.default.createDirectory(atPath: root + "/channels.d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        var secrets: [String] = []
        for match in yaml.matches(of: #/credential:([A-Za-z0-9_.-]+)/#) {
            let name = String(match.1)
            let value = keyFiles[name] ?? "S3CRET-\(name)-\(UUID().uuidString.prefix(8))"
            try value.write(toFile: credentials + "/" + name, atomically: true, encoding: .utf8)
            secrets.append(value)
        }
        self.secrets = secrets
        try gateway.write(toFile: root + "/gateway.yaml", atomically: true, encoding: .utf8)
        try yaml.write(toFile: root + "/channels.d/\(instance).yaml", atomically: true, encoding: .utf8)
        result = ConfigLoader(kinds: kinds, environment: [:], credentialsDirectory: credentials)
            .load(path: root + "/gateway.yaml")
    }

    /// The instance's adapter, if it loaded.
    public var adapter: (any ChannelAdapter)? { result.configuration?.channels.first?.adapter }

    /// The instance's capabilities as the core reads them (looked up once when the instance is configured), if it
    /// loaded.
    public var capabilities: AdapterCapabilities? { result.configuration?.channels.first?.capabilities }

    /// The instance's kind name, if it loaded.
    public var kindName: String? { result.configuration?.channels.first?.kind }

    public func remove() { try? FileManager.default.removeItem(atPath: root) }
}

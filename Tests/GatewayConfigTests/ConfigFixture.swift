import ChannelKit
import Foundation
import GatewayConfig

/// A test adapter that records what its factory read from `settings:`.
struct RecordingAdapter: ChannelAdapter {
    var url: String
    var apiKey: Secret?
    var enabled: Bool?
    var label: String?

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        VendorRequest(method: "POST", url: url)
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        .accepted(vendorMessageID: nil)
    }
}

/// Channel kinds for tests: `test` (no vendors) and `sms` (vendors aliyun, tencent), both reading
/// `settings: {url (required), api_key (secret), enabled (bool), label (string)}`.
enum TestKinds {
    static let all: [ChannelKind] = [kind(name: "test"), kind(name: "sms", vendors: ["aliyun", "tencent"])]

    static func kind(name: String, vendors: [String] = []) -> ChannelKind {
        ChannelKind(name: name, vendors: vendors) { setup, issues in
            let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
            guard
                let map = ConfigMap(
                    node,
                    context: "settings",
                    keys: ["url", "api_key", "enabled", "label"],
                    issues: issues
                )
            else { return nil }
            let before = issues.errorCount
            let url = map.string("url", required: true)
            let apiKey = map.secret("api_key")
            let enabled = map.bool("enabled")
            let label = map.string("label")
            guard let url, issues.errorCount == before else { return nil }
            return RecordingAdapter(url: url, apiKey: apiKey, enabled: enabled, label: label)
        }
    }
}

/// A temporary configuration folder with a `gateway.yaml` and a `channels.d`.
struct ConfigFixture {
    let root: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gwconfig-\(UUID().uuidString)")
        root = url.path
        try FileManager.default.createDirectory(atPath: root + "/channels.d", withIntermediateDirectories: true)
        try write("gateway.yaml", "")
    }

    /// The path of a file inside the fixture.
    func path(_ relative: String) -> String { root + "/" + relative }

    /// Writes a file inside the fixture, creating folders as needed.
    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String {
        let full = path(relative)
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// Loads `gateway.yaml` with the test kinds.
    func load(environment: [String: String] = [:], credentialsDirectory: String? = nil) -> ConfigLoadResult {
        ConfigLoader(kinds: TestKinds.all, environment: environment, credentialsDirectory: credentialsDirectory)
            .load(path: path("gateway.yaml"))
    }

    /// The issues as `relative/file:line:column: severity: message`, relative to the fixture's root.
    func lines(_ result: ConfigLoadResult) -> [String] {
        result.issues.map { $0.description.replacingOccurrences(of: root + "/", with: "") }
    }

    /// The issues' locations only, as `relative/file:line:column`.
    func locations(_ result: ConfigLoadResult) -> [String] {
        result.issues.map { $0.mark.description.replacingOccurrences(of: root + "/", with: "") }
    }

    /// Removes the folder.
    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

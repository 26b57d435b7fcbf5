import ChannelKit
import ChannelWeChatOA
import Foundation

// The helpers of Tests/ChannelTests/ChannelTestSupport.swift, restated for this target (test targets cannot
// import each other), plus the message `url` and the context's access token that this channel needs.

/// Builds settings without the YAML loader: JSON fixtures become located nodes.
enum TestConfig {
    /// The secret a `credential:NAME` string resolves to in tests.
    static func secretValue(_ name: String) -> String { "test-secret-\(name)" }

    /// Converts JSON to a config node, object keys in sorted order, each node on the next synthetic line.
    static func node(_ json: JSONValue, file: String = "settings.json") -> ConfigNode {
        var line = 0
        return node(json, file: file, line: &line)
    }

    private static func node(_ json: JSONValue, file: String, line: inout Int) -> ConfigNode {
        line += 1
        let mark = ConfigMark(file: file, line: line, column: 1)
        switch json {
        case .null: return .scalar(ConfigScalar(text: "null", mark: mark))
        case .bool(let value): return .scalar(ConfigScalar(text: value ? "true" : "false", mark: mark))
        case .number(let text): return .scalar(ConfigScalar(text: text, mark: mark))
        case .string(let text):
            // As the core does: a `credential:NAME` reference arrives already resolved to a secret.
            let secret = text.hasPrefix("credential:") ? Secret(secretValue(String(text.dropFirst(11)))) : nil
            return .scalar(ConfigScalar(text: text, mark: mark, isQuoted: true, secret: secret))
        case .array(let items):
            return .sequence(items.map { node($0, file: file, line: &line) }, mark)
        case .object(let members):
            var entries: [ConfigEntry] = []
            for key in members.keys.sorted() {
                line += 1
                let keyScalar = ConfigScalar(text: key, mark: ConfigMark(file: file, line: line, column: 1))
                entries.append(ConfigEntry(key: keyScalar, value: node(members[key]!, file: file, line: &line)))
            }
            return .mapping(entries, mark)
        }
    }

    /// Builds an instance through its kind, returning the adapter (or `nil`) and every issue reported.
    static func make(
        _ kind: ChannelKind = WeChatOAChannel.kind,
        vendor: String? = "template",
        settings: ConfigNode?,
        instance: String = "wechat-golden"
    ) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        let issues = ConfigIssueCollector()
        let setup = ChannelKind.Setup(
            instance: instance,
            vendor: vendor,
            settings: settings,
            mark: ConfigMark(file: "\(instance).yaml", line: 1, column: 1)
        )
        let adapter = kind.make(setup, issues)
        return (adapter, issues.issues)
    }

    /// Builds from JSON settings.
    static func make(vendor: String? = "template", json: JSONValue) -> (
        adapter: (any ChannelAdapter)?, issues: [ConfigIssue]
    ) {
        make(vendor: vendor, settings: node(json))
    }
}

/// Reading fixture folders next to this file (they are excluded from the target).
enum Fixtures {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

    /// The case folder names under `Fixtures/<profile>/`, sorted.
    static func cases(_ profile: String) -> [String] {
        let folder = root.appending(path: profile)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = folder.appending(path: name).path(percentEncoded: false)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    static func url(_ profile: String, _ name: String, _ file: String) -> URL {
        root.appending(path: profile).appending(path: name).appending(path: file)
    }

    static func exists(_ profile: String, _ name: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url(profile, name, file).path(percentEncoded: false))
    }

    static func text(_ profile: String, _ name: String, _ file: String) throws -> String {
        try String(contentsOf: url(profile, name, file), encoding: .utf8)
    }

    static func json(_ profile: String, _ name: String, _ file: String) throws -> JSONValue {
        try JSONParser.parse(try text(profile, name, file))
    }

    /// A file of `Plugins/WeChatOA/` (README.md, sample.yaml).
    static func plugin(_ file: String) throws -> String {
        let packageRoot = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: packageRoot.appending(path: "Plugins/WeChatOA/\(file)"), encoding: .utf8)
    }
}

/// The access token of ``fixedContext`` (the fixtures' `ACCESS_TOKEN_fixture`).
let fixtureAccessToken = "ACCESS_TOKEN_fixture"

/// A fixed context with an access token, so golden requests are reproducible.
let fixedContext = RequestContext(
    nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1, accessToken: Secret(fixtureAccessToken))

/// ``fixedContext``, with a case's `context.json` `access_token` if it has one.
func context(_ profile: String, _ name: String) throws -> RequestContext {
    var context = fixedContext
    if Fixtures.exists(profile, name, "context.json"),
        let token = try Fixtures.json(profile, name, "context.json")["access_token"]?.stringValue
    {
        context.accessToken = Secret(token)
    }
    return context
}

extension OutboundMessage {
    /// A message from a fixture's `message.json` (`id`, `channel`, `to`, `category`, `template`, `params`,
    /// `content`, `title`, `url`).
    init(fixture json: JSONValue) {
        var params: [String: String] = [:]
        if case .object(let members)? = json["params"] {
            for (key, value) in members { params[key] = value.scalarText }
        }
        self.init(
            id: json["id"]?.stringValue ?? "",
            channel: json["channel"]?.stringValue ?? "",
            recipient: json["to"]?.stringValue ?? "",
            category: json["category"]?.stringValue.flatMap(MessageCategory.init(name:)) ?? .transactional,
            template: json["template"]?.stringValue,
            params: params,
            content: json["content"]?.stringValue,
            title: json["title"]?.stringValue,
            url: json["url"]?.stringValue
        )
    }
}

extension VendorRequest {
    /// `{method, url, headers: [[name, value]], body}` with the body as text, as in `request.expected.json`.
    var fixtureJSON: JSONValue {
        .object([
            "method": .string(method),
            "url": .string(url),
            "headers": .array(headers.map { .array([.string($0.name), .string($0.value)]) }),
            "body": .string(String(decoding: body, as: UTF8.self)),
        ])
    }
}

extension VendorResponse {
    /// A reply from a fixture's `response.json`: `{status, headers: [[name, value]], body}`.
    init(fixture json: JSONValue) {
        var headers: [HTTPHeader] = []
        if case .array(let pairs)? = json["headers"] {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(HTTPHeader(pair[0].stringValue ?? "", pair[1].stringValue ?? ""))
            }
        }
        self.init(
            status: json["status"]?.intValue ?? 0,
            headers: headers,
            body: Array((json["body"]?.stringValue ?? "").utf8)
        )
    }
}

/// `{outcome, category, vendor_code, detail, after_seconds}` members of a reason, absent fields omitted.
private func reasonMembers(_ reason: Reason) -> [String: JSONValue] {
    var members: [String: JSONValue] = ["category": .string(reason.category.name)]
    if let code = reason.vendorCode { members["vendor_code"] = .string(code) }
    if let detail = reason.detail { members["detail"] = .string(detail) }
    return members
}

extension SendOutcome {
    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`, absent fields omitted.
    var fixtureJSON: JSONValue {
        switch self {
        case .accepted(let id):
            var members: [String: JSONValue] = ["outcome": .string("accepted")]
            if let id { members["vendor_message_id"] = .string(id) }
            return .object(members)
        case .retry(let reason, let after):
            var members = reasonMembers(reason)
            members["outcome"] = .string("retry")
            if let after { members["after_seconds"] = .number(String(after.components.seconds)) }
            return .object(members)
        case .reject(let reason):
            var members = reasonMembers(reason)
            members["outcome"] = .string("reject")
            return .object(members)
        case .partial(let outcomes): return .array(outcomes.map(\.outcome.fixtureJSON))
        }
    }
}

extension TokenResult {
    /// `{result: issued, token, expires_at_ms}` or `{result: failed, category, vendor_code, detail}`, as in
    /// `token.expected.json`.
    var fixtureJSON: JSONValue {
        switch self {
        case .issued(let token):
            return .object([
                "result": .string("issued"), "token": .string(token.value.reveal()),
                "expires_at_ms": .number(String(token.expiresAtMilliseconds)),
            ])
        case .failed(let reason):
            var members = reasonMembers(reason)
            members["result"] = .string("failed")
            return .object(members)
        }
    }
}

extension TokenStep {
    /// The request of a `.fetch`, or `nil`.
    var fetchRequest: VendorRequest? {
        if case .fetch(let request) = self { return request }
        return nil
    }
}

/// The text of a README's single ```yaml block.
func yamlBlock(in markdown: String) -> String? {
    guard let start = markdown.firstRange(of: "```yaml\n") else { return nil }
    let rest = markdown[start.upperBound...]
    guard let end = rest.firstRange(of: "```") else { return nil }
    return String(rest[..<end.lowerBound])
}

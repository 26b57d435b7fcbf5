import ChannelKit
import Foundation

// Test helpers for the WeCom fixtures. Test targets share no code, so these follow
// Tests/ChannelTests/ChannelTestSupport.swift (the same fixture file formats), plus `title` and `url` on
// messages and the access token in the context.

/// Builds settings without the YAML loader: JSON fixtures become located nodes.
enum TestConfig {
    /// The secret a `credential:NAME` string resolves to in tests.
    static func secretValue(_ name: String) -> String { "test-secret-\(name)" }

    /// Converts JSON to a config node, object keys in sorted order, one synthetic line per node.
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

    /// Builds a `wecom` instance, returning the adapter (or `nil`) and every issue reported.
    static func make(
        _ kind: ChannelKind, vendor: String?, settings: ConfigNode?, instance: String = "wecom-test"
    ) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        let issues = ConfigIssueCollector()
        let setup = ChannelKind.Setup(
            instance: instance, vendor: vendor, settings: settings,
            mark: ConfigMark(file: "\(instance).yaml", line: 1, column: 1))
        let adapter = kind.make(setup, issues)
        return (adapter, issues.issues)
    }
}

/// Reading fixture folders next to this file (they are excluded from the target).
enum Fixtures {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

    /// The case folder names under `Fixtures/<kind>/`, sorted.
    static func cases(_ kind: String) -> [String] {
        let folder = root.appending(path: kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = folder.appending(path: name).path(percentEncoded: false)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    static func url(_ kind: String, _ name: String, _ file: String) -> URL {
        root.appending(path: kind).appending(path: name).appending(path: file)
    }

    static func exists(_ kind: String, _ name: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url(kind, name, file).path(percentEncoded: false))
    }

    static func text(_ kind: String, _ name: String, _ file: String) throws -> String {
        try String(contentsOf: url(kind, name, file), encoding: .utf8)
    }

    static func json(_ kind: String, _ name: String, _ file: String) throws -> JSONValue {
        try JSONParser.parse(try text(kind, name, file))
    }

    /// A file of `Plugins/WeCom/`, from the package root.
    static func plugin(_ file: String) throws -> String {
        let packageRoot = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: packageRoot.appending(path: "Plugins/WeCom/\(file)"), encoding: .utf8)
    }
}

extension OutboundMessage {
    /// A message from a fixture: `id`, `channel`, `to`, `category`, `template`, `params`, `content`, `title`, `url`.
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
    /// `{method, url, headers: [[name, value]], body}` with the body as text.
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
            status: json["status"]?.intValue ?? 0, headers: headers,
            body: Array((json["body"]?.stringValue ?? "").utf8))
    }

    /// A 200 reply with a JSON body.
    static func json(_ text: String, status: Int = 200) -> VendorResponse {
        VendorResponse(
            status: status, headers: [HTTPHeader("Content-Type", "application/json")], body: Array(text.utf8))
    }
}

extension Reason {
    fileprivate func members(_ kind: String) -> [String: JSONValue] {
        var members: [String: JSONValue] = ["outcome": .string(kind), "category": .string(category.name)]
        if let vendorCode { members["vendor_code"] = .string(vendorCode) }
        if let detail { members["detail"] = .string(detail) }
        return members
    }
}

extension SendOutcome {
    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`; `.partial` is the array of
    /// its outcomes in order.
    var fixtureJSON: JSONValue {
        switch self {
        case .accepted(let id):
            var members: [String: JSONValue] = ["outcome": .string("accepted")]
            if let id { members["vendor_message_id"] = .string(id) }
            return .object(members)
        case .retry(let reason, let after):
            var members = reason.members("retry")
            if let after { members["after_seconds"] = .number(String(after.components.seconds)) }
            return .object(members)
        case .reject(let reason): return .object(reason.members("reject"))
        case .partial(let outcomes): return .array(outcomes.map(\.outcome.fixtureJSON))
        }
    }
}

extension TokenResult {
    /// `{result: issued, token, expires_at_ms}` or `{result: failed, category, vendor_code, detail}`.
    var fixtureJSON: JSONValue {
        switch self {
        case .issued(let token):
            return .object([
                "result": .string("issued"), "token": .string(token.value.reveal()),
                "expires_at_ms": .number(String(token.expiresAtMilliseconds)),
            ])
        case .failed(let reason):
            var members = reason.members("failed")
            members["result"] = .string("failed")
            members["outcome"] = nil
            return .object(members)
        }
    }
}

/// The access token of the fixed context.
let fixtureToken = "wecom-test-token"

/// A fixed context, so golden requests are reproducible.
let fixedContext = RequestContext(
    nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1, accessToken: Secret(fixtureToken))

/// The text of a README's single ```yaml block.
func yamlBlock(in markdown: String) -> String? {
    guard let start = markdown.firstRange(of: "```yaml\n") else { return nil }
    let rest = markdown[start.upperBound...]
    guard let end = rest.firstRange(of: "```") else { return nil }
    return String(rest[..<end.lowerBound])
}

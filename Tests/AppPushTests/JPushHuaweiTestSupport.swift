import ChannelAppPush
import ChannelKit
import Foundation
import Testing

/// Helpers for the JPush and Huawei fixture tests, namespaced so other app-push test files may define their own.
enum PushTestKit {
    /// The secret a `credential:NAME` string resolves to in tests.
    static func secretValue(_ name: String) -> String { "test-secret-\(name)" }

    /// The access token in ``context``.
    static let accessToken = "test-access-token"

    /// A fixed context with an access token, so golden requests are reproducible.
    static let context = RequestContext(
        nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1, accessToken: Secret(accessToken))

    /// JSON to a config node, keys sorted, one synthetic line per node. As the core does, `credential:NAME`
    /// arrives resolved (to ``secretValue(_:)``); `secret:VALUE` resolves to VALUE (for vendors' worked examples).
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
            var secret: Secret?
            if text.hasPrefix("credential:") { secret = Secret(secretValue(String(text.dropFirst(11)))) }
            if text.hasPrefix("secret:") { secret = Secret(String(text.dropFirst(7))) }
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

    /// Builds an `app_push` instance, returning the adapter (or `nil`) and every issue reported.
    static func make(vendor: String, settings: ConfigNode?) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        let issues = ConfigIssueCollector()
        let setup = ChannelKind.Setup(
            instance: "push-golden", vendor: vendor, settings: settings,
            mark: ConfigMark(file: "push-golden.yaml", line: 1, column: 1))
        let adapter = AppPushChannel.kind.make(setup, issues)
        return (adapter, issues.issues)
    }

    /// Builds from JSON settings text, requiring success.
    static func adapter(vendor: String, json: String) throws -> any ChannelAdapter {
        let built = make(vendor: vendor, settings: node(try JSONParser.parse(json)))
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    /// The issues reported for JSON settings text.
    static func issues(vendor: String, json: String) throws -> [ConfigIssue] {
        make(vendor: vendor, settings: node(try JSONParser.parse(json))).issues
    }

    // MARK: Fixture folders

    static let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

    /// The case folders under `Fixtures/<vendor>/` holding `file`, sorted.
    static func cases(_ vendor: String, having file: String) -> [String] {
        let folder = root.appending(path: vendor)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        return names.filter { exists(vendor, $0, file) }.sorted()
    }

    static func url(_ vendor: String, _ name: String, _ file: String) -> URL {
        root.appending(path: vendor).appending(path: name).appending(path: file)
    }

    static func exists(_ vendor: String, _ name: String, _ file: String) -> Bool {
        FileManager.default.fileExists(atPath: url(vendor, name, file).path(percentEncoded: false))
    }

    static func text(_ vendor: String, _ name: String, _ file: String) throws -> String {
        try String(contentsOf: url(vendor, name, file), encoding: .utf8)
    }

    static func json(_ vendor: String, _ name: String, _ file: String) throws -> JSONValue {
        try JSONParser.parse(try text(vendor, name, file))
    }

    /// A plugin folder's file, from the package root.
    static func plugin(_ file: String) throws -> String {
        let packageRoot = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: packageRoot.appending(path: "Plugins/AppPush/\(file)"), encoding: .utf8)
    }

    // MARK: Fixture values

    /// Messages from `messages.json`: `[{id, channel, to, title, content, url, params}]`.
    static func messages(_ json: JSONValue) -> [OutboundMessage] {
        guard case .array(let items) = json else { return [] }
        return items.map { item in
            var params: [String: String] = [:]
            if case .object(let members)? = item["params"] {
                for (key, value) in members { params[key] = value.scalarText }
            }
            return OutboundMessage(
                id: item["id"]?.stringValue ?? "", channel: item["channel"]?.stringValue ?? "",
                recipient: item["to"]?.stringValue ?? "", params: params, content: item["content"]?.stringValue,
                title: item["title"]?.stringValue, url: item["url"]?.stringValue)
        }
    }

    /// `{method, url, headers: [[name, value]], body}` with the body as text.
    static func json(_ request: VendorRequest) -> JSONValue {
        .object([
            "method": .string(request.method),
            "url": .string(request.url),
            "headers": .array(request.headers.map { .array([.string($0.name), .string($0.value)]) }),
            "body": .string(String(decoding: request.body, as: UTF8.self)),
        ])
    }

    /// A reply from `{status, headers: [[name, value]], body}`.
    static func response(_ json: JSONValue) -> VendorResponse {
        var headers: [HTTPHeader] = []
        if case .array(let pairs)? = json["headers"] {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(HTTPHeader(pair[0].stringValue ?? "", pair[1].stringValue ?? ""))
            }
        }
        return VendorResponse(
            status: json["status"]?.intValue ?? 0, headers: headers,
            body: Array((json["body"]?.stringValue ?? "").utf8))
    }

    /// `{category, vendor_code, detail}`, absent fields omitted.
    static func members(_ reason: Reason) -> [String: JSONValue] {
        var members: [String: JSONValue] = ["category": .string(reason.category.name)]
        if let code = reason.vendorCode { members["vendor_code"] = .string(code) }
        if let detail = reason.detail { members["detail"] = .string(detail) }
        return members
    }

    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`; a partial is
    /// `{outcome: partial, recipients: [{recipient, …}]}`.
    static func json(_ outcome: SendOutcome) -> JSONValue {
        switch outcome {
        case .accepted(let id):
            var members: [String: JSONValue] = ["outcome": .string("accepted")]
            if let id { members["vendor_message_id"] = .string(id) }
            return .object(members)
        case .retry(let reason, let after):
            var members = Self.members(reason)
            members["outcome"] = .string("retry")
            if let after { members["after_seconds"] = .number(String(after.components.seconds)) }
            return .object(members)
        case .reject(let reason):
            var members = Self.members(reason)
            members["outcome"] = .string("reject")
            return .object(members)
        case .partial(let outcomes):
            return .object([
                "outcome": .string("partial"),
                "recipients": .array(
                    outcomes.map { item in
                        guard case .object(var members) = json(item.outcome) else { return .null }
                        members["recipient"] = .string(item.recipient)
                        return .object(members)
                    }),
            ])
        }
    }

    /// `{result: issued, token, expires_at_ms}` or `{result: failed, category, vendor_code, detail}`.
    static func json(_ result: TokenResult) -> JSONValue {
        switch result {
        case .issued(let token):
            return .object([
                "result": .string("issued"), "token": .string(token.value.reveal()),
                "expires_at_ms": .number(String(token.expiresAtMilliseconds)),
            ])
        case .failed(let reason):
            var members = members(reason)
            members["result"] = .string("failed")
            return .object(members)
        }
    }

    /// Every text an operator or log could see for an adapter and its outcomes.
    static func visibleTexts(of adapter: any ChannelAdapter) -> [String] {
        var dumped = ""
        dump(adapter, to: &dumped)
        return [String(describing: adapter), String(reflecting: adapter), dumped]
    }
}

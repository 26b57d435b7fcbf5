import ChannelAppPush
import ChannelKit
import Foundation

// Helpers for the apns and fcm golden tests. Every name is prefixed `PushGolden`/`pushGolden`, so nothing
// collides with the jpush/huawei tests that share this target.

/// The context every golden request is built with: a fixed time, and the access token the core would supply.
let pushGoldenContext = RequestContext(
    nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1, accessToken: Secret("test-access-token"))

/// Fixture folders under `Fixtures/<vendor>/`, and settings built from their JSON.
enum PushGolden {
    static let root = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Fixtures")

    /// The case folders under `Fixtures/<vendor>/`, sorted.
    static func cases(_ vendor: String) -> [String] {
        let folder = root.appending(path: vendor)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path(percentEncoded: false))) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let path = folder.appending(path: name).path(percentEncoded: false)
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
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

    /// A file directly under `Fixtures/<vendor>/` (the test keys).
    static func file(_ vendor: String, _ file: String) throws -> String {
        try String(contentsOf: root.appending(path: vendor).appending(path: file), encoding: .utf8)
    }

    /// What `credential:NAME` resolves to: the test key file `NAME` of the vendor if there is one, else a
    /// recognisable fake secret.
    static func secret(_ vendor: String, _ name: String) -> Secret {
        (try? file(vendor, name)).map(Secret.init) ?? Secret("test-secret-\(name)")
    }

    /// JSON settings as a config node, as the core hands them over: `credential:NAME` strings already secrets.
    static func node(_ json: JSONValue, vendor: String) -> ConfigNode {
        var line = 0
        return node(json, vendor: vendor, line: &line)
    }

    private static func node(_ json: JSONValue, vendor: String, line: inout Int) -> ConfigNode {
        line += 1
        let mark = ConfigMark(file: "settings.json", line: line, column: 1)
        switch json {
        case .null: return .scalar(ConfigScalar(text: "null", mark: mark))
        case .bool(let value): return .scalar(ConfigScalar(text: value ? "true" : "false", mark: mark))
        case .number(let text): return .scalar(ConfigScalar(text: text, mark: mark))
        case .string(let text):
            let secret = text.hasPrefix("credential:") ? secret(vendor, String(text.dropFirst(11))) : nil
            return .scalar(ConfigScalar(text: text, mark: mark, isQuoted: true, secret: secret))
        case .array(let items): return .sequence(items.map { node($0, vendor: vendor, line: &line) }, mark)
        case .object(let members):
            var entries: [ConfigEntry] = []
            for key in members.keys.sorted() {
                line += 1
                let keyScalar = ConfigScalar(text: key, mark: ConfigMark(file: "settings.json", line: line, column: 1))
                entries.append(ConfigEntry(key: keyScalar, value: node(members[key]!, vendor: vendor, line: &line)))
            }
            return .mapping(entries, mark)
        }
    }

    /// Builds an `app_push` instance of `vendor` from settings, returning the adapter and every issue.
    static func make(_ vendor: String, settings: JSONValue?) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue])
    {
        let issues = ConfigIssueCollector()
        let setup = ChannelKind.Setup(
            instance: "push-golden",
            vendor: vendor,
            settings: settings.map { node($0, vendor: vendor) },
            mark: ConfigMark(file: "push-golden.yaml", line: 1, column: 1)
        )
        let adapter = AppPushChannel.kind.make(setup, issues)
        return (adapter, issues.issues)
    }

    /// Builds from a fixture's `settings.json`, requiring success.
    static func adapter(_ vendor: String, _ name: String) throws -> any ChannelAdapter {
        let built = make(vendor, settings: try json(vendor, name, "settings.json"))
        guard let adapter = built.adapter, built.issues.isEmpty else { throw Failure("\(name): \(built.issues)") }
        return adapter
    }

    /// The message in `message.json`: `id`, `channel`, `to`, `content`, `title`, `url`, `params`.
    static func message(_ json: JSONValue) -> OutboundMessage {
        var params: [String: String] = [:]
        if case .object(let members)? = json["params"] {
            for (key, value) in members { params[key] = value.scalarText }
        }
        return OutboundMessage(
            id: json["id"]?.stringValue ?? "",
            channel: json["channel"]?.stringValue ?? "",
            recipient: json["to"]?.stringValue ?? "",
            params: params,
            content: json["content"]?.stringValue,
            title: json["title"]?.stringValue,
            url: json["url"]?.stringValue
        )
    }

    /// `{method, url, headers: [[name, value]], body, http2}`, as in `request.expected.json`.
    static func json(_ request: VendorRequest) -> JSONValue {
        .object([
            "method": .string(request.method),
            "url": .string(request.url),
            "headers": .array(request.headers.map { .array([.string($0.name), .string($0.value)]) }),
            "body": .string(String(decoding: request.body, as: UTF8.self)),
            "http2": .bool(request.requiresHTTP2),
        ])
    }

    /// A reply from `response.json`: `{status, headers: [[name, value]], body}`.
    static func response(_ json: JSONValue) -> VendorResponse {
        var headers: [HTTPHeader] = []
        if case .array(let pairs)? = json["headers"] {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(HTTPHeader(pair[0].stringValue ?? "", pair[1].stringValue ?? ""))
            }
        }
        return VendorResponse(
            status: json["status"]?.intValue ?? 0, headers: headers, body: Array((json["body"]?.stringValue ?? "").utf8)
        )
    }

    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`, absent fields omitted.
    static func json(_ outcome: SendOutcome) -> JSONValue {
        switch outcome {
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
        case .partial(let outcomes): return .array(outcomes.map { json($0.outcome) })
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
            var members = reasonMembers(reason)
            members["result"] = .string("failed")
            return .object(members)
        }
    }

    private static func reasonMembers(_ reason: Reason) -> [String: JSONValue] {
        var members: [String: JSONValue] = ["category": .string(reason.category.name)]
        if let code = reason.vendorCode { members["vendor_code"] = .string(code) }
        if let detail = reason.detail { members["detail"] = .string(detail) }
        return members
    }

    /// `actual` with `detail` dropped unless `expected` pins one: the fixtures' oracle tables fix outcome,
    /// category, vendor code and delay, while most details are the adapter's own prose.
    static func comparable(_ actual: JSONValue, to expected: JSONValue) -> JSONValue {
        guard case .object(var members) = actual, expected["detail"] == nil else { return actual }
        members["detail"] = nil
        return .object(members)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

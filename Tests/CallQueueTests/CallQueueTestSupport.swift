import ChannelKit
import Foundation

/// Builds settings without the YAML loader: JSON fixtures become located nodes (as `Tests/ChannelTests` does).
enum TestConfig {
    /// The secret a `credential:NAME` string resolves to in tests.
    static func secretValue(_ name: String) -> String { "test-secret-\(name)" }

    /// Converts JSON to a config node; object keys in sorted order, one synthetic line per node.
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
        _ kind: ChannelKind,
        vendor: String?,
        settings: ConfigNode?,
        instance: String = "call-golden"
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

    /// A file of `Plugins/CallQueue/` (README.md, sample.yaml).
    static func plugin(_ file: String) throws -> String {
        let packageRoot = root.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: packageRoot.appending(path: "Plugins/CallQueue/\(file)"), encoding: .utf8)
    }
}

extension OutboundMessage {
    /// A message from a fixture's `message.json` (`id`, `channel`, `to`, `category`, `template`, `params`,
    /// `content`).
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
            content: json["content"]?.stringValue
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

extension InboundCallback {
    /// A vendor callback from a fixture's `callback.json`: `{method, path, headers: [[name, value]], body}`.
    init(fixture json: JSONValue) {
        var headers: [HTTPHeader] = []
        if case .array(let pairs)? = json["headers"] {
            for case .array(let pair) in pairs where pair.count == 2 {
                headers.append(HTTPHeader(pair[0].stringValue ?? "", pair[1].stringValue ?? ""))
            }
        }
        self.init(
            method: json["method"]?.stringValue ?? "POST",
            path: json["path"]?.stringValue ?? "",
            headers: headers,
            body: Array((json["body"]?.stringValue ?? "").utf8)
        )
    }
}

extension Reason {
    /// `{category, vendor_code, detail}`, absent fields omitted.
    var fixtureMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["category": .string(category.name)]
        if let vendorCode { members["vendor_code"] = .string(vendorCode) }
        if let detail { members["detail"] = .string(detail) }
        return members
    }
}

extension CallbackReport {
    /// `{receipts: [{event, call_id, message_id, recipient, occurred_at_ms, vendor_status, reason}], answer}`,
    /// absent fields omitted, as in `report.expected.json`.
    var fixtureJSON: JSONValue {
        .object([
            "receipts": .array(
                receipts.map { receipt in
                    var members: [String: JSONValue] = [:]
                    switch receipt.event {
                    case .delivered: members["event"] = .string("delivered")
                    case .opened: members["event"] = .string("opened")
                    case .clicked: members["event"] = .string("clicked")
                    case .answered: members["event"] = .string("answered")
                    case .unanswered: members["event"] = .string("unanswered")
                    case .refused: members["event"] = .string("refused")
                    case .busy: members["event"] = .string("busy")
                    case .invalidNumber: members["event"] = .string("invalid_number")
                    case .failed(let reason):
                        members["event"] = .string("failed")
                        members["reason"] = .object(reason.fixtureMembers)
                    }
                    if let id = receipt.vendorMessageID { members["call_id"] = .string(id) }
                    if let id = receipt.messageID { members["message_id"] = .string(id) }
                    if let recipient = receipt.recipient { members["recipient"] = .string(recipient) }
                    if let time = receipt.occurredAtMilliseconds {
                        members["occurred_at_ms"] = .number(String(time))
                    }
                    if let status = receipt.vendorStatus { members["vendor_status"] = .string(status) }
                    return .object(members)
                }),
            "answer": .object([
                "status": .number(String(answer.status)),
                "content_type": .string(answer.contentType),
                "body": .string(answer.body),
            ]),
        ])
    }
}

extension SendOutcome {
    /// `{outcome, vendor_message_id | category, vendor_code, detail, after_seconds}`, absent fields omitted.
    var fixtureJSON: JSONValue {
        func reasonMembers(_ kind: String, _ reason: Reason, after: Duration?) -> JSONValue {
            var members = reason.fixtureMembers
            members["outcome"] = .string(kind)
            if let after { members["after_seconds"] = .number(String(after.components.seconds)) }
            return .object(members)
        }
        switch self {
        case .accepted(let id):
            var members: [String: JSONValue] = ["outcome": .string("accepted")]
            if let id { members["vendor_message_id"] = .string(id) }
            return .object(members)
        case .retry(let reason, let after): return reasonMembers("retry", reason, after: after)
        case .reject(let reason): return reasonMembers("reject", reason, after: nil)
        case .partial(let outcomes): return .array(outcomes.map(\.outcome.fixtureJSON))
        }
    }
}

/// A fixed context, so golden requests are reproducible: 2025-11-24T16:00:00Z, nonce 42, first attempt.
let fixedContext = RequestContext(nowMilliseconds: 1_764_000_000_000, nonce: 42, attempt: 1)

/// The text of a README's first fenced block opening with `fence` (```` ```yaml ```` by default).
func fencedBlock(in markdown: String, fence: String = "```yaml\n") -> String? {
    guard let start = markdown.firstRange(of: fence) else { return nil }
    let rest = markdown[start.upperBound...]
    guard let end = rest.firstRange(of: "```") else { return nil }
    return String(rest[..<end.lowerBound])
}

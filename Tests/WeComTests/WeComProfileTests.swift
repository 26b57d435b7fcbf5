import ChannelKit
import ChannelTesting
import ChannelWeCom
import Foundation
import Testing

/// Settings, early checks, batching, tokens, secrets and the error-code table of the three WeCom profiles.
struct WeComProfileTests {
    static let appSettings: JSONValue = .object([
        "corp_id": .string("ww1234567890abcdef"), "corp_secret": .string("credential:app_secret"),
        "agent_id": .number("1000002"),
    ])
    static let contactSettings: JSONValue = .object([
        "corp_id": .string("ww1234567890abcdef"), "corp_secret": .string("credential:contact_secret"),
    ])
    static let robotSettings: JSONValue = .object(["key": .string("credential:robot_key")])

    static func settings(_ vendor: String) -> JSONValue {
        switch vendor {
        case "app": appSettings
        case "external_contact": contactSettings
        default: robotSettings
        }
    }

    /// The settings of `vendor` with `changes` applied (`null` removes a key).
    static func settings(_ vendor: String, _ changes: [String: JSONValue]) -> JSONValue {
        guard case .object(var members) = settings(vendor) else { return .null }
        for (key, value) in changes { members[key] = value == .null ? nil : value }
        return .object(members)
    }

    static func build(_ vendor: String?, _ settings: JSONValue) -> (
        adapter: (any ChannelAdapter)?, issues: [ConfigIssue]
    ) {
        TestSettings.make(WeComChannel.kind, vendor: vendor, settings: TestSettings.node(settings))
    }

    static func adapter(_ vendor: String, _ changes: [String: JSONValue] = [:]) throws -> any ChannelAdapter {
        let built = build(vendor, settings(vendor, changes))
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static func message(
        to recipient: String, content: String? = "hello", title: String? = nil, url: String? = nil,
        template: String? = nil, id: String = "m-1"
    ) -> OutboundMessage {
        OutboundMessage(
            id: id, channel: "wecom-test", recipient: recipient, template: template, content: content, title: title,
            url: url)
    }

    static func recipient(_ vendor: String) -> String {
        switch vendor {
        case "app": "zhangsan"
        case "external_contact": "wmqfasd1e1927831123109rBAAAA"
        default: "@group"
        }
    }

    // MARK: Settings

    @Test func kindListsTheProfiles() {
        #expect(WeComChannel.kind.name == "wecom")
        #expect(WeComChannel.kind.vendors == ["app", "external_contact", "robot"])
    }

    @Test(arguments: [nil, "sms"])
    func vendorMustNameAProfile(vendor: String?) {
        let built = Self.build(vendor, Self.appSettings)
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("app, external_contact, robot") }, "\(built.issues)")
    }

    @Test(arguments: [
        ("app", "key"), ("app", "sender"), ("external_contact", "agent_id"), ("external_contact", "msgtype"),
        ("robot", "agent_id"), ("robot", "corp_id"), ("robot", "corp_secret"), ("app", "no_such_key"),
    ])
    func unknownSettingsKeyIsRejected(vendor: String, key: String) {
        let built = Self.build(vendor, Self.settings(vendor, [key: .string("x")]))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("unknown key '\(key)' in 'settings'") }, "\(built.issues)")
    }

    @Test(arguments: [
        ("app", ["corp_id", "corp_secret", "agent_id"]), ("external_contact", ["corp_id", "corp_secret"]),
        ("robot", ["key"]),
    ])
    func requiredKeysAreNamed(vendor: String, keys: [String]) {
        for settings in [JSONValue.object([:]), .null] {
            let built = TestSettings.make(
                WeComChannel.kind, vendor: vendor, settings: settings == .null ? nil : TestSettings.node(settings))
            #expect(built.adapter == nil)
            for key in keys {
                #expect(built.issues.contains { $0.message == "missing required key '\(key)' in 'settings'" })
            }
        }
    }

    @Test(arguments: [
        ("app", "msgtype", JSONValue.string("image"), "invalid value 'image' for 'msgtype'"),
        ("app", "button_text", .string("查看全部详情"), "'button_text' must be 1 to 4 characters"),
        ("app", "agent_id", .string("abc"), "expected an integer for 'agent_id'"),
        ("app", "duplicate_check_interval", .string("5h"), "'duplicate_check_interval' must be between"),
        ("app", "endpoint", .string("ftp://qyapi.weixin.qq.com"), "'endpoint' must be an http:// or https://"),
        ("robot", "endpoint", .string("https://h/x?key=1"), "'endpoint' must be an http:// or https://"),
        ("robot", "msgtype", .string("news"), "invalid value 'news' for 'msgtype'"),
        ("external_contact", "sender", .string("-bad"), "'sender' must be a member's WeCom UserID"),
        ("external_contact", "allow_select", .string("yes"), "expected true or false for 'allow_select'"),
    ])
    func badSettingIsReported(vendor: String, key: String, value: JSONValue, fragment: String) {
        let built = Self.build(vendor, Self.settings(vendor, [key: value]))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains(fragment) }, "\(built.issues)")
    }

    @Test func safeNewsIsRefused() {
        let built = Self.build("app", Self.settings("app", ["msgtype": .string("news"), "safe": .bool(true)]))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("40074") }, "\(built.issues)")
    }

    // MARK: Early checks

    @Test(
        arguments: [
            // (vendor, changes, recipient, content, title, url, template, problem code, field)
            ("app", [:], "@all", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("app", [:], "_zhang", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("app", [:], "zhang san", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("app", [:], String(repeating: "a", count: 65), "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("app", [:], "zhangsan", nil, nil, nil, nil, "bad_request", "content"),
            ("app", [:], "zhangsan", "hi", nil, nil, "T1", "bad_request", "template"),
            ("app", [:], "zhangsan", "hi", "a title", nil, nil, "bad_request", "title"),
            ("app", [:], "zhangsan", "hi", nil, "https://x", nil, "bad_request", "title"),
            ("app", [:], "zhangsan", nil, "t", "https://x", nil, "bad_request", "content"),
            ("app", [:], "zhangsan", String(repeating: "字", count: 683), nil, nil, nil, "bad_request", "content"),
            ("app", ["msgtype": "text"], "zhangsan", "hi", nil, "https://x", nil, "bad_request", "url"),
            ("app", ["msgtype": "textcard"], "zhangsan", "hi", "t", nil, nil, "bad_request", "url"),
            ("app", ["msgtype": "news"], "zhangsan", "hi", nil, "https://x", nil, "bad_request", "title"),
            ("app", ["msgtype": "news"], "zhangsan", nil, "t", nil, nil, "bad_request", "url"),
            ("external_contact", [:], "wm bad", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("external_contact", [:], "wmA1", nil, nil, nil, nil, "bad_request", "content"),
            ("external_contact", [:], "wmA1", "hi", "t", nil, nil, "bad_request", "title"),
            ("external_contact", [:], "wmA1", "hi", nil, "https://x", nil, "bad_request", "title"),
            (
                "external_contact", [:], "wmA1", String(repeating: "x", count: 4001), nil, nil, nil, "bad_request",
                "content"
            ),
            ("robot", [:], "", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("robot", [:], "zhangsan,", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("robot", [:], "tel:12ab", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("robot", ["msgtype": "markdown"], "@all", "hi", nil, nil, nil, "invalid_recipient", "to"),
            ("robot", [:], "@group", "", nil, nil, nil, "bad_request", "content"),
            ("robot", [:], "@group", "hi", nil, "https://x", nil, "bad_request", "url"),
            ("robot", [:], "@group", String(repeating: "x", count: 2049), nil, nil, nil, "bad_request", "content"),
            (
                "robot", ["msgtype": "markdown"], "@group", String(repeating: "x", count: 4097), nil, nil, nil,
                "bad_request", "content"
            ),
        ] as [(String, [String: String], String, String?, String?, String?, String?, String, String)])
    func unsendableMessageIsRefused(
        vendor: String, changes: [String: String], recipient: String, content: String?, title: String?,
        url: String?, template: String?, code: String, field: String
    ) throws {
        let adapter = try Self.adapter(vendor, changes.mapValues(JSONValue.string))
        let message = Self.message(to: recipient, content: content, title: title, url: url, template: template)
        let problem = try #require(adapter.check(message))
        #expect(problem.codeName == code, "\(problem)")
        #expect(problem.field == field, "\(problem)")
        // The request refuses it too, rather than sending half a message.
        #expect(throws: problem) { try adapter.request(for: message, context: fixedContext) }
    }

    @Test func limitsAreInclusive() throws {
        let app = try Self.adapter("app")
        #expect(app.check(Self.message(to: "a", content: String(repeating: "x", count: 2048))) == nil)
        #expect(app.check(Self.message(to: String(repeating: "a", count: 64))) == nil)
        let robot = try Self.adapter("robot", ["msgtype": .string("markdown")])
        #expect(robot.check(Self.message(to: "@group", content: String(repeating: "x", count: 4096))) == nil)
    }

    // MARK: Determinism and tokens

    @Test(arguments: ["app", "external_contact", "robot"])
    func sameInputGivesIdenticalBytes(vendor: String) throws {
        let message = Self.message(to: Self.recipient(vendor), content: "余额 \"100\"\n🎉")
        let first = try Self.adapter(vendor).request(for: message, context: fixedContext)
        let second = try Self.adapter(vendor).request(for: message, context: fixedContext)
        #expect(first == second)
        #expect(first.body == second.body)
    }

    @Test(arguments: ["app", "external_contact"])
    func sendingNeedsTheCoresToken(vendor: String) throws {
        let adapter = try Self.adapter(vendor)
        let noToken = RequestContext(nowMilliseconds: 1, nonce: 1, attempt: 1)
        guard
            case .fetch(let request) = try adapter.require((any AccessTokenProviding).self).tokenStep(context: noToken)
        else {
            Issue.record("expected a gettoken fetch")
            return
        }
        #expect(request.url.hasPrefix("https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1234567890abcdef"))
        #expect(request.method == "GET")
        let message = Self.message(to: Self.recipient(vendor))
        #expect(throws: MessageProblem.self) { try adapter.request(for: message, context: noToken) }
        let request2 = try adapter.request(for: message, context: fixedContext)
        #expect(request2.url.hasSuffix("?access_token=\(fixtureToken)"))
    }

    @Test func robotNeedsNoToken() throws {
        let robot = try Self.adapter("robot")
        let noToken = RequestContext(nowMilliseconds: 1, nonce: 1, attempt: 1)
        #expect(!(robot is any AccessTokenProviding))
        let request = try robot.request(for: Self.message(to: "@group"), context: noToken)
        #expect(request.url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=test-secret-robot_key")
    }

    // MARK: Batching

    @Test func batchLimits() throws {
        #expect(try Self.adapter("app").require((any Batching).self).maxBatchSize == 1000)
        #expect(try Self.adapter("external_contact").require((any Batching).self).maxBatchSize == 10_000)
        let robot = try Self.adapter("robot")
        // The robot sends one message per request: no batch size, no batch key.
        #expect(!(robot is any Batching))
    }

    @Test(arguments: ["app", "external_contact"])
    func batchKeyFollowsTheContent(vendor: String) throws {
        let adapter = try Self.adapter(vendor).require((any Batching).self)
        let base = Self.message(to: "a1", content: "c", title: "t", url: "https://x")
        var other = base
        other.recipient = "b2"
        other.id = "m-2"
        #expect(adapter.batchKey(for: base) != nil)
        #expect(adapter.batchKey(for: base) == adapter.batchKey(for: other))
        var changed = [base, base, base]
        changed[0].content = "d"
        changed[1].title = "u"
        changed[2].url = "https://y"
        for message in changed { #expect(adapter.batchKey(for: message) != adapter.batchKey(for: base)) }
        // Another instance with other settings never shares a key by accident of equal content.
        if vendor == "app" {
            let other = try Self.adapter("app", ["agent_id": .number("7")]).require((any Batching).self)
            #expect(other.batchKey(for: base) != adapter.batchKey(for: base))
        }
    }

    @Test(arguments: [("app", 1000), ("external_contact", 10_000)])
    func badBatchesAreRefused(vendor: String, limit: Int) throws {
        let adapter = try Self.adapter(vendor).require((any Batching).self)
        let many = (0...limit).map { Self.message(to: "u\($0)", id: "m-\($0)") }
        #expect(throws: MessageProblem.self) { try adapter.request(for: many, context: fixedContext) }
        #expect(throws: Never.self) { try adapter.request(for: Array(many.prefix(limit)), context: fixedContext) }
        let mixed = [Self.message(to: "u1", content: "a"), Self.message(to: "u2", content: "b")]
        #expect(throws: MessageProblem.self) { try adapter.request(for: mixed, context: fixedContext) }
        let twice = [Self.message(to: "u1"), Self.message(to: "u1", id: "m-2")]
        #expect(throws: MessageProblem.self) { try adapter.request(for: twice, context: fixedContext) }
        #expect(throws: MessageProblem.self) { try adapter.request(for: [], context: fixedContext) }
    }

    // MARK: Secrets

    @Test func secretsNeverLeak() throws {
        let secrets = ["test-secret-app_secret", "test-secret-contact_secret", "test-secret-robot_key", fixtureToken]
        var texts: [String] = []
        for vendor in ["app", "external_contact", "robot"] {
            let adapter = try Self.adapter(vendor)
            texts += visibleTexts(of: adapter)
            for recipient in ["@all", "bad user", "", Self.recipient(vendor)] {
                for content: String? in [nil, "", String(repeating: "x", count: 5000)] {
                    if let problem = adapter.check(Self.message(to: recipient, content: content)) {
                        texts.append(problem.description)
                    }
                }
            }
            let message = Self.message(to: Self.recipient(vendor))
            let request = try adapter.request(for: message, context: fixedContext)
            for code in WeComErrorTable.rows().map(\.code) + ["0", "99999"] {
                let outcome = adapter.outcome(
                    of: .json(#"{"errcode":\#(code),"errmsg":"m"}"#), to: request, message: message)
                texts.append("\(outcome)")
                if vendor != "robot" {
                    let tokens = try adapter.require((any AccessTokenProviding).self)
                    texts.append("\(tokens.token(from: .json(#"{"errcode":\#(code)}"#), context: fixedContext))")
                }
            }
            let noToken = RequestContext(nowMilliseconds: 1, nonce: 1, attempt: 1)
            do {
                _ = try adapter.request(for: message, context: noToken)
            } catch {
                texts.append(error.description)
            }
        }
        // An inline secret is warned about without its value.
        let inline = Self.build("robot", .object(["key": .string("inline-robot-key-value"), "bogus": .number("1")]))
        texts += inline.issues.map(\.description)
        #expect(inline.issues.contains { $0.message.contains("holds a secret written inline") })
        for text in texts {
            for secret in secrets + ["inline-robot-key-value"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
    }

    // MARK: Error codes

    /// The codes the brief and vendors.md fix, whatever the README says.
    @Test(arguments: [
        ("40014", "retry", "auth_expired"), ("42001", "retry", "auth_expired"), ("40001", "retry", "auth_expired"),
        ("41001", "retry", "auth_expired"), ("45009", "retry", "throttled"), ("45033", "retry", "throttled"),
        ("-1", "retry", "vendor_unavailable"), ("81013", "reject", "invalid_recipient"),
        ("40003", "reject", "invalid_recipient"), ("60020", "reject", "auth_expired"),
        ("93000", "reject", "auth_expired"),
    ])
    func keyCodes(code: String, kind: String, category: String) throws {
        for vendor in ["app", "external_contact", "robot"] {
            #expect(try Self.outcome(vendor: vendor, code: code) == "\(kind) \(category)", "\(vendor) \(code)")
        }
    }

    /// Every row of the README's error-code table is what the adapter does, for every profile.
    @Test func readmeErrorTableIsImplemented() throws {
        let rows = WeComErrorTable.rows()
        #expect(rows.count >= 40)
        #expect(Set(rows.map(\.code)).count == rows.count)
        for row in rows {
            for vendor in ["app", "external_contact", "robot"] {
                #expect(try Self.outcome(vendor: vendor, code: row.code) == row.outcome, "\(vendor) \(row.code)")
            }
        }
        #expect(try Self.outcome(vendor: "app", code: "12345") == "retry unknown")
    }

    /// `retry auth_expired` style summary of the outcome of an `errcode` reply, checking the code is kept.
    static func outcome(vendor: String, code: String) throws -> String {
        let adapter = try adapter(vendor)
        let message = message(to: recipient(vendor))
        let request = try adapter.request(for: message, context: fixedContext)
        let outcome = adapter.outcome(
            of: .json(#"{"errcode":\#(code),"errmsg":"why"}"#), to: request, message: message)
        switch outcome {
        case .retry(let reason, _), .reject(let reason):
            #expect(reason.vendorCode == code)
            #expect(reason.detail == "why")
            return "\(outcome.isRetry ? "retry" : "reject") \(reason.category.name)"
        default:
            return "\(outcome)"
        }
    }
}

extension SendOutcome {
    var isRetry: Bool {
        if case .retry = self { return true }
        return false
    }
}

/// The README's `| \`errcode\` | meaning | retry \`category\` |` rows.
enum WeComErrorTable {
    static func rows() -> [(code: String, outcome: String)] {
        guard let readme = try? fixtures.plugin("README.md") else { return [] }
        var rows: [(code: String, outcome: String)] = []
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, cells[0].hasPrefix("`"), Int(cells[0].dropFirst().dropLast()) != nil else {
                continue
            }
            let outcome = cells[2].replacingOccurrences(of: "`", with: "")
            rows.append((String(cells[0].dropFirst().dropLast()), outcome))
        }
        return rows
    }
}

import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// The http profile's China content rules: `sign_name`, `unsubscribe_suffix` and `suffix_templates`.
struct SMSHTTPContentRulesTests {
    /// A vendor that takes the text (`{{content}}`): the rules edit it.
    static let textBody = #"{"to":"{{to}}","text":"{{content}}"}"#
    /// A vendor that takes a template code: the rules can only check it.
    static let templateBody = #"{"to":"{{to}}","tpl":"{{template}}","sign":"{{sign_name}}"}"#

    static let sign = "示例银行"
    static let suffix = "拒收请回复R"

    /// An adapter sending text, signed as ``sign`` with ``suffix`` for marketing; `changes` replace settings.
    static func textAdapter(_ changes: [String: JSONValue?] = [:]) throws -> any ChannelAdapter {
        var settings: [String: JSONValue?] = [
            "body": .string(textBody), "sign_name": .string(sign), "unsubscribe_suffix": .string(suffix),
        ]
        for (key, value) in changes { settings[key] = value }
        return try SMSHTTPProfileTests.adapter(settings)
    }

    /// An adapter sending by template, with `SMS_900001` approved with the opt-out text.
    static func templateAdapter(_ changes: [String: JSONValue?] = [:]) throws -> any ChannelAdapter {
        var settings: [String: JSONValue?] = [
            "body": .string(templateBody), "sign_name": .string(sign), "unsubscribe_suffix": .string(suffix),
            "suffix_templates": .array([.string("SMS_900001"), .string("SMS_900002")]),
        ]
        for (key, value) in changes { settings[key] = value }
        return try SMSHTTPProfileTests.adapter(settings)
    }

    static func message(
        _ category: MessageCategory,
        content: String? = nil,
        template: String? = nil
    ) -> OutboundMessage {
        OutboundMessage(
            id: "m-1", channel: "sms-test", recipient: "13800138000", category: category, template: template,
            content: content
        )
    }

    /// The request body, after checking that `check` accepted the message.
    static func body(_ adapter: any ChannelAdapter, _ message: OutboundMessage) throws -> String {
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: fixedContext)
        return String(decoding: request.body, as: UTF8.self)
    }

    /// The body a text vendor gets for `text` sent to 13800138000.
    static func textBody(sending text: String) -> String {
        #"{"to":"13800138000","text":""# + text + #""}"#
    }

    /// Asserts that `check` refuses the message and `request` throws the same problem.
    static func expectRefused(
        _ adapter: any ChannelAdapter,
        _ message: OutboundMessage,
        field: String,
        containing fragments: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let problem = adapter.check(message)
        #expect(problem?.codeName == "bad_request", sourceLocation: sourceLocation)
        #expect(problem?.field == field, sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                problem?.message.contains(fragment) == true, "\(String(describing: problem))",
                sourceLocation: sourceLocation)
        }
        do {
            let request = try adapter.request(for: message, context: fixedContext)
            Issue.record("request built despite the rules: \(request)", sourceLocation: sourceLocation)
        } catch {
            #expect(error == problem, sourceLocation: sourceLocation)
        }
    }

    // MARK: Signature

    @Test(arguments: [MessageCategory.critical, .transactional, .marketing])
    func signIsPrependedToText(category: MessageCategory) throws {
        // The opt-out text is already there, so only the signature changes, whatever the category.
        let content = "您的账户于今日入账。拒收请回复R"
        let body = try Self.body(try Self.textAdapter(), Self.message(category, content: content))
        #expect(body == Self.textBody(sending: "【示例银行】您的账户于今日入账。拒收请回复R"))
    }

    @Test(arguments: ["【示例银行】您好", " 【示例银行】您好", "　【示例银行】您好", "\t【示例银行】您好"])
    func leadingSignatureIsKept(content: String) throws {
        let body = try Self.body(try Self.textAdapter(), Self.message(.transactional, content: content))
        #expect(body == Self.textBody(sending: "【示例银行】您好"))
    }

    @Test(arguments: [
        ("【别家银行】您好", "【别家银行】"), ("【示例】您好", "【示例】"), ("【示例银行 】您好", "【示例银行 】"),
        ("【】您好", "【】"), ("　【别家银行】【示例银行】您好", "【别家银行】"), ("【示例银行您好", "no closing '】'"),
    ])
    func differentSignatureIsRefused(content: String, fragment: String) throws {
        let adapter = try Self.textAdapter()
        for category in MessageCategory.all {
            Self.expectRefused(
                adapter, Self.message(category, content: content), field: "content",
                containing: [fragment, "【示例银行】"]
            )
        }
    }

    @Test func signNamePlaceholderCarriesTheSignature() throws {
        let adapter = try Self.textAdapter([
            "url": .string("http://127.0.0.1:9080/sms/send?sign={{sign_name}}"),
            "headers": .object(["Content-Type": .string("application/json"), "X-Text": .string("{{content}}")]),
        ])
        let message = Self.message(.marketing, content: "周六讲座")
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(request.url == "http://127.0.0.1:9080/sms/send?sign=%E7%A4%BA%E4%BE%8B%E9%93%B6%E8%A1%8C")
        #expect(request.headers.value(named: "X-Text") == "【示例银行】周六讲座拒收请回复R")
        #expect(String(decoding: request.body, as: UTF8.self) == Self.textBody(sending: "【示例银行】周六讲座拒收请回复R"))
    }

    @Test func contentPlaceholderInTheURLCarriesTheFinalText() throws {
        let adapter = try Self.textAdapter([
            "method": .string("GET"), "body": nil, "url": .string("http://127.0.0.1:9080/sms/send?text={{content}}"),
        ])
        let request = try adapter.request(for: Self.message(.marketing, content: "周六讲座"), context: fixedContext)
        #expect(
            request.url == "http://127.0.0.1:9080/sms/send?text=%E3%80%90%E7%A4%BA%E4%BE%8B%E9%93%B6%E8%A1%8C%E3%80%91"
                + "%E5%91%A8%E5%85%AD%E8%AE%B2%E5%BA%A7%E6%8B%92%E6%94%B6%E8%AF%B7%E5%9B%9E%E5%A4%8DR"
        )
    }

    // MARK: Opt-out text on marketing text

    @Test func suffixIsAppendedToMarketingTextOnly() throws {
        let adapter = try Self.textAdapter()
        let content = "本周六理财讲座，欢迎预约。"
        let marketing = try Self.body(adapter, Self.message(.marketing, content: content))
        #expect(marketing == Self.textBody(sending: "【示例银行】本周六理财讲座，欢迎预约。拒收请回复R"))
        for category in [MessageCategory.transactional, .critical] {
            let body = try Self.body(adapter, Self.message(category, content: content))
            #expect(body == Self.textBody(sending: "【示例银行】本周六理财讲座，欢迎预约。"), "\(category)")
        }
    }

    @Test func suffixIsAppendedWithoutASignName() throws {
        let adapter = try Self.textAdapter(["sign_name": nil])
        let body = try Self.body(adapter, Self.message(.marketing, content: "本周六理财讲座"))
        #expect(body == Self.textBody(sending: "本周六理财讲座拒收请回复R"))
    }

    @Test(arguments: [
        "周六讲座。拒收请回复R", "周六讲座。 拒收请回复R", "周六讲座。拒收 请回复R", "周六讲座。拒收请回复　R",
        "周六讲座。拒收　请　回复　R　", "周六讲座，拒收请回复R，谢谢", "　拒收 请回复 R　周六讲座",
    ])
    func suffixIsNotDoubled(content: String) throws {
        let body = try Self.body(try Self.textAdapter(), Self.message(.marketing, content: content))
        #expect(body == Self.textBody(sending: "【示例银行】" + content))
    }

    @Test func noRulesLeaveTheTextAlone() throws {
        let adapter = try Self.textAdapter(["sign_name": nil, "unsubscribe_suffix": nil])
        let content = "【别家银行】周六讲座"
        #expect(try Self.body(adapter, Self.message(.marketing, content: content)) == Self.textBody(sending: content))
    }

    // MARK: Marketing by vendor template

    @Test func unlistedMarketingTemplateIsRefused() throws {
        Self.expectRefused(
            try Self.templateAdapter(), Self.message(.marketing, template: "SMS_123456"), field: "template",
            containing: ["'SMS_123456'", "'suffix_templates'", "拒收请回复R"]
        )
    }

    @Test func marketingWithoutATemplateIsRefused() throws {
        // A vendor whose request names no template: nothing shows the opt-out text is there.
        let adapter = try Self.templateAdapter(["body": .string(#"{"to":"{{to}}","sign":"{{sign_name}}"}"#)])
        Self.expectRefused(
            adapter, Self.message(.marketing), field: "template", containing: ["'suffix_templates'"]
        )
    }

    @Test func listedMarketingTemplateIsSentUnchanged() throws {
        let adapter = try Self.templateAdapter()
        for template in ["SMS_900001", "SMS_900002"] {
            let marketing = try Self.body(adapter, Self.message(.marketing, template: template))
            #expect(marketing == #"{"to":"13800138000","tpl":""# + template + #"","sign":"示例银行"}"#)
            let transactional = try Self.body(adapter, Self.message(.transactional, template: template))
            #expect(marketing == transactional)
        }
    }

    @Test func otherCategoriesUseAnyTemplate() throws {
        let adapter = try Self.templateAdapter()
        for category in [MessageCategory.transactional, .critical] {
            let body = try Self.body(adapter, Self.message(category, template: "SMS_123456"))
            #expect(body == #"{"to":"13800138000","tpl":"SMS_123456","sign":"示例银行"}"#, "\(category)")
        }
    }

    @Test func withoutASuffixAnyMarketingTemplateIsSent() throws {
        let adapter = try Self.templateAdapter(["unsubscribe_suffix": nil, "suffix_templates": nil])
        let body = try Self.body(adapter, Self.message(.marketing, template: "SMS_123456"))
        #expect(body == #"{"to":"13800138000","tpl":"SMS_123456","sign":"示例银行"}"#)
    }

    // MARK: check and request agree

    @Test func checkAndRequestAgree() throws {
        let adapters = [try Self.textAdapter(), try Self.templateAdapter(), try Self.textAdapter(["sign_name": nil])]
        let contents: [String?] = [
            nil, "", "您好", "【示例银行】您好", "【别家】您好", "【示例银行", "您好拒收请回复R", "  ", "【示例银行】拒收 请回复R",
        ]
        let templates: [String?] = [nil, "SMS_900001", "SMS_123456"]
        for adapter in adapters {
            for category in MessageCategory.all {
                for content in contents {
                    for template in templates {
                        let message = Self.message(category, content: content, template: template)
                        let problem = adapter.check(message)
                        do {
                            _ = try adapter.request(for: message, context: fixedContext)
                            #expect(problem == nil, "\(message)")
                        } catch {
                            #expect(error == problem, "\(message)")
                        }
                    }
                }
            }
        }
    }

    // MARK: Settings

    @Test(arguments: [
        (#"{"sign_name": null}"#, "missing required key 'sign_name' in 'settings' (the templates use {{sign_name}})"),
        (#"{"unsubscribe_suffix": null}"#, "'suffix_templates' needs 'unsubscribe_suffix'"),
        (#"{"sign_name": "【示例银行】"}"#, "'sign_name' is the name inside 【】: write it without the brackets"),
        (#"{"sign_name": " 示例银行"}"#, "'sign_name' must not start or end with a space"),
        (#"{"sign_name": "credential:sign"}"#, "'sign_name' cannot be a secret reference"),
        (#"{"unsubscribe_suffix": "　 "}"#, "'unsubscribe_suffix' must not be blank"),
        (#"{"unsubscribe_suffix": "拒收\n请回复R"}"#, "'unsubscribe_suffix' must not contain control characters"),
        (#"{"suffix_templates": "SMS_900001"}"#, "expected a list for 'suffix_templates'"),
        (#"{"sign_names": "示例银行"}"#, "unknown key 'sign_names' in 'settings'"),
    ])
    func badContentRuleSettingsAreReported(changes: String, fragment: String) throws {
        guard case .object(let members) = try JSONParser.parse(changes) else { return }
        var settings: [String: JSONValue?] = [
            "body": .string(Self.templateBody), "sign_name": .string(Self.sign),
            "unsubscribe_suffix": .string(Self.suffix), "suffix_templates": .array([.string("SMS_900001")]),
        ]
        for (key, value) in members { settings[key] = value == .null ? nil : value }
        let issues = try SMSHTTPProfileTests.issues(settings)
        #expect(issues.contains { $0.message.contains(fragment) && $0.severity == .error }, "\(issues)")
    }

    @Test func suffixTemplatesOnATextChannelAreFlaggedAsUnused() throws {
        let settings = try SMSHTTPProfileTests.settings([
            "body": .string(Self.textBody), "unsubscribe_suffix": .string(Self.suffix),
            "suffix_templates": .array([.string("SMS_900001")]),
        ])
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: settings)
        #expect(built.adapter != nil)
        #expect(built.issues.map(\.severity) == [.warning])
        #expect(built.issues.first?.message.hasPrefix("'suffix_templates' is unused") == true)
    }
}

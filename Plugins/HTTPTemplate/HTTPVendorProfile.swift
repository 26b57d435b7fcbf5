public import ChannelKit

/// The generic `http` vendor: a request template and reply rules, all from `settings:`. Shared by the SMS channel
/// and the call queue (which refuses the SMS-only keys: `sign_name`, `unsubscribe_suffix`, `suffix_templates`,
/// `mo`).
///
/// It lets an operator onboard a vendor the project has never seen without code. The request is built from
/// `url`, `method`, `headers` and `body` templates; the reply is read with `success`, `message_id_path`,
/// `code_path` and `detail_path`, and classified with `retry_statuses`, `retry_codes` and `code_reasons`.
/// `sign_name`, `unsubscribe_suffix` and `suffix_templates` apply China's content rules (`+ContentRules`), and
/// `mo:` reads customer replies pushed by the vendor (`+Replies`).
/// Every key, its type and default are listed in `Plugins/SMS/README.md` and read in `+Settings`.
public struct HTTPVendorProfile: ChannelAdapter {
    /// The body's encoding, which decides how substituted values are escaped.
    enum BodyFormat: String, Sendable, CaseIterable {
        case json, form, raw

        var escaping: Template.Escaping {
            switch self {
            case .json: .json
            case .form: .percent
            case .raw: .raw
            }
        }

        /// The Content-Type sent when the headers name none (raw bodies get none).
        var contentType: String? {
            switch self {
            case .json: "application/json"
            case .form: "application/x-www-form-urlencoded"
            case .raw: nil
            }
        }
    }

    /// Which phone numbers `check` accepts.
    enum RecipientPattern: String, Sendable, CaseIterable {
        /// 11 digits starting with 1, optionally prefixed `+86`.
        case cnMobile = "cn_mobile"
        /// `+`, then 8 to 15 digits, the first not 0.
        case e164
        /// Either of the above.
        case e164OrCN = "e164_or_cn"

        func matches(_ number: String) -> Bool {
            switch self {
            case .cnMobile: PhoneNumber.isCNMobile(number)
            case .e164: PhoneNumber.isE164(number)
            case .e164OrCN: PhoneNumber.isCNMobile(number) || PhoneNumber.isE164(number)
            }
        }

        var summary: String {
            switch self {
            case .cnMobile: "a mainland China mobile number (11 digits starting with 1, optionally +86)"
            case .e164: "an E.164 number (+ and 8 to 15 digits)"
            case .e164OrCN: "an E.164 number (+ and 8 to 15 digits) or an 11-digit mainland China mobile number"
            }
        }
    }

    /// One configured header; a secret is kept wrapped until the request is built.
    struct Header: Sendable {
        enum Value: Sendable {
            case template(Template)
            case secret(Secret)
        }

        var name: String
        var value: Value
    }

    let method: String
    let url: Template
    let headers: [Header]
    let body: Template?
    let bodyFormat: BodyFormat
    let successPath: JSONPath
    let successEquals: String
    let messageIDPath: JSONPath?
    let codePath: JSONPath
    let detailPath: JSONPath?
    let retryStatuses: Set<Int>
    let retryCodes: Set<String>
    let codeReasons: [String: ReasonCategory]
    let recipientPattern: RecipientPattern
    let contentRules: ContentRules
    /// How customer replies are read from a callback; `nil` when `mo:` is not configured.
    let replyRules: ReplyRules?
    /// Every field the templates use, in order of first use, so `check` tests each once.
    let usedFields: [Template.Field]

    public func check(_ message: OutboundMessage) -> MessageProblem? {
        guard recipientPattern.matches(message.recipient) else {
            return .invalidRecipient("'\(message.recipient)' is not \(recipientPattern.summary)")
        }
        for field in usedFields {
            switch field {
            case .template where message.template == nil:
                return .badRequest("this channel sends templates: 'template' is required", field: "template")
            case .content where message.content == nil:
                return .badRequest("this channel sends text: 'content' is required", field: "content")
            case .param(let name) where message.params[name] == nil:
                return .badRequest("the template needs parameter '\(name)'", field: "params.\(name)")
            default:
                continue
            }
        }
        // The content rules, through the same function that builds the request's text, so the two agree.
        do {
            _ = try outgoingText(message)
        } catch {
            return error
        }
        return nil
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        // The core checks before queueing, but settings may have changed since: never send a half-filled template.
        if let problem = check(message) { throw problem }
        let text = try outgoingText(message) ?? message.content ?? ""
        func render(_ template: Template, _ escaping: Template.Escaping) -> String {
            template.render(escaping, message: message, text: text, signName: contentRules.signName ?? "")
        }
        var fields: [HTTPHeader] = []
        for header in headers {
            switch header.value {
            case .template(let template):
                fields.append(HTTPHeader(header.name, render(template, .header)))
            case .secret(let secret): fields.append(HTTPHeader(header.name, secret.reveal()))
            }
        }
        var bytes: [UInt8] = []
        if let body {
            bytes = Array(render(body, bodyFormat.escaping).utf8)
            if fields.value(named: "Content-Type") == nil, let contentType = bodyFormat.contentType {
                fields.append(HTTPHeader("Content-Type", contentType))
            }
        }
        return VendorRequest(
            method: method,
            url: render(url, .percent),
            headers: fields,
            body: bytes
        )
    }
}

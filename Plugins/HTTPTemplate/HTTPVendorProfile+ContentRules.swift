import ChannelKit

extension HTTPVendorProfile {
    /// Mainland China's SMS content rules for one instance: the approved signature (签名) every text must lead
    /// with, and the opt-out text (退订语, e.g. `拒收请回复R`) every marketing message must carry.
    ///
    /// A message *sent as text* (the templates use `{{content}}`) is edited: the signature is put in front and,
    /// for marketing, the opt-out text is appended. A message *sent by vendor template* cannot be edited, so a
    /// marketing one must name a template listed in `suffix_templates`. ``check(_:)`` and the request agree
    /// because both go through ``text(for:category:)`` and ``problem(sendingTemplate:)``.
    struct ContentRules: Sendable {
        /// The approved signature, without the `【】` around it.
        var signName: String?
        /// The opt-out text marketing messages must carry.
        var unsubscribeSuffix: String?
        /// Vendor templates approved with the opt-out text already in them.
        var suffixTemplates: Set<String>

        /// No rules: the text is sent as the client gave it.
        static let none = ContentRules(signName: nil, unsubscribeSuffix: nil, suffixTemplates: [])

        /// The longest part of a foreign signature quoted back in a problem.
        static let maximumQuotedLength = 30

        /// The text to send for a message sent as text: signature, content, then the opt-out text for marketing.
        /// - Parameters:
        ///   - content: the message's content.
        ///   - category: the message's category; only `marketing` gets the opt-out text.
        /// - Throws: ``MessageProblem`` (field `content`) if the content leads with a different signature.
        func text(for content: String, category: MessageCategory) throws(MessageProblem) -> String {
            var text = content
            if let signName { text = try Self.signed(content, as: signName) }
            if let unsubscribeSuffix, category == .marketing,
                !Self.withoutSpaces(content).contains(Self.withoutSpaces(unsubscribeSuffix))
            {
                // Chinese SMS convention: appended directly, no space.
                text += unsubscribeSuffix
            }
            return text
        }

        /// Why a message sent by vendor template breaks the rules, or `nil`: a marketing template must be one
        /// approved with the opt-out text.
        func problem(sendingTemplate message: OutboundMessage) -> MessageProblem? {
            guard let unsubscribeSuffix, message.category == .marketing else { return nil }
            guard let template = message.template else {
                return .badRequest(
                    "marketing messages on this channel are sent by vendor template and need a 'template' listed "
                        + "in the channel's 'suffix_templates' (templates approved with '\(unsubscribeSuffix)')",
                    field: "template"
                )
            }
            guard suffixTemplates.contains(template) else {
                return .badRequest(
                    "marketing template '\(template)' is not listed in the channel's 'suffix_templates': only "
                        + "templates approved with the opt-out text '\(unsubscribeSuffix)' may carry marketing",
                    field: "template"
                )
            }
            return nil
        }

        /// The content led by `【signName】`: kept if it already is (leading spaces dropped), prefixed if it
        /// starts with no bracket, refused if it starts with another one.
        static func signed(_ content: String, as signName: String) throws(MessageProblem) -> String {
            let body = content.drop(while: isSpace)
            guard body.first == "【" else { return "【\(signName)】" + content }
            guard let close = body.firstIndex(of: "】") else {
                throw .badRequest(
                    "'content' starts with '【' but has no closing '】'; this channel signs as 【\(signName)】",
                    field: "content"
                )
            }
            let found = body[body.index(after: body.startIndex)..<close]
            guard found == signName else {
                throw .badRequest(
                    "'content' is signed 【\(found.prefix(maximumQuotedLength))】 but this channel's approved "
                        + "signature is 【\(signName)】; send it without a signature or through its own channel",
                    field: "content"
                )
            }
            return String(body)
        }

        /// An ASCII space or tab, or the full-width space U+3000.
        static func isSpace(_ character: Character) -> Bool {
            character == " " || character == "\t" || character == "\u{3000}"
        }

        /// The text without ASCII and full-width spaces, to compare opt-out texts however they were spaced.
        static func withoutSpaces(_ text: String) -> String {
            String(text.filter { !isSpace($0) })
        }
    }

    /// Whether the templates send the message's text (`{{content}}`); otherwise the vendor's template is the text.
    var sendsText: Bool { usedFields.contains(.content) }

    /// What `{{content}}` stands for, after the content rules; `nil` for an instance that sends by template.
    /// - Throws: ``MessageProblem`` if the message breaks the content rules.
    func outgoingText(_ message: OutboundMessage) throws(MessageProblem) -> String? {
        guard sendsText else {
            if let problem = contentRules.problem(sendingTemplate: message) { throw problem }
            return nil
        }
        // `check` refuses a missing content before this is reached.
        guard let content = message.content else { return nil }
        return try contentRules.text(for: content, category: message.category)
    }
}

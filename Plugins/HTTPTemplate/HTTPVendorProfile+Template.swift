import ChannelKit

extension HTTPVendorProfile {
    /// A setting with `{{…}}` placeholders, parsed once at load into literal and field segments.
    ///
    /// Placeholders: `{{to}}`, `{{template}}`, `{{content}}`, `{{message_id}}`, `{{channel}}`, `{{sign_name}}`
    /// and `{{params.NAME}}`; spaces inside the braces are ignored. Literal text is sent as written; only substituted
    /// values are escaped, for the context the template is used in.
    struct Template: Sendable, Hashable {
        /// A message field a placeholder names.
        enum Field: Sendable, Hashable {
            case to, template, content, messageID, channel, signName
            case param(String)

            /// The placeholder names, for messages.
            static let names = ["to", "template", "content", "message_id", "channel", "sign_name", "params.NAME"]

            init?(name: String) {
                switch name {
                case "to": self = .to
                case "template": self = .template
                case "content": self = .content
                case "message_id": self = .messageID
                case "channel": self = .channel
                case "sign_name": self = .signName
                default:
                    guard name.hasPrefix("params."), name.count > "params.".count else { return nil }
                    self = .param(String(name.dropFirst("params.".count)))
                }
            }
        }

        enum Segment: Sendable, Hashable {
            case literal(String)
            case field(Field)
        }

        /// How substituted values are escaped.
        enum Escaping: Sendable {
            /// Inside a JSON string literal: JSON escapes, no quotes added.
            case json
            /// RFC 3986: unreserved bytes kept, every other UTF-8 byte as `%XX` (space is `%20`).
            case percent
            /// As is.
            case raw
            /// As is, but control characters become spaces, so a value cannot split a header line.
            case header
        }

        let segments: [Segment]

        /// Parses a template, reporting an unknown or unterminated placeholder at `mark`.
        /// - Parameters:
        ///   - text: the setting's text.
        ///   - key: the setting's name, for messages.
        ///   - mark: where the setting's value sits.
        ///   - issues: where problems go.
        init?(_ text: String, key: String, mark: ConfigMark, issues: ConfigIssueCollector) {
            var segments: [Segment] = []
            var rest = Substring(text)
            var valid = true
            while let open = rest.firstRange(of: "{{") {
                if open.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<open.lowerBound]))) }
                let inside = rest[open.upperBound...]
                guard let close = inside.firstRange(of: "}}") else {
                    issues.error(mark, "unterminated placeholder in '\(key)': '{{' without '}}'")
                    return nil
                }
                let name = String(inside[..<close.lowerBound]).trimmingSpaces()
                if let field = Field(name: name) {
                    segments.append(.field(field))
                } else {
                    issues.error(
                        mark,
                        "unknown placeholder '{{\(name)}}' in '\(key)'; expected one of: "
                            + Field.names.map { "{{\($0)}}" }.joined(separator: ", ")
                    )
                    valid = false
                }
                rest = inside[close.upperBound...]
            }
            guard valid else { return nil }
            if !rest.isEmpty { segments.append(.literal(String(rest))) }
            self.segments = segments
        }

        /// The fields the template uses, in order of first use.
        var fields: [Field] {
            var seen: [Field] = []
            for case .field(let field) in segments where !seen.contains(field) { seen.append(field) }
            return seen
        }

        /// The text before the first placeholder (the whole text when there is none).
        var leadingLiteral: String {
            guard case .literal(let text)? = segments.first else { return "" }
            return text
        }

        /// The template's text when it has no placeholders.
        var constantText: String? {
            fields.isEmpty ? leadingLiteral : nil
        }

        /// Substitutes every placeholder.
        /// - Parameters:
        ///   - escaping: how values are escaped.
        ///   - value: a field's value; the caller checked that every field has one.
        func render(_ escaping: Escaping, value: (Field) -> String) -> String {
            var output = ""
            for segment in segments {
                switch segment {
                case .literal(let text): output += text
                case .field(let field): Self.append(value(field), escaping: escaping, to: &output)
                }
            }
            return output
        }

        /// Substitutes a message's values.
        /// - Parameters:
        ///   - escaping: how values are escaped.
        ///   - message: the message.
        ///   - text: what `{{content}}` stands for: the message's content after the content rules.
        ///   - signName: what `{{sign_name}}` stands for.
        func render(_ escaping: Escaping, message: OutboundMessage, text: String, signName: String) -> String {
            render(escaping) { field in
                switch field {
                case .to: message.recipient
                case .template: message.template ?? ""
                case .content: text
                case .messageID: message.id
                case .channel: message.channel
                case .signName: signName
                case .param(let name): message.params[name] ?? ""
                }
            }
        }

        static func append(_ value: String, escaping: Escaping, to output: inout String) {
            switch escaping {
            case .json:
                JSONValue.appendEscaped(value, to: &output)
            case .raw:
                output += value
            case .header:
                for scalar in value.unicodeScalars {
                    output.unicodeScalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
                }
            case .percent:
                output += PercentEncoding.encode(value)
            }
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (no Foundation).
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}

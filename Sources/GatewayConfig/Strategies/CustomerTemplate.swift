internal import Foundation

/// A text with `{{customer.NAME}}` and `{{customer.NAME|default}}` placeholders, parsed once at load.
///
/// Names are `[A-Za-z_][A-Za-z0-9_]{0,63}` (spaces inside the braces are allowed); the default is any text up to
/// `}}`, possibly empty. Any other `{{…}}` is an error, so a typo such as `{{custmer.name}}` is caught by
/// `check-config` rather than sent to a customer.
public struct CustomerTemplate: Sendable, Equatable {
    /// A piece of the text.
    public enum Part: Sendable, Equatable {
        case text(String)
        /// A customer attribute, with the text used when the customer has none (else the step is suppressed).
        case attribute(name: String, fallback: String?)
    }

    /// Why a text is not a valid template.
    public struct Problem: Error, Sendable, Equatable {
        public var message: String
    }

    public var parts: [Part]

    /// The attribute names used, in order of first use.
    public var attributeNames: [String] {
        var names: [String] = []
        for case .attribute(let name, _) in parts where !names.contains(name) { names.append(name) }
        return names
    }

    /// Whether the text has no placeholder.
    public var isPlain: Bool { !parts.contains { if case .attribute = $0 { true } else { false } } }

    /// Parses `text`.
    public static func parse(_ text: String) throws(Problem) -> CustomerTemplate {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}") else {
                throw Problem(message: "'{{' is not closed by '}}' in '\(clip(rest[open.lowerBound...]))'")
            }
            let inner = after[..<close.lowerBound]
            parts.append(try placeholder(inner))
            rest = after[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return CustomerTemplate(parts: parts)
    }

    /// The text with each placeholder replaced, or `nil` if an attribute without a default is missing.
    public func render(_ attribute: (String) -> String?) -> String? {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .attribute(let name, let fallback):
                guard let value = attribute(name) ?? fallback else { return nil }
                out += value
            }
        }
        return out
    }

    /// Whether `name` is a valid attribute name, `[A-Za-z_][A-Za-z0-9_]{0,63}`.
    public static func isAttributeName(_ name: some StringProtocol) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
        }
        return isLetter(first) && bytes.allSatisfy { isLetter($0) || (0x30...0x39).contains($0) }
    }

    private static func placeholder(_ inner: Substring) throws(Problem) -> Part {
        let (body, fallback): (Substring, String?) =
            if let bar = inner.firstIndex(of: "|") {
                (inner[..<bar], String(inner[inner.index(after: bar)...]))
            } else {
                (inner, nil)
            }
        var path = String(body.drop { $0 == " " })
        while path.hasSuffix(" ") { path.removeLast() }
        guard path.hasPrefix("customer.") else {
            throw Problem(
                message: "unknown placeholder '{{\(inner)}}'; expected {{customer.NAME}} or {{customer.NAME|default}}")
        }
        let name = path.dropFirst("customer.".count)
        guard isAttributeName(name) else {
            throw Problem(
                message: "invalid attribute name '\(name)' in '{{\(inner)}}'; names match [A-Za-z_][A-Za-z0-9_]{0,63}")
        }
        return .attribute(name: String(name), fallback: fallback)
    }

    private static func clip(_ text: Substring) -> String {
        text.count <= 40 ? String(text) : String(text.prefix(40)) + "…"
    }
}

/// A tiny reader for WeChat's flat push XML (`<xml><Name><![CDATA[text]]></Name><Number>1</Number>…</xml>`).
///
/// Chosen over FoundationXML to keep the adapter free of Foundation and libxml2: WeChat's pushes are one level of
/// elements whose text is either CDATA or plain text with the five predefined entities
/// (vendors.md §4.3; https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html).
/// Nested elements are not descended into; the first element of a name wins.
struct WeChatXML: Sendable {
    /// The text of each element found, by name.
    let elements: [String: String]

    /// Reads `body`; `nil` if it is not an `<xml>…</xml>` document.
    init?(_ body: [UInt8]) {
        let text = String(decoding: body, as: UTF8.self)
        guard let start = text.firstRange(of: "<xml>"), let end = text.ranges(of: "</xml>").last,
            start.upperBound <= end.lowerBound
        else { return nil }
        var elements: [String: String] = [:]
        var rest = text[start.upperBound..<end.lowerBound]
        while let open = rest.firstIndex(of: "<") {
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: ">") else { break }
            let name = String(rest[afterOpen..<close])
            let contentStart = rest.index(after: close)
            guard !name.isEmpty, !name.hasPrefix("/"), !name.hasPrefix("!"), !name.hasPrefix("?"),
                !name.contains(" "), !name.hasSuffix("/")
            else {
                rest = rest[contentStart...]
                continue
            }
            guard let closing = rest[contentStart...].firstRange(of: "</\(name)>") else { return nil }
            let raw = rest[contentStart..<closing.lowerBound]
            if elements[name] == nil { elements[name] = Self.text(of: raw) }
            rest = rest[closing.upperBound...]
        }
        self.elements = elements
    }

    /// The text of the element `name`, if present.
    subscript(_ name: String) -> String? { elements[name] }

    /// CDATA content as it is, or plain text with entities decoded, trimmed of surrounding whitespace.
    static func text(of raw: Substring) -> String {
        let trimmed = raw.trimmingWhitespace
        if trimmed.hasPrefix("<![CDATA["), trimmed.hasSuffix("]]>") {
            return String(trimmed.dropFirst(9).dropLast(3))
        }
        return String(trimmed)
            .replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"")
            .replacing("&apos;", with: "'").replacing("&amp;", with: "&")
    }
}

extension Substring {
    /// Without leading and trailing spaces, tabs and line breaks.
    fileprivate var trimmingWhitespace: Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else {
            return ""
        }
        return self[first...last]
    }
}

/// Fills `{{customer.NAME}}` and `{{customer.NAME|default}}` in a step's texts from the customer's attributes.
///
/// Pure. A placeholder whose attribute is missing takes its default; without one the text cannot be rendered
/// and the send is suppressed (`missing_attribute`) rather than sent with a hole in it. `customer.id` is the
/// customer's id unless an attribute of that name exists. Other `{{…}}` text (a vendor template's own syntax) is
/// left as written. Works on UTF-8 bytes: it runs for every strategy send, and Foundation's string search cost
/// more than the rest of the interpretation.
enum TemplateRenderer {
    /// A placeholder whose attribute is missing and which has no default.
    struct Missing: Error, Equatable {
        var attribute: String
    }

    private static let prefix = Array("customer.".utf8)
    private static let brace: UInt8 = 0x7B
    private static let closing: UInt8 = 0x7D
    private static let space: UInt8 = 0x20
    private static let bar: UInt8 = 0x7C

    /// Renders one text.
    static func render(_ text: String, attributes: [String: String], customerID: String) throws(Missing) -> String {
        var text = text
        let rendered: Result<String?, Missing> = text.withUTF8 { bytes in
            render(bytes, attributes: attributes, customerID: customerID)
        }
        switch rendered {
        case .success(let result?): return result
        case .success(nil): return text
        case .failure(let missing): throw missing
        }
    }

    /// Renders an optional text.
    static func render(optional text: String?, attributes: [String: String], customerID: String) throws(Missing)
        -> String?
    {
        guard let text else { return nil }
        return try render(text, attributes: attributes, customerID: customerID)
    }

    /// Renders every value of template params.
    static func render(params: [String: String], attributes: [String: String], customerID: String) throws(Missing)
        -> [String: String]
    {
        var result = params
        for (key, value) in params {
            result[key] = try render(value, attributes: attributes, customerID: customerID)
        }
        return result
    }

    /// The rendered text, or `nil` when it has no placeholder of ours (the text stands as it is).
    private static func render(
        _ bytes: UnsafeBufferPointer<UInt8>, attributes: [String: String], customerID: String
    ) -> Result<String?, Missing> {
        var output: [UInt8] = []
        var copied = 0
        var index = 0
        let count = bytes.count
        while index + 1 < count {
            guard bytes[index] == brace, bytes[index + 1] == brace else {
                index += 1
                continue
            }
            // The matching `}}`.
            var end = index + 2
            while end + 1 < count, !(bytes[end] == closing && bytes[end + 1] == closing) { end += 1 }
            guard end + 1 < count else { break }
            var start = index + 2
            var stop = end
            while start < stop, bytes[start] == space { start += 1 }
            while stop > start, bytes[stop - 1] == space { stop -= 1 }
            guard stop - start > prefix.count, zip(prefix, bytes[start..<start + prefix.count]).allSatisfy(==) else {
                index = end + 2
                continue
            }
            let body = start + prefix.count
            var nameEnd = body
            while nameEnd < stop, bytes[nameEnd] != bar { nameEnd += 1 }
            let hasDefault = nameEnd < stop
            var trimmedEnd = nameEnd
            while trimmedEnd > body, bytes[trimmedEnd - 1] == space { trimmedEnd -= 1 }
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[body..<trimmedEnd]), as: UTF8.self)
            output.append(contentsOf: bytes[copied..<index])
            if let value = attributes[name] ?? (name == "id" ? customerID : nil), !value.isEmpty {
                output.append(contentsOf: value.utf8)
            } else if hasDefault {
                output.append(contentsOf: bytes[(nameEnd + 1)..<stop])
            } else {
                return .failure(Missing(attribute: name))
            }
            index = end + 2
            copied = index
        }
        guard copied > 0 else { return .success(nil) }
        output.append(contentsOf: bytes[copied..<count])
        return .success(String(decoding: output, as: UTF8.self))
    }
}

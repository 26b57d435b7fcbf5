import ChannelKit

/// A customer's attributes as both stores keep them (`customers.attributes_sealed`, before sealing), and as a
/// forget job keeps the addresses it sweeps for.
package enum CustomerAttributes {
    /// Attributes as stored: a JSON object of strings with sorted keys (the gateway's own JSON writer and parser:
    /// the engine reads them for every run it loads, and Foundation's coders cost several times more).
    package static func encode(_ attributes: [String: String]) throws(StoreError) -> String? {
        guard !attributes.isEmpty else { return nil }
        return JSONValue.object(attributes.mapValues(JSONValue.string)).serialized
    }

    package static func decode(_ text: String?) throws(StoreError) -> [String: String] {
        guard var text, !text.isEmpty else { return [:] }
        if let flat = text.withUTF8(flatStrings) { return flat }
        guard case .object(let members)? = try? JSONParser.parse(text) else {
            throw StoreError.statementFailed("customer attributes are damaged")
        }
        return members.compactMapValues(\.stringValue)
    }

    /// Attributes as ``encode(_:)`` writes them (`{"k":"v",…}`: compact, strings only, usually no
    /// escapes) read straight into the dictionary, without the parser's value tree; `nil` for anything else
    /// (an escape, a space, another value type), which the full parser reads.
    private static func flatStrings(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        let count = bytes.count
        guard count >= 2, bytes[0] == UInt8(ascii: "{"), bytes[count - 1] == UInt8(ascii: "}") else { return nil }
        var attributes: [String: String] = [:]
        guard count > 2 else { return attributes }
        var index = 1
        while true {
            guard let key = quoted(bytes, &index), index < count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let value = quoted(bytes, &index), index < count else { return nil }
            attributes[key] = value
            if bytes[index] == UInt8(ascii: ","), index + 1 < count - 1 {
                index += 1
            } else {
                return bytes[index] == UInt8(ascii: "}") && index == count - 1 ? attributes : nil
            }
        }
    }

    /// The string literal at `index` when it has no escape; `index` moves past its closing quote.
    private static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }
}

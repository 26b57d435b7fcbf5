import ChannelKit

/// How a message's template parameters are kept in a store's `params` column.
package enum StoredParams {
    /// Template parameters as stored (by every backend): the text `JSONValue.object` of string values serializes
    /// to (sorted keys). Parameters with nothing to escape (the usual case) are written byte by byte into one string: per-piece
    /// appends and the intermediate dictionary cost more than the message's insert binds.
    package static func text(_ params: [String: String]) -> String? {
        guard !params.isEmpty else { return nil }
        // "{" + entries + "}", each entry "key":"value" (5 bytes of punctuation), joined by commas.
        var length = 1 + params.count
        for (key, value) in params {
            guard !needsEscape(key), !needsEscape(value) else {
                return JSONValue.object(params.mapValues { .string($0) }).serialized
            }
            length += key.utf8.count + value.utf8.count + 5
        }
        let entries = params.count == 1 ? [params.first!] : params.sorted { $0.key < $1.key }
        return String(unsafeUninitializedCapacity: length) { buffer in
            var at = 0
            func put(_ byte: UInt8) {
                buffer[at] = byte
                at += 1
            }
            put(UInt8(ascii: "{"))
            for (offset, entry) in entries.enumerated() {
                if offset > 0 { put(UInt8(ascii: ",")) }
                put(UInt8(ascii: "\""))
                for byte in entry.key.utf8 { put(byte) }
                put(UInt8(ascii: "\""))
                put(UInt8(ascii: ":"))
                put(UInt8(ascii: "\""))
                for byte in entry.value.utf8 { put(byte) }
                put(UInt8(ascii: "\""))
            }
            put(UInt8(ascii: "}"))
            return at
        }
    }

    private static func needsEscape(_ text: String) -> Bool {
        text.utf8.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
    }
}

/// An `application/x-www-form-urlencoded` body as Alibaba's RPC APIs take it: `key=value` pairs joined by `&`,
/// percent-decoded byte by byte (`+` stays `+`: the RPC signature encodes a space as `%20`).
struct FormBody: Sendable {
    /// The pairs in body order, decoded.
    let pairs: [(key: String, value: String)]

    init(_ bytes: some Collection<UInt8>) {
        var pairs: [(key: String, value: String)] = []
        var key: [UInt8] = []
        var value: [UInt8] = []
        var inValue = false
        var sawEquals = false
        func finish() {
            if sawEquals { pairs.append((Self.decoded(key), Self.decoded(value))) }
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            inValue = false
            sawEquals = false
        }
        for byte in bytes {
            if byte == UInt8(ascii: "&") {
                finish()
            } else if byte == UInt8(ascii: "="), !inValue {
                inValue = true
                sawEquals = true
            } else if inValue {
                value.append(byte)
            } else {
                key.append(byte)
            }
        }
        finish()
        self.pairs = pairs
    }

    /// The value of the first pair named `key`.
    subscript(key: String) -> String? {
        pairs.first { $0.key == key }?.value
    }

    /// `%XY` sequences decoded; a malformed one is kept as it is.
    private static func decoded(_ bytes: [UInt8]) -> String {
        guard bytes.contains(UInt8(ascii: "%")) else { return String(decoding: bytes, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Array parameters in PostgreSQL's text form (`{"a","b",NULL}`), so one statement carries a whole batch:
/// `INSERT … SELECT * FROM unnest($1::text[], $2::bigint[])` writes every row of a batch in one execution.
///
/// Literals are built as UTF-8 bytes and made a `String` once: appending to a `String` element by element (and a
/// `String` per number) was the store writer's largest cost in `perf` with two nodes on one database.
public enum PostgresArray {
    /// A `text[]` literal: every element quoted (`"` and `\` escaped), `nil` as NULL.
    public static func text(_ values: some Sequence<String?>) -> String {
        var literal = Literal(capacity: values.underestimatedCount * 24)
        for value in values {
            literal.separate()
            guard var value else {
                literal.bytes.append(contentsOf: Literal.null)
                continue
            }
            literal.bytes.append(Literal.quote)
            value.withUTF8 { utf8 in
                // Most values need no escape: copied whole.
                guard utf8.contains(where: { $0 == Literal.quote || $0 == Literal.backslash }) else {
                    literal.bytes.append(contentsOf: utf8)
                    return
                }
                for byte in utf8 {
                    if byte == Literal.quote || byte == Literal.backslash { literal.bytes.append(Literal.backslash) }
                    literal.bytes.append(byte)
                }
            }
            literal.bytes.append(Literal.quote)
        }
        return literal.finish()
    }

    /// A `text[]` literal of values that are never NULL.
    public static func text(_ values: some Sequence<String>) -> String { text(values.lazy.map { Optional($0) }) }

    /// A `bigint[]` literal, `nil` as NULL.
    public static func bigint(_ values: some Sequence<Int64?>) -> String {
        var literal = Literal(capacity: values.underestimatedCount * 14)
        for value in values {
            literal.separate()
            if let value { literal.append(value) } else { literal.bytes.append(contentsOf: Literal.null) }
        }
        return literal.finish()
    }

    /// A `bigint[]` literal of values that are never NULL.
    public static func bigint(_ values: some Sequence<Int64>) -> String {
        var literal = Literal(capacity: values.underestimatedCount * 14)
        for value in values {
            literal.separate()
            literal.append(value)
        }
        return literal.finish()
    }

    /// An array literal being written.
    private struct Literal {
        static let quote = UInt8(ascii: "\"")
        static let backslash = UInt8(ascii: "\\")
        static let null = Array("NULL".utf8)

        var bytes: [UInt8]
        private var empty = true

        init(capacity: Int) {
            bytes = []
            bytes.reserveCapacity(capacity + 2)
            bytes.append(UInt8(ascii: "{"))
        }

        /// A comma before every element but the first.
        mutating func separate() {
            if empty { empty = false } else { bytes.append(UInt8(ascii: ",")) }
        }

        /// `value` in decimal.
        mutating func append(_ value: Int64) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            // The magnitude as unsigned, so Int64.min has one too.
            var magnitude = value.magnitude
            let start = bytes.count
            repeat {
                bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
                magnitude /= 10
            } while magnitude > 0
            bytes[start...].reverse()
        }

        consuming func finish() -> String {
            bytes.append(UInt8(ascii: "}"))
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

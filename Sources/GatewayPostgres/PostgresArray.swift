/// Array parameters in PostgreSQL's text form (`{"a","b",NULL}`), so one statement carries a whole batch:
/// `INSERT … SELECT * FROM unnest($1::text[], $2::bigint[])` writes every row of a batch in one execution.
public enum PostgresArray {
    /// A `text[]` literal: every element quoted (`"` and `\` escaped), `nil` as NULL.
    public static func text(_ values: some Sequence<String?>) -> String {
        var literal = "{"
        var first = true
        for value in values {
            if !first { literal.append(",") }
            first = false
            guard let value else {
                literal.append("NULL")
                continue
            }
            literal.append("\"")
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { literal.append("\\") }
                literal.unicodeScalars.append(character)
            }
            literal.append("\"")
        }
        literal.append("}")
        return literal
    }

    /// A `text[]` literal of values that are never NULL.
    public static func text(_ values: some Sequence<String>) -> String { text(values.lazy.map { Optional($0) }) }

    /// A `bigint[]` literal, `nil` as NULL.
    public static func bigint(_ values: some Sequence<Int64?>) -> String {
        "{" + values.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}"
    }

    /// A `bigint[]` literal of values that are never NULL.
    public static func bigint(_ values: some Sequence<Int64>) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}

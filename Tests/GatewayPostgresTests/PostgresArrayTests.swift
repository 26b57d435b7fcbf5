import GatewayPostgres
import PostgresTesting
import Testing

/// Array literals read back by a real PostgreSQL: whatever a field holds arrives as it was.
@Suite struct PostgresArrayTests {
    @Test func textElementsArriveAsTheyWere() throws {
        let connection = try PostgresConnectionTests.connect()
        let values: [String?] = [
            "plain", "", nil, "NULL", "a \"quoted\" word", #"back\slash\"#, "短信 验证码 📱", "{,}", " spaced ",
            "line\nbreak",
        ]
        let rows = try connection.query(
            PostgresStatement(
                "SELECT v FROM unnest($1::text[]) WITH ORDINALITY AS a(v, n) ORDER BY n", [PostgresArray.text(values)]))
        #expect(rows.rows.map { $0[0] } == values)
        let empty = try connection.query(
            PostgresStatement("SELECT cardinality($1::text[])", [PostgresArray.text([String]())]))
        #expect(empty.scalar == "0")
    }

    @Test func bigintElementsArriveAsTheyWere() throws {
        let connection = try PostgresConnectionTests.connect()
        let values: [Int64?] = [0, 7, -7, 10, 1_700_000_000_123, nil, .max, .min]
        let rows = try connection.query(
            PostgresStatement(
                "SELECT v FROM unnest($1::bigint[]) WITH ORDINALITY AS a(v, n) ORDER BY n",
                [PostgresArray.bigint(values)]))
        #expect(rows.rows.map { $0[0].flatMap { Int64($0) } } == values)
        #expect(PostgresArray.bigint([Int64(-120), 3]) == "{-120,3}")
        #expect(PostgresArray.text(["a\"b", nil]) == #"{"a\"b",NULL}"#)
    }
}

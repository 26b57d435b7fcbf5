import Testing

@testable import GatewayStore

/// Stored customer attributes read back exactly: the byte-level fast path for what the writer stores, the full
/// parser for anything else (escapes, spaces), and damage refused.
struct CustomerAttributesTests {
    @Test(arguments: [
        [:], ["name": "张三"], ["a": "", "b": "x,y:z}{", "tier": "gold"],
        ["quote": "say \"hi\"", "path": "C:\\dir", "line": "a\nb"],
    ])
    func attributesRoundTrip(_ attributes: [String: String]) throws {
        let stored = try CustomerStatements.encodeAttributes(attributes)
        #expect(try CustomerStatements.decodeAttributes(stored) == attributes)
    }

    @Test func textOtherWritersProducedIsReadByTheParser() throws {
        #expect(try CustomerStatements.decodeAttributes(#"{ "a" : "1", "b":"\/x\u00e9" }"#) == ["a": "1", "b": "/xé"])
        // Non-string members are dropped, as before.
        #expect(try CustomerStatements.decodeAttributes(#"{"a":"1","n":2}"#) == ["a": "1"])
    }

    @Test(arguments: [#"{"a":"1",}"#, #"{"a":"1""#, #"{"a""#, "[]", #"{"a":"1"}x"#])
    func damagedTextIsRefused(_ text: String) {
        #expect(throws: StoreError.self) { try CustomerStatements.decodeAttributes(text) }
    }
}

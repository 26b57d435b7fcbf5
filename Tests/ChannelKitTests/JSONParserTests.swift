import ChannelKit
import Testing

struct JSONParserTests {
    @Test func parsesNestedValuesAndKeepsNumberText() throws {
        let value = try JSONParser.parse(
            #"{"a":[1,2.50,-3e2,true,null],"b":{"c":"d\n\u00e9\ud83d\ude00"},"id":12345678901234567890}"#)
        #expect(value["a"] == .array([.number("1"), .number("2.50"), .number("-3e2"), .bool(true), .null]))
        #expect(value["b"]?["c"]?.stringValue == "d\né😀")
        #expect(value["id"]?.scalarText == "12345678901234567890")
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "tru", "\"unterminated", "01", "1.", "{\"a\" 1}", "\"\\x\"", "\"\\ud800\"",
        "[1] 2", "\"a\u{01}b\"",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func unescapedStringsAreCheckedForUTF8OnlyWhenNotASCII() throws {
        // ASCII strings skip the UTF-8 check; raw multi-byte text is still validated.
        let value = try JSONParser.parse(Array(#"{"to":"13800138000","content":"验证码 123456"}"#.utf8))
        #expect(value["to"]?.stringValue == "13800138000")
        #expect(value["content"]?.stringValue == "验证码 123456")
        let invalid: [UInt8] = Array(#"{"a":"x"#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(invalid) }
        let truncated: [UInt8] = Array(#"["ab"#.utf8) + [0xE9, 0xAA] + Array(#""]"#.utf8)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(truncated) }
    }

    @Test func objectsWithManyMembersKeepEveryMemberAndTheLastOfARepeatedKey() throws {
        let members = (0..<20).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        let value = try JSONParser.parse("{\(members),\"k3\":\"last\"}")
        guard case .object(let object) = value else {
            Issue.record("not an object")
            return
        }
        #expect(object.count == 20)
        #expect(object["k19"] == .number("19"))
        #expect(object["k3"]?.stringValue == "last")
    }

    @Test func refusesNestingDeeperThanTheLimit() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func serializationRoundTripsWithSortedKeysAndEscapes() throws {
        let value = JSONValue.object(["b": .string("q\"\\\n\u{01}"), "a": .number("1")])
        #expect(value.serialized == #"{"a":1,"b":"q\"\\\n\u0001"}"#)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test func jsonPathReadsMembersAndIndexes() throws {
        let value = try JSONParser.parse(#"{"data":{"items":[{"id":"x1"},{"id":"x2"}]},"Code":"OK"}"#)
        #expect(JSONPath("$.data.items[1].id")?.evaluate(value)?.stringValue == "x2")
        #expect(JSONPath("Code")?.evaluate(value)?.stringValue == "OK")
        #expect(JSONPath("$['data']['items'][0].id")?.evaluate(value)?.stringValue == "x1")
        #expect(JSONPath("$.data.missing")?.evaluate(value) == nil)
        #expect(JSONPath("$.a[x]") == nil)
    }
}

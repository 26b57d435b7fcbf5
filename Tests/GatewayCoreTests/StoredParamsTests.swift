import ChannelKit
import Testing

@testable import GatewayStore

/// Stored template parameters are read back by JSON parsing and compared by operators as text, so the direct
/// writer must give exactly what `JSONValue.object(...).serialized` gave before.
struct StoredParamsTests {
    @Test(arguments: [
        [:],
        ["code": "123456"],
        ["z": "last", "a": "first", "m": "middle"],
        ["quote": "say \"hi\"", "slash": "a\\b", "line": "one\ntwo", "bell": "\u{07}", "中文": "验证码"],
    ])
    func directParamsMatchTheJSONSerializer(_ params: [String: String]) {
        let expected = params.isEmpty ? nil : JSONValue.object(params.mapValues { .string($0) }).serialized
        #expect(StoredParams.text(params) == expected)
    }
}

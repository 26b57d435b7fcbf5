import Testing

@Test func placeholderGatewayCoreTests() { #expect(Bool(true)) }

import Testing

@Test func placeholderGatewayConfigTests() { #expect(Bool(true)) }

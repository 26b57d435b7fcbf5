import Testing

@Test func placeholderGatewayTransportTests() { #expect(Bool(true)) }

import Testing

@Test func placeholderChannelKitTests() { #expect(Bool(true)) }

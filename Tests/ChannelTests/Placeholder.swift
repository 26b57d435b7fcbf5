import Testing

@Test func placeholderChannelTests() { #expect(Bool(true)) }

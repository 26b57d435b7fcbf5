/// Comparison in time independent of where two values differ, for signatures: a forger learns nothing from how
/// long a refusal takes.
public enum ConstantTime {
    /// Whether `expected` and `given` are the same bytes. Only their lengths leak.
    public static func equal(_ expected: some Collection<UInt8>, _ given: some Collection<UInt8>) -> Bool {
        guard expected.count == given.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(expected, given) { difference |= left ^ right }
        return difference == 0
    }

    /// Whether two strings have the same UTF-8 bytes.
    public static func equal(_ expected: String, _ given: String) -> Bool { equal(expected.utf8, given.utf8) }
}

import Crypto

/// Whether a customer falls in a strategy's holdout group: a deterministic draw from the strategy name and the
/// customer key, so a customer stays in (or out of) the holdout across re-entries and restarts, and the group is
/// an unbiased share of the customers enrolled. The customer key is already keyed under the store's key, so the
/// draw cannot be predicted from a customer id alone.
public enum HoldoutDraw {
    /// `true` if the customer is held out at `share` (0...1).
    public static func isHeldOut(strategy: String, customerKey: String, share: Double) -> Bool {
        guard share > 0 else { return false }
        var hash = SHA256()
        hash.update(text: strategy)
        hash.update(byte: 0)
        hash.update(text: customerKey)
        var value: UInt64 = 0
        for byte in hash.finalize().prefix(8) { value = value << 8 | UInt64(byte) }
        // The top 53 bits as a fraction in [0, 1).
        return Double(value >> 11) / 9_007_199_254_740_992 < share
    }
}

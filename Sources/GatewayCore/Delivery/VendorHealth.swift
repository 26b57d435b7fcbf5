import ChannelKit

/// How an instance's vendor has been answering: failures in a row, the last error and the last success.
///
/// Only vendor-side outcomes count: a refused recipient or content says nothing about the vendor's health.
public struct VendorHealth: Sendable, Hashable {
    /// Failed attempts since the last success.
    public var consecutiveFailures = 0
    /// The last failure's reason, masked for logs and operators (`vendor_unavailable: timeout after 2000 ms`).
    public var lastError: String?
    public var lastErrorAt: Int64?
    public var lastSuccessAt: Int64?
    /// When the current run of failures began (`nil` while the last outcome was a success).
    public var failingSince: Int64?

    /// How long an instance may fail without a success before `health` calls it degraded.
    public static let degradedAfterMilliseconds: Int64 = 60_000

    public init() {}

    mutating func succeeded(at now: Int64) {
        consecutiveFailures = 0
        failingSince = nil
        lastSuccessAt = now
    }

    mutating func failed(_ reason: Reason, at now: Int64) {
        guard reason.category != .invalidRecipient, reason.category != .contentRejected else { return }
        consecutiveFailures += 1
        if failingSince == nil { failingSince = now }
        lastErrorAt = now
        lastError = LogMask.text("\(reason.category.name): \(reason.detail ?? reason.vendorCode ?? "")")
    }

    /// Whether it has only failed for at least ``degradedAfterMilliseconds``.
    public func isDegraded(now: Int64) -> Bool {
        guard let failingSince else { return false }
        return now - failingSince >= Self.degradedAfterMilliseconds
    }
}

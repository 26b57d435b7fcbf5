import ChannelKit

extension ChannelCounters {
    /// Counts what a delivery decision did (the dispatcher calls this once per decision, under the counters'
    /// lock, so a request's counters and its instance's vendor health change together).
    /// - Parameter now: wall-clock epoch milliseconds, for vendor health.
    mutating func count(_ actions: [DeliveryAction], now: Int64) {
        for action in actions {
            switch action {
            case .complete(_, let record):
                queued -= 1
                switch record.state {
                case .sent: sent += 1
                case .failed:
                    failed += 1
                    failuresByReason[record.reason?.category.name ?? "unknown", default: 0] += 1
                case .expired: expired += 1
                case .queued: break
                }
            case .failOver:
                queued -= 1
                failedOver += 1
            case .retry, .reschedule:
                retried += 1
            case .vendorSucceeded:
                vendor.succeeded(at: now)
            case .vendorFailed(let reason):
                vendor.failed(reason, at: now)
            case .countAmbiguous(let messages):
                ambiguous += messages
            case .noteUnreadableReply(_, let messages):
                unreadableReplies += messages
            case .countSendCheck(let answer):
                sendChecks[answer.rawValue, default: 0] += 1
            case .refreshToken, .resendWithFreshToken, .askBeforeResending, .holdCallSlot:
                break
            }
        }
    }
}

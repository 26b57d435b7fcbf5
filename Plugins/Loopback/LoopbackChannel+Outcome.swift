public import ChannelKit

extension LoopbackChannel {
    /// Reads the echoed body: `fail: true` becomes the configured failure, anything else is accepted.
    public func outcome(
        of response: VendorResponse,
        to request: VendorRequest,
        message: OutboundMessage
    ) -> SendOutcome {
        guard (200..<300).contains(response.status) else {
            return .retry(Reason(.vendorUnavailable, vendorCode: "HTTP \(response.status)"))
        }
        guard let echo = try? JSONParser.parse(response.body), case .bool(let fail)? = echo["fail"] else {
            return .retry(Reason(.unknown, detail: "unparsable reply"))
        }
        if fail {
            let reason = Reason(failureCategory, detail: "loopback failure")
            return failureRetryable ? .retry(reason) : .reject(reason)
        }
        let id = echo["message_id"]?.stringValue ?? message.id
        return .accepted(vendorMessageID: "loop-" + id)
    }
}

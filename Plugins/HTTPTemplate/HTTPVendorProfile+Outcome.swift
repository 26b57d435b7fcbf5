public import ChannelKit

extension HTTPVendorProfile {
    /// The longest vendor detail kept in a ``Reason``: enough to read, bounded for logs and the store.
    static let maximumDetailLength = 200

    /// Classifies a reply. A 2xx is accepted only when the success field says so; see the README's table.
    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        let status = response.status
        let statusCode = "HTTP \(status)"
        if status == 429 {
            return .retry(Reason(.throttled, vendorCode: statusCode), after: response.retryAfter)
        }
        if retryStatuses.contains(status) {
            return .retry(Reason(.vendorUnavailable, vendorCode: statusCode), after: response.retryAfter)
        }
        if status == 401 || status == 403 {
            return .reject(Reason(.authExpired, vendorCode: statusCode))
        }
        guard (200..<300).contains(status) else {
            return .reject(Reason(.unknown, vendorCode: statusCode))
        }
        guard let reply = try? JSONParser.parse(response.body) else {
            return .retry(Reason(.unknown, detail: "unparsable reply"))
        }
        if successPath.evaluate(reply)?.scalarText == successEquals {
            return .accepted(vendorMessageID: messageIDPath?.evaluate(reply)?.scalarText)
        }
        let detail = detailPath?.evaluate(reply)?.scalarText.map { String($0.prefix(Self.maximumDetailLength)) }
        guard let code = codePath.evaluate(reply)?.scalarText else {
            // No success value and no code: the reply's shape changed. Unsure, so retry rather than guess.
            return .retry(Reason(.unknown, detail: detail ?? "no code at \(codePath)"))
        }
        let reason = Reason(codeReasons[code] ?? .unknown, vendorCode: code, detail: detail)
        return retryCodes.contains(code) ? .retry(reason) : .reject(reason)
    }
}

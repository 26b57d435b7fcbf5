import ChannelKit

/// Placeholder until the profile is built: every instance naming it is refused at load.
struct APNsProfile: ChannelAdapter {
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        issues.error(setup.mark, "vendor '\(setup.vendor ?? "")' of channel type 'app_push' is not built yet")
        return nil
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        throw .badRequest("not built yet")
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        .reject(Reason(.unknown, detail: "not built yet"))
    }
}

import ChannelKit
import ChannelTesting
import Testing

/// `template_code` is the template of messages without their own, so the adapter says it has a default (and the
/// control service then accepts a send naming neither `template` nor `content`).
struct SMSAliyunDefaultTemplateTests {
    @Test func anInstanceWithTemplateCodeHasADefaultTemplate() throws {
        #expect(
            try SMSAliyunProfileTests.adapter(["template_code": .string("SMS_9")]).require(
                (any DefaultTemplateProviding).self
            )
            .hasDefaultTemplate)
        #expect(try !SMSAliyunProfileTests.adapter().require((any DefaultTemplateProviding).self).hasDefaultTemplate)
    }

    @Test func adaptersHaveNoneUnlessTheySaySo() {
        struct Plain: ChannelAdapter {
            func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem)
                -> VendorRequest
            { VendorRequest(method: "POST", url: "https://vendor.example") }
            func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage)
                -> SendOutcome
            { .accepted(vendorMessageID: nil) }
        }
        #expect(!(Plain() is any DefaultTemplateProviding))
        // What the core reads for it.
        #expect(!AdapterCapabilities(Plain()).hasDefaultTemplate)
    }
}

import ChannelKit
import Testing

/// A ``VendorChannel`` has exactly its profile's capabilities, and every capability call reaches the profile:
/// the forwarding wrapper it replaces could drop an override silently.
struct VendorChannelCapabilityTests {
    /// A profile with only the base duties.
    struct PlainProfile: ChannelAdapter {
        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            VendorRequest(method: "POST", url: "https://plain.example/send")
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            .retry(Reason(.unknown))
        }
    }

    /// A profile with every capability, each answering something recognisable.
    struct FullProfile: AccessTokenProviding, Batching, ReceiptPolling, SendChecking, CallbackParsing,
        CallbackVerifying, DefaultTemplateProviding
    {
        struct Verifier: CallbackVerifier {
            func verify(_ callback: InboundCallback) -> CallbackVerdict { .forward(callback) }
            var description: String { "Verifier" }
        }

        static let token = AccessToken(value: Secret("t"), expiresAtMilliseconds: 42)
        static let batchRequest = VendorRequest(method: "POST", url: "https://full.example/batch")
        static let pollRequest = VendorRequest(method: "POST", url: "https://full.example/poll")
        static let checkRequest = VendorRequest(method: "POST", url: "https://full.example/check")

        func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
            VendorRequest(method: "POST", url: "https://full.example/send")
        }

        func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
            .retry(Reason(.unknown))
        }

        func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep { .issued(Self.token) }
        func token(from response: VendorResponse, context: RequestContext) -> TokenResult { .issued(Self.token) }

        var maxBatchSize: Int { 7 }
        func batchKey(for message: OutboundMessage) -> String? { "key-" + message.recipient.prefix(1) }
        func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem)
            -> VendorRequest
        { Self.batchRequest }
        func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
            -> SendOutcome
        { .reject(Reason(.contentRejected, detail: "batch")) }

        var pollBatchSize: Int { 3 }
        func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem)
            -> VendorRequest
        { Self.pollRequest }
        func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] { [] }

        func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
            throws(MessageProblem) -> VendorRequest
        { Self.checkRequest }
        func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck { .notFound }

        func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
            CallbackReport(answer: CallbackAnswer(status: 202, contentType: "text/plain", body: "full"))
        }

        var callbackVerifier: (any CallbackVerifier)? { Verifier() }

        var hasDefaultTemplate: Bool { true }
    }

    static let kind = ChannelKind(
        name: "test", label: "TestChannel",
        profiles: [
            .init("plain") { _, _ in PlainProfile() },
            .init("full") { _, _ in FullProfile() },
        ])

    static func build(_ vendor: String?, issues: ConfigIssueCollector = ConfigIssueCollector()) -> (
        any ChannelAdapter
    )? {
        kind.make(
            ChannelKind.Setup(
                instance: "test-1", vendor: vendor, settings: nil,
                mark: ConfigMark(file: "test-1.yaml", line: 1, column: 1)
            ), issues)
    }

    static let context = RequestContext(nowMilliseconds: 1_000, nonce: 1, attempt: 1)
    static let message = OutboundMessage(id: "m-1", channel: "test-1", recipient: "13800000000", template: "T")

    @Test func aProfileWithEveryCapabilityLendsThemAllToItsChannel() throws {
        let adapter = try #require(Self.build("full"))
        let capabilities = AdapterCapabilities(adapter)
        let context = Self.context
        let message = Self.message

        let tokens = try #require(capabilities.accessTokenProviding)
        #expect(try tokens.tokenStep(context: context) == .issued(FullProfile.token))
        #expect(tokens.token(from: VendorResponse(status: 200), context: context) == .issued(FullProfile.token))

        let batching = try #require(capabilities.batching)
        #expect(batching.maxBatchSize == 7)
        #expect(batching.batchKey(for: message) == "key-1")
        #expect(try batching.request(for: [message, message], context: context) == FullProfile.batchRequest)
        let batchOutcome = batching.outcome(
            of: VendorResponse(status: 200), to: FullProfile.batchRequest, messages: [message])
        #expect(batchOutcome == .reject(Reason(.contentRejected, detail: "batch")))

        let polling = try #require(capabilities.receiptPolling)
        #expect(polling.pollBatchSize == 3)
        #expect(try polling.pollRequest(for: [], context: context) == FullProfile.pollRequest)

        let checking = try #require(capabilities.sendChecking)
        let check = try checking.sendCheckRequest(for: message, sentAtMilliseconds: 1, context: context)
        #expect(check == FullProfile.checkRequest)
        #expect(checking.sendCheck(from: VendorResponse(status: 200), message: message) == .notFound)

        let parsing = try #require(capabilities.callbackParsing)
        let report = try parsing.parseCallback(InboundCallback(method: "POST", path: "/callbacks/test-1"))
        #expect(report?.answer.body == "full")

        let verifying = try #require(capabilities.callbackVerifying)
        #expect(verifying.callbackVerifier?.description == "Verifier")

        #expect(capabilities.hasDefaultTemplate)
    }

    @Test func aPlainProfileLendsNone() throws {
        let capabilities = AdapterCapabilities(try #require(Self.build("plain")))
        #expect(capabilities.accessTokenProviding == nil)
        #expect(capabilities.batching == nil)
        #expect(capabilities.receiptPolling == nil)
        #expect(capabilities.sendChecking == nil)
        #expect(capabilities.callbackParsing == nil)
        #expect(capabilities.callbackVerifying == nil)
        #expect(!capabilities.hasDefaultTemplate)
    }

    @Test func theChannelNamesItsInstanceAndVendorOnly() throws {
        let adapter = try #require(Self.build("full"))
        #expect("\(adapter)" == "TestChannel(instance: test-1, vendor: full)")
        #expect(Self.kind.vendors == ["plain", "full"])
    }

    @Test(arguments: [nil, "other"])
    func aMissingOrUnknownVendorIsReported(vendor: String?) {
        let issues = ConfigIssueCollector()
        #expect(Self.build(vendor, issues: issues) == nil)
        #expect(
            issues.issues.map(\.message) == ["channel type 'test' needs 'vendor' set to one of: plain, full"])
    }
}

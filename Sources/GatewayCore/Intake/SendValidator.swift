import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// Turns a decoded ``SendRequest`` into a store request: what the protocol types cannot check alone (the
/// instance, its template, times against the clock, tracked links, the adapter's own check) and the message id.
final class SendValidator: Sendable {
    private let ids = MessageIDGenerator()
    /// Rewrites links for `track_links: true`, when `public_base_url` is set.
    private let tracker: LinkTracker?
    private let tokens = Mutex(SystemRandomNumberGenerator())

    init(tracker: LinkTracker?) {
        self.tracker = tracker
    }

    /// Validates one send.
    /// - Parameters:
    ///   - request: the decoded send.
    ///   - prefix: put before field names in errors (`messages[3].` in a batch).
    ///   - now: the wall clock, for ids and `not_after`.
    ///   - service: for the active instances.
    func validate(_ request: SendRequest, prefix: String, now: Int64, service: ControlService) throws(ControlError)
        -> AcceptRequest
    {
        guard let channel = service.activeInstance(request.channel) else {
            throw .unknownChannel(request.channel, field: prefix + "channel")
        }
        guard !request.to.isEmpty else {
            throw .badRequest("'to' must not be empty", field: prefix + "to")
        }
        var category = MessageCategory.transactional
        if let name = request.category {
            guard let parsed = MessageCategory(name: name) else {
                throw .badRequest("'category' must be critical, transactional or marketing", field: prefix + "category")
            }
            category = parsed
        }
        // An instance with a template of its own (a vendor's default template code) sends messages that name neither.
        guard request.template != nil || request.content != nil || channel.capabilities.hasDefaultTemplate else {
            throw .badRequest("a message needs 'template' or 'content'", field: prefix + "template")
        }
        var notAfter: Int64?
        if let input = request.notAfter {
            let time = try input.epochMilliseconds(key: "not_after", field: prefix + "not_after")
            guard time > now else {
                throw .badRequest("'not_after' is already in the past", field: prefix + "not_after")
            }
            notAfter = time
        }
        let notBefore = try request.notBefore?.epochMilliseconds(key: "not_before", field: prefix + "not_before")
        if let notBefore, let notAfter, notBefore >= notAfter {
            throw .badRequest("'not_before' must be earlier than 'not_after'", field: prefix + "not_before")
        }
        var message = OutboundMessage(
            id: ids.next(milliseconds: now), channel: request.channel, recipient: request.to, category: category,
            template: request.template, params: request.params, content: request.content, title: request.title,
            url: request.url
        )
        // The dedup key is the message as the client wrote it; tracked links differ on every send.
        let dedupKey = request.dedupKey.map { "k:" + $0 } ?? DedupKey.content(of: message)
        var links: [LinkTracker.Link] = []
        if request.trackLinks {
            guard let tracker else {
                throw .badRequest("'track_links' needs public_base_url in gateway.yaml", field: prefix + "track_links")
            }
            (message, links) = tokens.withLock { random in tracker.rewrite(message, random: &random) }
        }
        if let problem = channel.adapter.check(message) {
            throw .from(problem, prefix: prefix)
        }
        let onCap: AcceptRequest.CapAction =
            switch request.onCap {
            case nil, .suppress?: .suppress
            case .defer?: .defer
            }
        var accept = AcceptRequest(
            message: message, channelType: channel.kind, customer: request.customer, dedupKey: dedupKey,
            clientDedupKey: request.dedupKey, notBefore: notBefore, notAfter: notAfter, onCap: onCap)
        accept.links = links.map { ($0.token, $0.url) }
        return accept
    }
}

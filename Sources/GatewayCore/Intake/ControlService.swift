import ChannelKit
import Foundation
public import GatewayConfig
import GatewayRelease
import Logging
import Synchronization

/// Carries out control-socket requests: parses a line, validates it, and answers with one JSON line.
///
/// `send` and `send_batch` go to the store's group commit and are answered only after it commits.
public final class ControlService: Sendable {
    /// Every instance configured since start (removed ones stay listed, held), and which are active now.
    struct ChannelTable: Sendable {
        var known: [String: ChannelInstanceConfiguration] = [:]
        var active: Set<String> = []
    }

    let table: Mutex<ChannelTable>
    private let reloader = HandlerSlot<@Sendable () -> ReloadOutcome>()
    let store: MessageStore
    let dispatcher: Dispatcher
    let wallClock: any WallClock
    private let ids = MessageIDGenerator()
    private let startedAt: Int64
    private let maxBatch: Int
    /// The channel types compiled in: what `optout`/`optin` may name besides instances and `all`.
    let channelTypes: Set<String>
    /// Rewrites links for `track_links: true`, when `public_base_url` is set.
    private let tracker: LinkTracker?
    private let tokens = Mutex(SystemRandomNumberGenerator())
    let maxLineBytes: Int
    private let isDraining = Atomic<Bool>(false)
    private let accepted = Atomic<Int>(0)
    private let duplicates = Atomic<Int>(0)
    private let suppressed = Atomic<Int>(0)
    private let deferred = Atomic<Int>(0)
    private let listenAddress = Mutex<String?>(nil)
    private let extraStats = HandlerSlot<@Sendable () -> [(String, Int)]>()
    private let rejected = Atomic<Int>(0)
    /// The version reported by `health`: the release's.
    public static let version = GatewayRelease.version

    /// - Parameters:
    ///   - channels: the configured instances.
    ///   - store: the durable store.
    ///   - dispatcher: for live counters.
    ///   - wallClock: for ids, `not_after` checks and uptime.
    ///   - maxLineBytes: the line limit, reported in `too_large` answers.
    ///   - maxBatch: the most messages one `send_batch` may carry.
    ///   - channelTypes: the channel types compiled in (for opt-outs); those of `channels` by default.
    public init(
        channels: [ChannelInstanceConfiguration], store: MessageStore, dispatcher: Dispatcher,
        wallClock: any WallClock, maxLineBytes: Int, maxBatch: Int = 10_000, channelTypes: [String]? = nil,
        publicBaseURL: String? = nil
    ) {
        self.tracker = publicBaseURL.map(LinkTracker.init(baseURL:))
        self.channelTypes = Set(channelTypes ?? channels.map(\.kind))
        var table = ChannelTable()
        for channel in channels {
            table.known[channel.name] = channel
            table.active.insert(channel.name)
        }
        self.table = Mutex(table)
        self.store = store
        self.dispatcher = dispatcher
        self.wallClock = wallClock
        self.startedAt = wallClock.nowMilliseconds
        self.maxLineBytes = maxLineBytes
        self.maxBatch = maxBatch
    }

    /// Swaps in a reloaded set of instances; sends to removed ones get `unknown_channel` from now on.
    public func reconfigure(_ channels: [ChannelInstanceConfiguration]) {
        table.withLock { table in
            table.active = Set(channels.map(\.name))
            for channel in channels { table.known[channel.name] = channel }
        }
    }

    /// Sets what the `reload` operation runs (the gateway's own reload, also used for SIGHUP).
    public func setReloader(_ reload: @escaping @Sendable () -> ReloadOutcome) {
        reloader.set(reload)
    }

    /// The intake counters since start: accepted, duplicates, rejected, suppressed, deferred.
    public var intakeCounts: [(String, Int)] {
        [
            ("accepted", accepted.load(ordering: .relaxed)), ("duplicates", duplicates.load(ordering: .relaxed)),
            ("rejected", rejected.load(ordering: .relaxed)), ("suppressed", suppressed.load(ordering: .relaxed)),
            ("deferred", deferred.load(ordering: .relaxed)),
        ]
    }

    /// The active instance of a name, if any (removed instances are held, not active).
    public func activeInstance(_ name: String) -> ChannelInstanceConfiguration? {
        table.withLock { $0.active.contains(name) ? $0.known[name] : nil }
    }

    /// Whether an instance is configured now or was until a reload removed it (its queue is held).
    func knowsInstance(_ name: String) -> Bool { table.withLock { $0.known[name] != nil } }

    /// The channel type of a known instance.
    func instanceKind(_ name: String) -> String? { table.withLock { $0.known[name]?.kind } }

    /// Adds counters (the callback listener's) to the `stats` answer.
    public func setExtraStats(_ provider: @escaping @Sendable () -> [(String, Int)]) {
        extraStats.set(provider)
    }

    /// Sets the callback listener's bound address, reported by `health`.
    public func setListenAddress(_ address: String?) { listenAddress.withLock { $0 = address } }

    /// Refuses new messages from now on (`shutting_down`); queries still work.
    public func beginDrain() { isDraining.store(true, ordering: .relaxed) }

    /// Handles one request line; `respond` is called exactly once, possibly on another thread.
    /// - Parameters:
    ///   - line: the request line.
    ///   - client: who sent it (`uid=…,pid=…`), recorded with consent changes.
    ///   - respond: called with the answer line.
    ///   - stream: the connection's stream, for `subscribe`.
    func handle(
        line: UnsafeRawBufferPointer, client: String, stream: StreamSink? = nil,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: line.assumingMemoryBound(to: UInt8.self))
        } catch {
            respond(ControlService.errorLine(id: nil, .badJSON("not valid JSON: \(error)")))
            return
        }
        guard case .object(let request) = value else {
            respond(ControlService.errorLine(id: nil, .badJSON("expected a JSON object, found \(value.typeName)")))
            return
        }
        let id = request["id"]
        guard let opValue = request["op"] else {
            respond(ControlService.errorLine(id: id, .badRequest("missing field 'op'", field: "op")))
            return
        }
        guard case .string(let op) = opValue else {
            respond(ControlService.errorLine(id: id, .badRequest("'op' must be a string", field: "op")))
            return
        }
        // Exhaustive over ControlOperation, whose list `unknown_op` names: a new operation is added there.
        guard let operation = ControlOperation(rawValue: op) else {
            respond(ControlService.errorLine(id: id, .unknownOperation(op)))
            return
        }
        switch operation {
        case .send: send(request, id: id, respond: respond)
        case .sendBatch: sendBatch(request, id: id, respond: respond)
        case .status: status(request, id: id, respond: respond)
        case .stats: respond(stats(id: id))
        case .channels: respond(channelList(id: id))
        case .health: respond(health(id: id))
        case .reload: reload(id: id, respond: respond)
        case .optout: changeConsent(request, optOut: true, id: id, client: client, respond: respond)
        case .optin: changeConsent(request, optOut: false, id: id, client: client, respond: respond)
        case .consent: consent(request, id: id, respond: respond)
        case .event: event(request, id: id, client: client, respond: respond)
        case .report: report(request, id: id, respond: respond)
        case .subscribe: subscribe(request, id: id, stream: stream, respond: respond)
        case .cancel: cancel(request, id: id, client: client, respond: respond)
        case .requeue: requeue(request, id: id, respond: respond)
        case .pause: pause(request, paused: true, id: id, client: client, respond: respond)
        case .resume: pause(request, paused: false, id: id, client: client, respond: respond)
        case .consentExport: consentExport(request, id: id, respond: respond)
        }
    }

    /// The answer to a line that was too long.
    func tooLargeLine() -> String {
        rejected.add(1, ordering: .relaxed)
        return ControlService.errorLine(id: nil, .tooLarge(limit: maxLineBytes))
    }

    // MARK: - send

    private static let sendFields: Set<String> = [
        "op", "id", "channel", "to", "template", "params", "content", "dedup_key", "category", "not_after",
        "not_before", "customer", "on_cap", "title", "url", "track_links",
    ]

    /// Validates one send object into a store request.
    private func prepare(_ fields: [String: JSONValue], prefix: String, now: Int64) -> Result<
        AcceptRequest, ControlError
    > {
        do throws(ControlError) {
            return .success(try validate(fields, prefix: prefix, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func validate(_ fields: [String: JSONValue], prefix: String, now: Int64) throws(ControlError)
        -> AcceptRequest
    {
        for key in fields.keys where !ControlService.sendFields.contains(key) {
            throw .badRequest("unknown field '\(key)'", field: prefix + key)
        }
        func string(_ key: String, limit: Int = 4096) throws(ControlError) -> String? {
            guard let value = fields[key], value != .null else { return nil }
            guard case .string(let text) = value else {
                throw .badRequest("'\(key)' must be a string, found \(value.typeName)", field: prefix + key)
            }
            guard text.utf8.count <= limit else {
                throw .badRequest("'\(key)' is longer than \(limit) bytes", field: prefix + key)
            }
            return text
        }
        guard let channelName = try string("channel") else {
            throw .badRequest("missing field 'channel'", field: prefix + "channel")
        }
        guard let recipient = try string("to", limit: 512) else {
            throw .badRequest("missing field 'to'", field: prefix + "to")
        }
        let template = try string("template")
        let content = try string("content", limit: 65_536)
        let title = try string("title", limit: 1024)
        let link = try string("url", limit: 4096)
        let clientDedupKey = try string("dedup_key", limit: 512)
        let categoryName = try string("category")
        let customer = try string("customer", limit: 256)
        if customer?.isEmpty == true { throw .badRequest("'customer' must not be empty", field: prefix + "customer") }
        var onCap = AcceptRequest.CapAction.suppress
        if let action = try string("on_cap") {
            guard let parsed = AcceptRequest.CapAction(rawValue: action) else {
                throw .badRequest("'on_cap' must be suppress or defer", field: prefix + "on_cap")
            }
            onCap = parsed
        }
        let active = table.withLock { $0.active.contains(channelName) ? $0.known[channelName] : nil }
        guard let channel = active else {
            throw .unknownChannel(channelName, field: prefix + "channel")
        }
        guard !recipient.isEmpty else {
            throw .badRequest("'to' must not be empty", field: prefix + "to")
        }
        var category = MessageCategory.transactional
        if let categoryName {
            guard let parsed = MessageCategory(name: categoryName) else {
                throw .badRequest("'category' must be critical, transactional or marketing", field: prefix + "category")
            }
            category = parsed
        }
        var params: [String: String] = [:]
        if let value = fields["params"], value != .null {
            guard case .object(let members) = value else {
                throw .badRequest("'params' must be an object, found \(value.typeName)", field: prefix + "params")
            }
            for (key, member) in members {
                switch member {
                case .string(let text): params[key] = text
                case .number(let text): params[key] = text
                case .bool(let flag): params[key] = flag ? "true" : "false"
                default:
                    throw .badRequest(
                        "params values must be strings or numbers, found \(member.typeName)",
                        field: prefix + "params." + key
                    )
                }
            }
        }
        // An instance with a template of its own (Alibaba's `template_code`) sends messages that name neither.
        guard template != nil || content != nil || channel.adapter.hasDefaultTemplate else {
            throw .badRequest("a message needs 'template' or 'content'", field: prefix + "template")
        }
        let notAfter = try deadline(fields["not_after"], field: prefix + "not_after", now: now)
        let notBefore = try time(fields["not_before"], key: "not_before", field: prefix + "not_before")
        if let notBefore, let notAfter, notBefore >= notAfter {
            throw .badRequest("'not_before' must be earlier than 'not_after'", field: prefix + "not_before")
        }
        var trackLinks = false
        if let value = fields["track_links"], value != .null {
            guard case .bool(let flag) = value else {
                throw .badRequest("'track_links' must be true or false", field: prefix + "track_links")
            }
            trackLinks = flag
        }
        var message = OutboundMessage(
            id: ids.next(milliseconds: now), channel: channelName, recipient: recipient, category: category,
            template: template, params: params, content: content, title: title, url: link
        )
        // The dedup key is the message as the client wrote it; tracked links differ on every send.
        let dedupKey = clientDedupKey.map { "k:" + $0 } ?? ControlService.contentKey(message)
        var links: [LinkTracker.Link] = []
        if trackLinks {
            guard let tracker else {
                throw .badRequest("'track_links' needs public_base_url in gateway.yaml", field: prefix + "track_links")
            }
            (message, links) = tokens.withLock { random in tracker.rewrite(message, random: &random) }
        }
        if let problem = channel.adapter.check(message) {
            throw .from(problem, prefix: prefix)
        }
        var request = AcceptRequest(
            message: message, channelType: channel.kind, customer: customer, dedupKey: dedupKey,
            clientDedupKey: clientDedupKey, notBefore: notBefore, notAfter: notAfter, onCap: onCap)
        request.links = links.map { ($0.token, $0.url) }
        return request
    }

    /// Reads a time: an RFC 3339 time or epoch milliseconds.
    func time(_ value: JSONValue?, key: String, field: String) throws(ControlError) -> Int64? {
        guard let value, value != .null else { return nil }
        let parsed: Int64?
        switch value {
        case .string(let text): parsed = Timestamp.parse(text)
        case .number(let text): parsed = Int64(text)
        default: parsed = nil
        }
        guard let parsed else {
            throw .badRequest("'\(key)' must be an RFC 3339 time or whole epoch milliseconds", field: field)
        }
        return parsed
    }

    /// Reads `not_after`, which must lie in the future.
    private func deadline(_ value: JSONValue?, field: String, now: Int64) throws(ControlError) -> Int64? {
        guard let parsed = try time(value, key: "not_after", field: field) else { return nil }
        guard parsed > now else { throw .badRequest("'not_after' is already in the past", field: field) }
        return parsed
    }

    /// The dedup key of a message without one: a hash of what the customer would receive.
    static func contentKey(_ message: OutboundMessage) -> String {
        var hasher = SHA256()
        // Title and url are hashed only when present, so keys of messages without them stay as they were.
        var parts = [message.channel, message.recipient, message.template ?? "", message.content ?? ""]
        if message.title != nil || message.url != nil { parts += [message.title ?? "", message.url ?? ""] }
        for part in parts {
            hasher.update(part)
            hasher.update([0])
        }
        for key in message.params.keys.sorted() {
            hasher.update(key)
            hasher.update([1])
            hasher.update(message.params[key]!)
            hasher.update([0])
        }
        return "h:" + SHA256.hex(hasher.finalize())
    }

    private func send(_ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void) {
        guard !isDraining.load(ordering: .relaxed) else {
            respond(ControlService.errorLine(id: id, .shuttingDown))
            return
        }
        switch prepare(request, prefix: "", now: wallClock.nowMilliseconds) {
        case .failure(let error):
            rejected.add(1, ordering: .relaxed)
            respond(ControlService.errorLine(id: id, error))
        case .success(let accept):
            let queued = store.accept([accept]) { [self] results in
                respond(answer(results.first ?? .failed(.closed), id: id, wrapped: true))
            }
            if !queued {
                rejected.add(1, ordering: .relaxed)
                respond(ControlService.errorLine(id: id, .overloaded))
            }
        }
    }

    private func sendBatch(
        _ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void
    ) {
        guard !isDraining.load(ordering: .relaxed) else {
            respond(ControlService.errorLine(id: id, .shuttingDown))
            return
        }
        for key in request.keys where !["op", "id", "messages"].contains(key) {
            respond(ControlService.errorLine(id: id, .badRequest("unknown field '\(key)'", field: key)))
            return
        }
        guard case .array(let items)? = request["messages"] else {
            respond(ControlService.errorLine(id: id, .badRequest("'messages' must be an array", field: "messages")))
            return
        }
        guard items.count <= maxBatch else {
            respond(
                ControlService.errorLine(
                    id: id, .badRequest("a batch may carry at most \(maxBatch) messages", field: "messages")
                )
            )
            return
        }
        let now = wallClock.nowMilliseconds
        var slots: [Result<Int, ControlError>] = []
        var requests: [AcceptRequest] = []
        for (index, item) in items.enumerated() {
            let prefix = "messages[\(index)]."
            guard case .object(let fields) = item else {
                slots.append(.failure(.badRequest("expected an object", field: "messages[\(index)]")))
                continue
            }
            switch prepare(fields, prefix: prefix, now: now) {
            case .success(let accept):
                slots.append(.success(requests.count))
                requests.append(accept)
            case .failure(let error):
                slots.append(.failure(error))
            }
        }
        let answered = slots
        let rejectedCount = slots.count - requests.count
        rejected.add(rejectedCount, ordering: .relaxed)
        let finish: @Sendable ([AcceptResult]) -> Void = { [self] results in
            var line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"results\":["
            for (offset, slot) in answered.enumerated() {
                if offset > 0 { line += "," }
                switch slot {
                case .success(let index): line += answer(results[index], id: nil, wrapped: false)
                case .failure(let error):
                    line += "{\"ok\":false,\"error\":"
                    error.appendJSON(to: &line)
                    line += "}"
                }
            }
            line += "]}"
            respond(line)
        }
        guard !requests.isEmpty else {
            finish([])
            return
        }
        if !store.accept(requests, completion: finish) {
            rejected.add(requests.count, ordering: .relaxed)
            respond(ControlService.errorLine(id: id, .overloaded))
        }
    }

    private func answer(_ result: AcceptResult, id: JSONValue?, wrapped: Bool) -> String {
        var line: String
        switch result {
        case .queued(let messageID):
            accepted.add(1, ordering: .relaxed)
            line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"message_id\":\"\(messageID)\",\"state\":\"queued\"}"
        case .deferred(let messageID, let until):
            accepted.add(1, ordering: .relaxed)
            deferred.add(1, ordering: .relaxed)
            line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"message_id\":\"\(messageID)\",\"state\":\"deferred\",\"until\":\"\(Timestamp.format(until))\"}"
        case .suppressed(let messageID, let reason, let cap):
            suppressed.add(1, ordering: .relaxed)
            line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"message_id\":\"\(messageID)\",\"state\":\"suppressed\",\"reason\":\"\(reason)\""
            if let cap {
                line += ",\"cap\":"
                JSONValue.appendQuoted(cap, to: &line)
            }
            line += "}"
        case .duplicate(let original):
            duplicates.add(1, ordering: .relaxed)
            line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"message_id\":\"\(original)\",\"state\":\"duplicate\"}"
        case .failed(let error):
            rejected.add(1, ordering: .relaxed)
            line = ControlService.errorLine(id: id, .internalError("not accepted: \(error)"))
        }
        return line
    }

    // MARK: - queries

    private func status(_ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void) {
        guard case .string(let messageID)? = request["message_id"] else {
            respond(ControlService.errorLine(id: id, .badRequest("'message_id' must be a string", field: "message_id")))
            return
        }
        store.status(of: messageID) { status in
            guard let status else {
                respond(ControlService.errorLine(id: id, .notFound(messageID)))
                return
            }
            var line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"message\":"
            ControlService.appendStatus(status, to: &line)
            line += "}"
            respond(line)
        }
    }

    private func stats(id: JSONValue?) -> String {
        let snapshot = dispatcher.snapshot()
        var total = ChannelCounters()
        for counters in snapshot.values {
            total.queued += counters.queued
            total.inFlight += counters.inFlight
            total.sent += counters.sent
            total.failed += counters.failed
            total.expired += counters.expired
            total.retried += counters.retried
        }
        var line = "{\"ok\":true"
        ControlService.appendID(id, to: &line)
        line += ",\"stats\":{\"accepted\":\(accepted.load(ordering: .relaxed))"
        line +=
            ",\"duplicates\":\(duplicates.load(ordering: .relaxed)),\"rejected\":\(rejected.load(ordering: .relaxed))"
        line +=
            ",\"suppressed\":\(suppressed.load(ordering: .relaxed)),\"deferred\":\(deferred.load(ordering: .relaxed))"
        line += ",\"queued\":\(total.queued),\"in_flight\":\(total.inFlight),\"sent\":\(total.sent)"
        line += ",\"failed\":\(total.failed),\"expired\":\(total.expired),\"retried\":\(total.retried)"
        line += ",\"store_commits\":\(store.commitCount)"
        for (name, value) in extraStats.function?() ?? [] { line += ",\"\(name)\":\(value)" }
        line += ",\"uptime_s\":\((wallClock.nowMilliseconds - startedAt) / 1000)}}"
        return line
    }

    private func channelList(id: JSONValue?) -> String {
        let snapshot = dispatcher.snapshot()
        var line = "{\"ok\":true"
        ControlService.appendID(id, to: &line)
        line += ",\"channels\":["
        let known = table.withLock { $0.known }
        for (offset, name) in known.keys.sorted().enumerated() {
            guard let configuration = known[name] else { continue }
            let counters = snapshot[name] ?? ChannelCounters()
            if offset > 0 { line += "," }
            line += "{\"name\":"
            JSONValue.appendQuoted(name, to: &line)
            line += ",\"type\":"
            JSONValue.appendQuoted(configuration.kind, to: &line)
            line += ",\"vendor\":"
            if let vendor = configuration.vendor { JSONValue.appendQuoted(vendor, to: &line) } else { line += "null" }
            line +=
                ",\"rate_per_second\":\(configuration.rateLimit.perSecond),\"burst\":\(configuration.rateLimit.burst)"
            line += ",\"concurrency\":\(configuration.concurrency),\"queued\":\(counters.queued)"
            line += ",\"in_flight\":\(counters.inFlight),\"sent\":\(counters.sent),\"failed\":\(counters.failed)"
            line += ",\"expired\":\(counters.expired),\"retried\":\(counters.retried),\"held\":\(counters.held)"
            line += ",\"token_refreshes\":\(counters.tokenRefreshes),\"token_failures\":\(counters.tokenFailures)"
            line += ",\"failed_over\":\(counters.failedOver),\"ambiguous\":\(counters.ambiguous)"
            line += ",\"unreadable_replies\":\(counters.unreadableReplies),\"paused\":\(counters.paused)"
            ControlService.appendVendorHealth(counters.vendor, to: &line)
            line += "}"
        }
        line += "]}"
        return line
    }

    private func reload(id: JSONValue?, respond: @escaping @Sendable (String) -> Void) {
        guard let reload = reloader.function else {
            respond(ControlService.errorLine(id: id, .internalError("reload is not available")))
            return
        }
        // Loading YAML and building adapters must not hold up the event loop.
        Thread.detachNewThread {
            let outcome = reload()
            guard outcome.succeeded else {
                respond(ControlService.errorLine(id: id, .reloadFailed(outcome.issues)))
                return
            }
            var line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            for (key, names) in [("added", outcome.added), ("changed", outcome.changed), ("removed", outcome.removed)] {
                line += ",\"\(key)\":"
                JSONValue.array(names.map(JSONValue.string)).write(to: &line)
            }
            line += ",\"warnings\":"
            JSONValue.array(outcome.issues.map(JSONValue.string)).write(to: &line)
            line += "}"
            respond(line)
        }
    }

    private func health(id: JSONValue?) -> String {
        var line = "{\"ok\":true"
        ControlService.appendID(id, to: &line)
        // Degraded: some active, unpaused instance has only failed for a while (its vendor is down or refusing).
        let snapshot = dispatcher.snapshot()
        let active = table.withLock { $0.active }
        let now = wallClock.nowMilliseconds
        let degraded = active.filter { name in
            guard let counters = snapshot[name], !counters.paused else { return false }
            return counters.vendor.isDegraded(now: now)
        }.sorted()
        let paused = active.filter { snapshot[$0]?.paused == true }.sorted()
        let state = isDraining.load(ordering: .relaxed) ? "draining" : degraded.isEmpty ? "serving" : "degraded"
        line += ",\"status\":\"\(state)\",\"degraded\":"
        JSONValue.array(degraded.map(JSONValue.string)).write(to: &line)
        line += ",\"paused\":"
        JSONValue.array(paused.map(JSONValue.string)).write(to: &line)
        line += ",\"version\":\"\(ControlService.version)\",\"listen\":"
        if let address = listenAddress.withLock({ $0 }) {
            JSONValue.appendQuoted(address, to: &line)
        } else {
            line += "null"
        }
        line += "}"
        return line
    }

    // MARK: - encoding

    static func appendID(_ id: JSONValue?, to line: inout String) {
        guard let id else { return }
        line += ",\"id\":"
        id.write(to: &line)
    }

    static func errorLine(id: JSONValue?, _ error: ControlError) -> String {
        var line = "{\"ok\":false"
        appendID(id, to: &line)
        line += ",\"error\":"
        error.appendJSON(to: &line)
        line += "}"
        return line
    }

    static func appendStatus(_ status: MessageStatus, to line: inout String) {
        func field(_ name: String, _ value: String?) {
            line += ",\"\(name)\":"
            if let value { JSONValue.appendQuoted(value, to: &line) } else { line += "null" }
        }
        line += "{\"message_id\":"
        JSONValue.appendQuoted(status.id, to: &line)
        field("channel", status.channel)
        field("to", status.recipient)
        field("category", status.category)
        field("customer", status.customer)
        // A queued message that has never been tried and waits for a time is deferred (quiet hours, caps).
        let isDeferred = status.state == "queued" && status.attempts == 0 && status.nextAttemptAt > 0
        field("state", isDeferred ? "deferred" : status.state)
        line += ",\"attempts\":\(status.attempts)"
        field("vendor_message_id", status.vendorMessageID)
        field("reason", status.reason)
        field("reason_detail", status.reasonDetail)
        field("dedup_key", status.dedupKey)
        field("created_at", Timestamp.format(status.createdAt))
        field("updated_at", Timestamp.format(status.updatedAt))
        field("not_after", status.notAfter.map(Timestamp.format))
        field(
            "next_attempt_at",
            status.state == "queued" && status.nextAttemptAt > 0 ? Timestamp.format(status.nextAttemptAt) : nil)
        line += ",\"history\":["
        for (offset, attempt) in status.history.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"attempt\":\(attempt.number)"
            field("at", Timestamp.format(attempt.startedAt))
            field("outcome", attempt.outcome)
            line += ",\"http_status\":" + (attempt.httpStatus.map(String.init) ?? "null")
            field("reason", attempt.reason)
            field("vendor_code", attempt.vendorCode)
            field("detail", attempt.detail)
            line += ",\"duration_ms\":\(attempt.finishedAt - attempt.startedAt)}"
        }
        line += "],\"clicks\":\(status.clicks)"
        field("first_clicked_at", status.firstClickAt.map(Timestamp.format))
        line += ",\"receipts\":["
        for (offset, receipt) in status.receipts.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"event\":"
            JSONValue.appendQuoted(receipt.event, to: &line)
            field("reason", receipt.reason)
            field("vendor_status", receipt.vendorStatus)
            field("occurred_at", receipt.occurredAt.map(Timestamp.format))
            field("received_at", Timestamp.format(receipt.receivedAt))
            if let value = receipt.value { field("value", value) }
            line += "}"
        }
        line += "]}"
    }
}

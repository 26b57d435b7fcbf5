import ChannelKit
import ControlProtocol
public import GatewayConfig
import GatewayRelease
import Synchronization

/// Carries out control-socket requests: decodes a line into a ``ControlRequest`` once, hands it to the
/// operation's handler (`Operations/`), and answers with one JSON line.
///
/// This class holds only what the handlers share: the instance table, the store, the dispatcher, the intake
/// counters and the bounded workers for slow requests (no thread per request). `send` and `send_batch` go to the store's group commit and are
/// answered only after it commits.
public final class ControlService: Sendable {
    /// Every instance configured since start (removed ones stay listed, held), and which are active now.
    struct ChannelTable: Sendable {
        var known: [String: ChannelInstanceConfiguration] = [:]
        var active: Set<String> = []
    }

    let table: Mutex<ChannelTable>
    let reloader = HandlerSlot<@Sendable () -> ReloadOutcome>()
    let store: any MessageStoring
    let dispatcher: Dispatcher
    let wallClock: any WallClock
    let startedAt: Int64
    let maxBatch: Int
    /// The channel types compiled in: what `optout`/`optin` may name besides instances and `all`.
    let channelTypes: Set<String>
    /// Turns a decoded send into a store request (instance, template, times, tracked links, adapter check).
    let validator: SendValidator
    let maxLineBytes: Int
    let isDraining = Atomic<Bool>(false)
    let counters = IntakeCounters()
    let listenAddress = Mutex<String?>(nil)
    /// `privacy.pseudonym_key`, for `forget` (nil: the store keys pseudonyms itself).
    let pseudonymKey = Mutex<[UInt8]?>(nil)
    let extraStats = HandlerSlot<@Sendable () -> [(String, Int)]>()
    /// `health`'s `strategies` readiness (the strategy engine's), when an engine runs.
    let strategyReadiness = HandlerSlot<@Sendable () -> String?>()
    /// `strategy_enrolments_total`, counted by the enrol handlers.
    let enrolments = EnrolmentCounters()
    /// Each loaded strategy's step ids in definition order, for `report strategy` (the counters do not know it).
    let strategySteps = Mutex<[String: [String]]>([:])
    /// `reload`: off the event loop, one at a time, on a thread of its own so that no report or subscriber
    /// can hold it up.
    let reloadWork = BoundedWorker(name: "control-reload", threads: 1)
    /// `report`: aggregating a large store takes a moment; a few at a time however many clients ask.
    let reportWork = BoundedWorker(name: "control-report", threads: 2)
    /// `subscribe … since`: the catch-up read before a stream goes live. Live streams need no thread: the feed
    /// queues their lines onto the connection's event loop, so idle subscribers hold nothing here.
    let streamWork = BoundedWorker(name: "control-stream", threads: 2)
    /// Long request lines (bulk `customer_batch`, `enrol_batch`, `send` batches), decoded off the event loops so
    /// the other connections on a loop are not held up; one thread, so each connection's lines stay in order.
    let decodeWork = BoundedWorker(name: "control-decode", threads: 1)
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
    ///   - publicBaseURL: where tracked links point (`track_links: true` needs it).
    public init(
        channels: [ChannelInstanceConfiguration], store: any MessageStoring, dispatcher: Dispatcher,
        wallClock: any WallClock, maxLineBytes: Int, maxBatch: Int = 10_000, channelTypes: [String]? = nil,
        publicBaseURL: String? = nil
    ) {
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
        self.validator = SendValidator(tracker: publicBaseURL.map(LinkTracker.init(baseURL:)))
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
    public var intakeCounts: [(String, Int)] { counters.all }

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

    /// Sets the key `forget` makes pseudonyms with (`privacy.pseudonym_key`).
    public func setPseudonymKey(_ key: [UInt8]?) {
        pseudonymKey.withLock { $0 = key }
        store.usePseudonymKey(key)  // admission checks the pseudonyms `forget` makes
    }

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
        handle(decode(line: line), client: client, stream: stream, respond: respond)
    }

    /// Decodes one request line (the connection checks access on the result before handing it back).
    func decode(line: UnsafeRawBufferPointer) -> ControlRequest.Decoded {
        ControlRequest.decode(line: line.assumingMemoryBound(to: UInt8.self), maxBatch: maxBatch)
    }

    /// Handles one decoded request line; `respond` is called exactly once, possibly on another thread.
    func handle(
        _ decoded: ControlRequest.Decoded, client: String, stream: StreamSink? = nil,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let id = decoded.id
        let request: ControlRequest
        switch decoded.request {
        case .success(let value): request = value
        case .failure(let error):
            // What was checked before the fields, before them still: a draining gateway refuses every message,
            // a connection that cannot stream every subscription; a refused send counts as rejected.
            let draining = isDraining.load(ordering: .relaxed)
            switch decoded.operation {
            case .send? where draining, .sendBatch? where draining:
                respond(AnswerLine.error(id: id, .shuttingDown))
            case .subscribe? where !(stream?.isOpen ?? false):
                respond(AnswerLine.error(id: id, SubscribeHandler.cannotStream))
            case .send?:
                counters.rejected.add(1, ordering: .relaxed)
                respond(AnswerLine.error(id: id, error))
            default:
                respond(AnswerLine.error(id: id, error))
            }
            return
        }
        switch request {
        case .send(let send): SendHandler.handle(send, id: id, service: self, respond: respond)
        case .sendBatch(let batch): SendBatchHandler.handle(batch, id: id, service: self, respond: respond)
        case .status(let status): StatusHandler.handle(status, id: id, service: self, respond: respond)
        case .stats: respond(StatsHandler.answer(id: id, service: self))
        case .channels: respond(ChannelsHandler.answer(id: id, service: self))
        case .health: respond(HealthHandler.answer(id: id, service: self))
        case .reload: ReloadHandler.handle(id: id, service: self, respond: respond)
        case .optout(let change):
            ConsentChangeHandler.handle(change, optOut: true, id: id, client: client, service: self, respond: respond)
        case .optin(let change):
            ConsentChangeHandler.handle(change, optOut: false, id: id, client: client, service: self, respond: respond)
        case .consent(let consent): ConsentHandler.handle(consent, id: id, service: self, respond: respond)
        case .event(let event): EventHandler.handle(event, id: id, client: client, service: self, respond: respond)
        case .report(let report): ReportHandler.handle(report, id: id, service: self, respond: respond)
        case .subscribe(let subscribe):
            SubscribeHandler.handle(subscribe, id: id, stream: stream, service: self, respond: respond)
        case .cancel(let cancel): CancelHandler.handle(cancel, id: id, client: client, service: self, respond: respond)
        case .requeue(let requeue): RequeueHandler.handle(requeue, id: id, service: self, respond: respond)
        case .pause(let pause):
            PauseHandler.handle(pause, paused: true, id: id, client: client, service: self, respond: respond)
        case .resume(let pause):
            PauseHandler.handle(pause, paused: false, id: id, client: client, service: self, respond: respond)
        case .consentExport(let export):
            ConsentExportHandler.handle(export, id: id, service: self, respond: respond)
        case .customer(let customer): CustomerHandler.handle(customer, id: id, service: self, respond: respond)
        case .customerBatch(let batch): CustomerBatchHandler.handle(batch, id: id, service: self, respond: respond)
        case .customerShow(let show): CustomerShowHandler.handle(show, id: id, service: self, respond: respond)
        case .forget(let forget): ForgetHandler.handle(forget, id: id, client: client, service: self, respond: respond)
        case .enrol(let enrol): EnrolHandler.handle(enrol, id: id, client: client, service: self, respond: respond)
        case .enrolBatch(let batch):
            EnrolBatchHandler.handle(batch, id: id, client: client, service: self, respond: respond)
        case .exit(let exit): ExitHandler.handle(exit, id: id, client: client, service: self, respond: respond)
        case .runs(let runs): RunsHandler.handle(runs, id: id, service: self, respond: respond)
        case .strategies: StrategiesHandler.handle(id: id, service: self, respond: respond)
        case .nodes: respond(NodesHandler.answer(id: id, service: self))
        }
    }

    /// The answer to a line that was too long.
    func tooLargeLine() -> String {
        counters.rejected.add(1, ordering: .relaxed)
        return AnswerLine.error(id: nil, .tooLarge(limit: maxLineBytes))
    }
}

public import GatewayJSON

/// One control-socket request, decoded once from its line: one case per ``ControlOperation``, each with its
/// typed fields. Clients build requests from the same types (``line(id:)``).
public enum ControlRequest: Sendable {
    case send(SendRequest)
    case sendBatch(SendBatchRequest)
    case status(StatusRequest)
    case stats
    case channels
    case health
    case reload
    case optout(ConsentChangeRequest)
    case optin(ConsentChangeRequest)
    case consent(ConsentRequest)
    case event(EventRequest)
    case report(ReportRequest)
    case subscribe(SubscribeRequest)
    case cancel(CancelRequest)
    case requeue(RequeueRequest)
    case pause(PauseRequest)
    case resume(PauseRequest)
    case consentExport(ConsentExportRequest)
    case customer(CustomerRequest)
    case customerBatch(CustomerBatchRequest)
    case customerShow(CustomerShowRequest)
    case forget(ForgetRequest)
    case enrol(EnrolRequest)
    case enrolBatch(EnrolBatchRequest)
    case exit(ExitRequest)
    case runs(RunsRequest)
    case strategies
    case nodes

    /// A request line: its `id` (echoed in the answer, whatever its type) and the request or why it is refused.
    public struct Decoded: Sendable {
        public let id: JSONValue?
        /// The operation named, when `op` is one (also when its fields are refused).
        public let operation: ControlOperation?
        /// `op` as written when it is a string, an unknown one too: what an access refusal names.
        public let op: String?
        public let request: Result<ControlRequest, ControlError>

        init(
            id: JSONValue?, operation: ControlOperation? = nil, op: String? = nil,
            request: Result<ControlRequest, ControlError>
        ) {
            self.id = id
            self.operation = operation
            self.op = op
            self.request = request
        }
    }

    /// Parses and decodes one line.
    /// - Parameters:
    ///   - line: the line without its newline.
    ///   - maxBatch: the most messages a `send_batch` may carry.
    public static func decode(line: UnsafeBufferPointer<UInt8>, maxBatch: Int) -> Decoded {
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: line)
        } catch {
            return Decoded(id: nil, operation: nil, request: .failure(.badJSON("not valid JSON: \(error)")))
        }
        guard case .object(let members) = value else {
            let error = ControlError.badJSON("expected a JSON object, found \(value.typeName)")
            return Decoded(id: nil, operation: nil, request: .failure(error))
        }
        let id = members["id"]
        let op = members["op"]?.stringValue
        let operation: ControlOperation
        do throws(ControlError) {
            operation = try ControlOperation(of: members)
        } catch {
            return Decoded(id: id, op: op, request: .failure(error))
        }
        do throws(ControlError) {
            let request = try ControlRequest(operation, members: members, maxBatch: maxBatch)
            return Decoded(id: id, operation: operation, op: op, request: .success(request))
        } catch {
            return Decoded(id: id, operation: operation, op: op, request: .failure(error))
        }
    }

    /// Decodes a request object: its `op`, then that operation's fields.
    public init(decoding members: [String: JSONValue], maxBatch: Int) throws(ControlError) {
        try self.init(ControlOperation(of: members), members: members, maxBatch: maxBatch)
    }

    /// Decodes the fields of an `operation` request.
    init(_ operation: ControlOperation, members: [String: JSONValue], maxBatch: Int) throws(ControlError) {
        let fields = RequestFields(members)
        switch operation {
        case .send: self = .send(try SendRequest(decoding: fields))
        case .sendBatch: self = .sendBatch(try SendBatchRequest(decoding: fields, maxBatch: maxBatch))
        case .status: self = .status(try StatusRequest(decoding: fields))
        case .stats: self = .stats
        case .channels: self = .channels
        case .health: self = .health
        case .reload: self = .reload
        case .optout: self = .optout(try ConsentChangeRequest(decoding: fields))
        case .optin: self = .optin(try ConsentChangeRequest(decoding: fields))
        case .consent: self = .consent(try ConsentRequest(decoding: fields))
        case .event: self = .event(try EventRequest(decoding: fields))
        case .report: self = .report(try ReportRequest(decoding: fields))
        case .subscribe: self = .subscribe(try SubscribeRequest(decoding: fields))
        case .cancel: self = .cancel(try CancelRequest(decoding: members))
        case .requeue: self = .requeue(try RequeueRequest(decoding: members))
        case .pause: self = .pause(try PauseRequest(decoding: members))
        case .resume: self = .resume(try PauseRequest(decoding: members))
        case .consentExport: self = .consentExport(try ConsentExportRequest(decoding: members))
        case .customer: self = .customer(try CustomerRequest(decoding: fields))
        case .customerBatch: self = .customerBatch(try CustomerBatchRequest(decoding: fields))
        case .customerShow: self = .customerShow(try CustomerShowRequest(decoding: fields))
        case .forget: self = .forget(try ForgetRequest(decoding: fields))
        case .enrol: self = .enrol(try EnrolRequest(decoding: fields))
        case .enrolBatch: self = .enrolBatch(try EnrolBatchRequest(decoding: fields))
        case .exit: self = .exit(try ExitRequest(decoding: fields))
        case .runs: self = .runs(try RunsRequest(decoding: fields))
        case .strategies: self = .strategies
        case .nodes: self = .nodes
        }
    }

    /// Its operation.
    public var operation: ControlOperation {
        switch self {
        case .send: .send
        case .sendBatch: .sendBatch
        case .status: .status
        case .stats: .stats
        case .channels: .channels
        case .health: .health
        case .reload: .reload
        case .optout: .optout
        case .optin: .optin
        case .consent: .consent
        case .event: .event
        case .report: .report
        case .subscribe: .subscribe
        case .cancel: .cancel
        case .requeue: .requeue
        case .pause: .pause
        case .resume: .resume
        case .consentExport: .consentExport
        case .customer: .customer
        case .customerBatch: .customerBatch
        case .customerShow: .customerShow
        case .forget: .forget
        case .enrol: .enrol
        case .enrolBatch: .enrolBatch
        case .exit: .exit
        case .runs: .runs
        case .strategies: .strategies
        case .nodes: .nodes
        }
    }

    /// The operation's fields, without `op` and `id`.
    public var members: [String: JSONValue] {
        switch self {
        case .send(let request): request.members
        case .sendBatch(let request): request.members
        case .status(let request): request.members
        case .stats, .channels, .health, .reload: [:]
        case .optout(let request), .optin(let request): request.members
        case .consent(let request): request.members
        case .event(let request): request.members
        case .report(let request): request.members
        case .subscribe(let request): request.members
        case .cancel(let request): request.members
        case .requeue(let request): request.members
        case .pause(let request), .resume(let request): request.members
        case .consentExport(let request): request.members
        case .customer(let request): request.members
        case .customerBatch(let request): request.members
        case .customerShow(let request): request.members
        case .forget(let request): request.members
        case .enrol(let request): request.members
        case .enrolBatch(let request): request.members
        case .exit(let request): request.members
        case .runs(let request): request.members
        case .strategies, .nodes: [:]
        }
    }

    /// The request object, with `id` when given.
    public func json(id: JSONValue? = nil) -> JSONValue { Self.json(operation, members: members, id: id) }

    /// A request object of `operation` with fields as a client wrote them, not decoded here: `gatewayctl send
    /// --file` passes each line on so that the daemon answers a bad one in its slot.
    public static func json(_ operation: ControlOperation, members: [String: JSONValue], id: JSONValue?) -> JSONValue {
        var members = members
        members["op"] = .string(operation.rawValue)
        members["id"] = id
        return .object(members)
    }

    /// The request line (without its newline).
    public func line(id: JSONValue? = nil) -> String { json(id: id).serialized }
}

public import GatewayJSON

/// `enrol_batch`: many customers into one strategy; each item is decoded on its own, so a bad one is answered in
/// its slot while the others are enrolled.
public struct EnrolBatchRequest: Sendable {
    /// The most customers one request may carry.
    public static let maxItems = 10_000

    public var strategy: String
    /// The start time of items without their own; `nil` is now.
    public var startAt: TimeInput?
    /// Each enrolment, decoded or refused (with `customers[N].` before the field); an item's `startAt` is its
    /// own, `nil` meaning the batch's.
    public var enrolments: [Result<EnrolRequest, ControlError>]

    public init(strategy: String, startAt: TimeInput? = nil, enrolments: [EnrolRequest]) {
        self.strategy = strategy
        self.startAt = startAt
        self.enrolments = enrolments.map { .success($0) }
    }

    /// Decodes the batch; more than ``maxItems`` customers is refused before any is read.
    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "strategy", "start_at", "customers"])
        strategy = try EnrolRequest.strategy(fields)
        startAt = try fields.time("start_at")
        guard case .array(let items)? = fields["customers"] else {
            throw .badRequest("'customers' must be an array", field: "customers")
        }
        guard items.count <= Self.maxItems else {
            throw .badRequest("a batch may carry at most \(Self.maxItems) customers", field: "customers")
        }
        enrolments = []
        enrolments.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let prefix = "customers[\(index)]."
            guard case .object(let members) = item else {
                enrolments.append(.failure(.badRequest("expected an object", field: "customers[\(index)]")))
                continue
            }
            do throws(ControlError) {
                let itemFields = RequestFields(members, prefix: prefix)
                try itemFields.refuseUnknown(EnrolRequest.itemFields)
                enrolments.append(.success(try EnrolRequest(item: itemFields, strategy: strategy)))
            } catch {
                enrolments.append(.failure(error))
            }
        }
    }

    /// The request's members (without `op`); refused items are left out.
    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["strategy": .string(strategy)]
        members["start_at"] = startAt?.json
        members["customers"] = .array(
            enrolments.compactMap { result in
                guard case .success(let enrolment) = result else { return nil }
                return .object(enrolment.itemMembers)
            })
        return members
    }
}

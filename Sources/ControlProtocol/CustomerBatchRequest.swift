public import GatewayJSON

/// `customer_batch`: up to 10,000 `customer` objects in one request and one commit; each is decoded on its own,
/// so a bad item is answered in its slot while the others are stored.
public struct CustomerBatchRequest: Sendable {
    /// Most customers one request may carry.
    public static let limit = 10_000

    /// Each customer, decoded or refused (with `customers[N].` before the field).
    public var customers: [Result<CustomerRequest, ControlError>]

    public init(customers: [CustomerRequest]) {
        self.customers = customers.map { .success($0) }
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        for key in fields.members.keys where key != "op" && key != "id" && key != "customers" {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        guard case .array(let items)? = fields.members["customers"] else {
            throw .badRequest("'customers' must be an array", field: "customers")
        }
        guard items.count <= Self.limit else {
            throw .badRequest("a batch may carry at most \(Self.limit) customers", field: "customers")
        }
        customers = []
        customers.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else {
                customers.append(.failure(.badRequest("expected an object", field: "customers[\(index)]")))
                continue
            }
            do throws(ControlError) {
                customers.append(
                    .success(try CustomerRequest(decoding: RequestFields(members, prefix: "customers[\(index)]."))))
            } catch {
                customers.append(.failure(error))
            }
        }
    }

    /// The request's members (without `op`); refused customers are left out.
    public var members: [String: JSONValue] {
        ["customers": .array(customers.compactMap { try? JSONValue.object($0.get().members) })]
    }
}

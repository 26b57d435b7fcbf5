public import GatewayJSON

/// `send_batch`: many send objects in one request; each is decoded on its own, so one bad message is answered
/// in its slot while the others are accepted.
public struct SendBatchRequest: Sendable {
    /// Each message, decoded or refused (with `messages[N].` before the field).
    public var messages: [Result<SendRequest, ControlError>]

    public init(messages: [SendRequest]) {
        self.messages = messages.map { .success($0) }
    }

    /// Decodes the batch; more than `maxBatch` messages is refused before any is read.
    public init(decoding fields: RequestFields, maxBatch: Int) throws(ControlError) {
        for key in fields.members.keys where key != "op" && key != "id" && key != "messages" {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        guard case .array(let items)? = fields.members["messages"] else {
            throw .badRequest("'messages' must be an array", field: "messages")
        }
        guard items.count <= maxBatch else {
            throw .badRequest("a batch may carry at most \(maxBatch) messages", field: "messages")
        }
        messages = []
        messages.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else {
                messages.append(.failure(.badRequest("expected an object", field: "messages[\(index)]")))
                continue
            }
            do throws(ControlError) {
                messages.append(
                    .success(try SendRequest(decoding: RequestFields(members, prefix: "messages[\(index)]."))))
            } catch {
                messages.append(.failure(error))
            }
        }
    }

    /// The request's members (without `op`); refused messages are left out.
    public var members: [String: JSONValue] {
        ["messages": .array(messages.compactMap { try? JSONValue.object($0.get().members) })]
    }
}

import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `customer_batch`: up to 10,000 directory entries in one commit; each gets its own answer or error, in
/// request order.
enum CustomerBatchHandler {
    static func handle(
        _ request: CustomerBatchRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let now = service.wallClock.nowMilliseconds
        var slots: [Result<Int, ControlError>] = []
        slots.reserveCapacity(request.customers.count)
        var upserts: [CustomerUpsert] = []
        upserts.reserveCapacity(request.customers.count)
        for (index, item) in request.customers.enumerated() {
            do throws(ControlError) {
                let upsert = try CustomerHandler.upsert(item.get(), prefix: "customers[\(index)].", at: now)
                slots.append(.success(upserts.count))
                upserts.append(upsert)
            } catch {
                slots.append(.failure(error))
            }
        }
        let answered = slots
        let ids = upserts.map(\.id)
        let finish: @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void = { results in
            let answer = CustomerBatchAnswer(
                results: answered.map { slot in
                    slot.flatMap { index -> Result<CustomerAnswer, ControlError> in
                        guard index < results.count else { return .failure(.internalError("not stored")) }
                        switch results[index] {
                        case .success(let outcome):
                            return .success(
                                CustomerAnswer(customer: ids[index], state: CustomerHandler.state(outcome)))
                        case .failure(let error):
                            return .failure(.internalError("not stored: \(error)"))
                        }
                    }
                })
            respond(answer.line(id: id))
        }
        guard !upserts.isEmpty else {
            finish([])
            return
        }
        if !service.store.upsertCustomers(upserts, completion: finish) {
            respond(AnswerLine.error(id: id, .overloaded))
        }
    }
}

import ChannelKit
import ControlProtocol
import Foundation
import GatewayStore
import Synchronization

/// `customer`: one directory entry, answered once committed.
enum CustomerHandler {
    static func handle(
        _ request: CustomerRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let upsert: CustomerUpsert
        do throws(ControlError) {
            upsert = try self.upsert(request, prefix: "", at: service.wallClock.nowMilliseconds)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let customer = request.customer
        let queued = service.store.upsertCustomers([upsert]) { results in
            switch results.first {
            case .success(let outcome)?:
                respond(CustomerAnswer(customer: customer, state: state(outcome)).line(id: id))
            case .failure(let error)?:
                respond(AnswerLine.error(id: id, .internalError("not stored: \(error)")))
            case nil:
                respond(AnswerLine.error(id: id, .internalError("not stored")))
            }
        }
        if !queued { respond(AnswerLine.error(id: id, .overloaded)) }
    }

    /// The store's upsert for a decoded request, after the checks the protocol layer cannot make (the zone).
    static func upsert(_ request: CustomerRequest, prefix: String, at: Int64) throws(ControlError) -> CustomerUpsert {
        if case .some(.some(let zone)) = request.zone, TimeZone(identifier: zone) == nil {
            throw .badRequest("'\(zone)' is not a known IANA time zone", field: prefix + "zone")
        }
        var attributes: [String: String?] = [:]
        for (name, value) in request.attributes {
            switch value {
            case .null: attributes[name] = .some(nil)
            default: attributes[name] = value.scalarText
            }
        }
        return CustomerUpsert(
            id: request.customer, addresses: request.addresses, attributes: attributes, zone: request.zone,
            tagsAdded: request.tagsAdd, tagsRemoved: request.tagsRemove, at: at)
    }

    static func state(_ outcome: CustomerUpsert.Outcome) -> CustomerAnswer.State {
        switch outcome {
        case .created: .created
        case .updated: .updated
        }
    }
}

import ArgumentParser
import ControlProtocol
import GatewayJSON

/// Whom a consent command is about: `--customer ID` or `--to ADDRESS`, exactly one.
struct ConsentSubjectOptions: ParsableArguments {
    @Option(name: .long, help: "The customer id (opaque, as the bank sends it).")
    var customer: String?

    @Option(name: .long, help: "The address: a phone number, open id, device token, user id.")
    var to: String?

    func validate() throws {
        guard (customer == nil) != (to == nil) else {
            throw ValidationError("name exactly one of --customer or --to")
        }
    }

    /// The subject named.
    var subject: ConsentSubject {
        if let customer { return .customer(customer) }
        return .address(to ?? "")
    }
}

/// What an opt-out or opt-in covers and how it arrived.
struct ConsentChangeOptions: ParsableArguments {
    @Option(name: .long, help: "all, a channel type (sms, wecom, …) or an instance name (meaning its type).")
    var channel = "all"

    @Option(name: .long, help: "How the decision arrived: api or import.")
    var route = "api"

    func validate() throws {
        guard ConsentChangeRequest.Route(rawValue: route) != nil else {
            throw ValidationError("--route must be api or import, got '\(route)'.")
        }
    }

    /// `--route` as the request takes it (checked by `validate`).
    var routeValue: ConsentChangeRequest.Route { ConsentChangeRequest.Route(rawValue: route) ?? .api }

    @Option(name: .long, help: "Evidence to keep with it: a ticket number, a call id, a signed form's reference.")
    var evidence: String?
}

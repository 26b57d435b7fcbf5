import ArgumentParser
import ChannelKit

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

    /// The request fields naming the subject.
    var fields: [String: JSONValue] {
        if let customer { return ["customer": .string(customer)] }
        return ["to": .string(to ?? "")]
    }
}

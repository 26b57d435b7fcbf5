/// The keys policies are kept under: a customer id when the send names one, else the address.
///
/// Addresses that look like phone numbers are reduced to their digits without the `+86`/`0086` country code, so
/// an opt-out from an SMS reply (`13800000000`) matches a send to `+86 138-0000-0000`.
enum PolicySubject {
    /// The key of a customer id.
    static func customer(_ id: String) -> String { "c:" + id }

    /// The key of an address.
    static func address(_ address: String) -> String { "a:" + normalized(address) }

    /// The key caps count under.
    static func capKey(customer: String?, address: String) -> String {
        customer.map(Self.customer) ?? Self.address(address)
    }

    /// An address as policies compare it.
    static func normalized(_ address: String) -> String {
        let phoneCharacters: Set<Character> = ["+", "-", " ", "(", ")"]
        guard !address.isEmpty, address.allSatisfy({ $0.isASCII && ($0.isNumber || phoneCharacters.contains($0)) })
        else { return address }
        var digits = address.filter(\.isNumber)
        if digits.hasPrefix("0086") { digits.removeFirst(4) }
        if digits.count == 13, digits.hasPrefix("861") { digits.removeFirst(2) }
        return digits
    }
}

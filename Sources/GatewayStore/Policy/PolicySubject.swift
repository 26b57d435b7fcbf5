/// The keys policies are kept under: a customer id when the send names one, else the address.
///
/// Addresses that look like phone numbers are reduced to their digits without the `+86`/`0086` country code, so
/// an opt-out from an SMS reply (`13800000000`) matches a send to `+86 138-0000-0000`.
package enum PolicySubject {
    /// The key of a customer id.
    package static func customer(_ id: String) -> String { "c:" + id }

    /// The key of an address.
    package static func address(_ address: String) -> String { "a:" + normalized(address) }

    /// The key caps count under.
    package static func capKey(customer: String?, address: String) -> String {
        customer.map(Self.customer) ?? Self.address(address)
    }

    /// An address as policies compare it.
    ///
    /// Byte by byte (receipt matching normalizes every recipient of a batch send): only ASCII digits and `+- ()`
    /// make a phone number, anything else is returned as it is.
    package static func normalized(_ address: String) -> String {
        let utf8 = address.utf8
        guard !utf8.isEmpty, utf8.allSatisfy(isPhoneByte) else { return address }
        return String(unsafeUninitializedCapacity: utf8.count) { out in
            var count = 0
            for byte in utf8 where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                out[count] = byte
                count += 1
            }
            var start = 0
            if count >= 4, out[0] == UInt8(ascii: "0"), out[1] == UInt8(ascii: "0"), out[2] == UInt8(ascii: "8"),
                out[3] == UInt8(ascii: "6")
            {
                start = 4
            }
            if count - start == 13, out[start] == UInt8(ascii: "8"), out[start + 1] == UInt8(ascii: "6"),
                out[start + 2] == UInt8(ascii: "1")
            {
                start += 2
            }
            if start > 0 {
                for index in start..<count { out[index - start] = out[index] }
            }
            return count - start
        }
    }

    /// A byte a phone number may be written with: a digit or one of `+- ()`.
    private static func isPhoneByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: " "),
            UInt8(ascii: "("), UInt8(ascii: ")"):
            true
        default: false
        }
    }
}

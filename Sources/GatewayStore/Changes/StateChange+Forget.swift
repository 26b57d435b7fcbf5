import ChannelKit
public import ControlProtocol

extension StateChange {
    /// A customer was forgotten (design §12): named only by its pseudonym, with the bank's ticket, so the CRM
    /// can erase too. The line never carries the customer id.
    public static func forget(customerHash: String, reference: String, at: Int64) -> StateChange {
        var line = "{\"event\":\"forget\",\"customer_hash\":"
        JSONValue.appendQuoted(customerHash, to: &line)
        line += ",\"reference\":"
        JSONValue.appendQuoted(reference, to: &line)
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return StateChange(kind: .forget, customer: nil, at: at, line: line)
    }
}

/// A request to forget a customer under PIPL (design §12): what `forget` hands the store.
public struct CustomerForget: Sendable {
    /// The bank's customer id.
    public var id: String
    /// The bank's ticket, kept as the evidence of the erase entry in the consent log.
    public var reference: String
    /// Who asked (the control peer), as consent entries record it.
    public var client: String
    /// `privacy.pseudonym_key`, when configured; otherwise the store keys the pseudonym itself (see `Pseudonym`).
    public var pseudonymKey: [UInt8]?
    /// Epoch ms.
    public var at: Int64
    /// Only report the sweep's progress (`forget` with `progress: true`): nothing is erased or logged.
    public var progressOnly = false

    public init(id: String, reference: String, client: String, pseudonymKey: [UInt8]? = nil, at: Int64) {
        self.id = id
        self.reference = reference
        self.client = client
        self.pseudonymKey = pseudonymKey
        self.at = at
    }
}

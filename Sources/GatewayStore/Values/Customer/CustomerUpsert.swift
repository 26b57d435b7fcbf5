/// One customer to create or change in the directory, as `customer` and `customer_batch` give it. Keys left out
/// keep their stored values.
public struct CustomerUpsert: Sendable {
    /// What the upsert did.
    public enum Outcome: String, Sendable {
        case created, updated
    }

    /// The bank's customer id.
    public var id: String
    /// Address per channel type (`sms`, `app_push`, `wecom`, `wechat_oa`, `call_queue`); `nil` removes one.
    public var addresses: [String: String?]
    /// Attributes for templates (`{{customer.NAME}}`); `nil` removes one.
    public var attributes: [String: String?]
    /// IANA time zone; `.some(nil)` removes it, `nil` keeps it.
    public var zone: String??
    public var tagsAdded: [String]
    public var tagsRemoved: [String]
    /// Epoch ms.
    public var at: Int64

    public init(
        id: String, addresses: [String: String?] = [:], attributes: [String: String?] = [:], zone: String?? = nil,
        tagsAdded: [String] = [], tagsRemoved: [String] = [], at: Int64
    ) {
        self.id = id
        self.addresses = addresses
        self.attributes = attributes
        self.zone = zone
        self.tagsAdded = tagsAdded
        self.tagsRemoved = tagsRemoved
        self.at = at
    }
}

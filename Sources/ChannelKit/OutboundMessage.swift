/// One message as the core hands it to an adapter.
public struct OutboundMessage: Sendable, Hashable {
    /// The gateway's message id (unique, stable across retries and restarts).
    public var id: String
    /// The channel instance name (the `channels.d` file name).
    public var channel: String
    /// The address on that channel: a phone number, open id, device token, user id.
    public var recipient: String
    /// The business category.
    public var category: MessageCategory
    /// The vendor-side template code or name, if the message uses one.
    public var template: String?
    /// Template parameters, by name.
    public var params: [String: String]
    /// Free text content (the body of a push, card or text), for channels and vendors that take it.
    public var content: String?
    /// A title (push notifications, WeCom text cards, news), if the message has one.
    public var title: String?
    /// A link the message opens (a push deep link, a card's URL, a template message's `url`), if any.
    public var url: String?

    /// - Parameters:
    ///   - id: the gateway's message id.
    ///   - channel: the channel instance name.
    ///   - recipient: the address on that channel.
    ///   - category: the business category.
    ///   - template: the vendor template code, if any.
    ///   - params: template parameters.
    ///   - content: free text, if any.
    ///   - title: a title, if any.
    ///   - url: a link, if any.
    public init(
        id: String,
        channel: String,
        recipient: String,
        category: MessageCategory = .transactional,
        template: String? = nil,
        params: [String: String] = [:],
        content: String? = nil,
        title: String? = nil,
        url: String? = nil
    ) {
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.category = category
        self.template = template
        self.params = params
        self.content = content
        self.title = title
        self.url = url
    }
}

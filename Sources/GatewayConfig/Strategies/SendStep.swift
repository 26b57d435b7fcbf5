public import ChannelKit

/// A `send` step: which channel and what to send. Texts may hold `{{customer.NAME}}` or `{{customer.NAME|default}}`.
public struct SendStep: Sendable {
    /// Where to send.
    public enum Channels: Sendable, Equatable {
        /// Instances in preference order: the first one admitted now is used.
        case instances([String])
        /// The customer's learned channel type (see `strategies.affinity`), else the fallback order.
        case auto
    }

    /// What a step does when every candidate is suppressed (opted out, capped, no address, missing attribute).
    public enum OnSuppressed: Sendable, Equatable {
        /// Go on to the next step (the default).
        case `continue`
        /// End the run.
        case stop
        /// Go to this step.
        case step(String)
    }

    /// What to do over a frequency cap: suppress (default), or defer to when the window allows.
    public enum OnCap: String, Sendable {
        case suppress, `defer`
    }

    public var channels: Channels
    public var template: String?
    public var params: [String: String]
    public var content: String?
    public var title: String?
    public var url: String?
    public var trackLinks: Bool
    /// The step's category; `nil` takes the strategy's.
    public var category: MessageCategory?
    public var onSuppressed: OnSuppressed
    public var onCap: OnCap

    public init(
        channels: Channels, template: String? = nil, params: [String: String] = [:], content: String? = nil,
        title: String? = nil, url: String? = nil, trackLinks: Bool = false, category: MessageCategory? = nil,
        onSuppressed: OnSuppressed = .continue, onCap: OnCap = .suppress
    ) {
        self.channels = channels
        self.template = template
        self.params = params
        self.content = content
        self.title = title
        self.url = url
        self.trackLinks = trackLinks
        self.category = category
        self.onSuppressed = onSuppressed
        self.onCap = onCap
    }
}

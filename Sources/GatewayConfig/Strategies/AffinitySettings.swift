/// `strategies.affinity` in `gateway.yaml`: how channel scores are learned and used by `channel: auto`.
/// - `half_life` (duration; 30d): engagement and sends decay by half over this.
/// - `min_sends` (1...1000; 3) and `min_channels` (1...5; 2): evidence needed before the learned order is used.
/// - `exploration` (0...0.5; 0.05): share of `auto` sends that try another eligible channel first.
/// - `prefer_margin` (0...1; 0.2): score lead that earns the tag `prefers:<type>` (lost below half of it).
/// - `fallback` (list of channel types; app_push, wechat_oa, sms): order without enough evidence.
/// - `instances` (channel type → instance name or list): the instances `auto` sends through per type.
public struct AffinitySettings: Sendable, Equatable {
    public var halfLife: Duration
    public var minSends: Int
    public var minChannels: Int
    public var exploration: Double
    public var preferMargin: Double
    public var fallback: [String]
    public var instances: [String: [String]]

    public init(
        halfLife: Duration = .seconds(30 * 86_400), minSends: Int = 3, minChannels: Int = 2, exploration: Double = 0.05,
        preferMargin: Double = 0.2, fallback: [String] = ["app_push", "wechat_oa", "sms"],
        instances: [String: [String]] = [:]
    ) {
        self.halfLife = halfLife
        self.minSends = minSends
        self.minChannels = minChannels
        self.exploration = exploration
        self.preferMargin = preferMargin
        self.fallback = fallback
        self.instances = instances
    }
}

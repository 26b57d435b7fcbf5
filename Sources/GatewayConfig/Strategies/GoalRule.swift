/// A strategy's conversion goal: the event, the window after a touch, and which touch gets the credit.
public struct GoalRule: Sendable, Equatable {
    public enum Attribution: String, Sendable {
        case lastTouch = "last_touch"
        case firstTouch = "first_touch"
    }

    public var event: StrategyEvent
    public var within: Duration
    public var attribution: Attribution

    public init(event: StrategyEvent = .converted, within: Duration, attribution: Attribution = .lastTouch) {
        self.event = event
        self.within = within
        self.attribution = attribution
    }
}

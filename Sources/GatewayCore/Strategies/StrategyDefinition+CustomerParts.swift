public import GatewayConfig
public import GatewayStore

extension StrategyDefinition {
    /// The optional customer facts a run of this strategy may read: tags for a `branch` on a tag or a `tag` step
    /// that removes (the interpreter removes only tags the customer has), channel scores for a `send` on `auto`.
    /// The engine loads only these for each run it wakes (a query each per run saved).
    public var customerParts: CustomerFacts.Parts {
        var parts: CustomerFacts.Parts = []
        for step in steps {
            switch step.kind {
            case .branch(let branch):
                if branch.cases.contains(where: { if case .tag = $0.condition { true } else { false } }) {
                    parts.insert(.tags)
                }
            case .tag(let tag):
                if !tag.remove.isEmpty { parts.insert(.tags) }
            case .send(let send):
                if send.channels == .auto { parts.insert(.scores) }
            default:
                break
            }
        }
        return parts
    }
}

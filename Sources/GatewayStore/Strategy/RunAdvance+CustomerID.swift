extension RunAdvance {
    /// Whether applying the advance needs the customer's id (sealed: an AES-GCM open per run): for the feed, for
    /// handoffs (they enrol the customer) and for a candidate that does not carry it (the engine's do).
    package func needsCustomerID(feed: Bool) -> Bool {
        if feed || !effects.handoffs.isEmpty { return true }
        guard case .send(let plan) = next else { return false }
        return !plan.onSent.effects.handoffs.isEmpty || !plan.onSuppressed.effects.handoffs.isEmpty
            || plan.candidates.contains { $0.accept.customer == nil }
    }
}

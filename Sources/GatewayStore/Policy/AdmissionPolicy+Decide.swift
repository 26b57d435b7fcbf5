import ChannelKit
import GatewayConfig

extension AdmissionPolicy {
    /// Runs a send through opt-outs (marketing), frequency caps and quiet hours. `critical` passes untouched.
    ///
    /// A pure decision over what the store knows, asked for only when a rule needs it, so each backend reads its
    /// facts its own way: the SQLite writer one statement at a time inside its transaction, the PostgreSQL store
    /// for a whole batch at once.
    /// - Parameters:
    ///   - optedOut: whether the send's address or customer has opted out of its channel type (marketing only).
    ///   - capEvents: the subject's counted sends of the send's category after a time, of its channel type only
    ///     (`perChannel`) or of every type; asked at most once for each.
    package func decide(
        _ request: AcceptRequest, now: Int64,
        optedOut: () throws(StoreError) -> Bool,
        capEvents: (_ perChannel: Bool, _ after: Int64) throws(StoreError) -> [Int64]
    ) throws(StoreError) -> Admission {
        let message = request.message
        var at = max(now, request.notBefore ?? now)
        guard message.category != .critical else { return .send(at: at) }
        if message.category == .marketing, try optedOut() { return .suppress(.optedOut, cap: nil) }
        let caps = caps(for: message.category)
        let quietHours = quietHours(in: request.timeZone)
        let quiet = quietHours.covers(message.category, channelType: request.channelType)
        guard !caps.isEmpty || quiet else { return .send(at: at) }
        // Events are read once, from the earliest window start any candidate time could need.
        var history: [Bool: [Int64]] = [:]
        func events(perChannel: Bool, window: Int64) throws(StoreError) -> [Int64] {
            if let cached = history[perChannel] { return cached }
            let longest = caps.filter { $0.perChannel == perChannel }.map(\.per.milliseconds).max() ?? window
            let loaded = try capEvents(perChannel, now - longest)
            history[perChannel] = loaded
            return loaded
        }
        // Quiet hours and caps each push the time later; repeat until both agree (bounded).
        for _ in 0..<8 {
            let before = at
            if quiet {
                at = quietHours.earliestAllowed(message.category, channelType: request.channelType, from: at)
            }
            for cap in caps {
                let window = cap.per.milliseconds
                let counted = try events(perChannel: cap.perChannel, window: window)
                if CapWindow.fits(events: counted, max: cap.max, window: window, at: at) { continue }
                guard request.onCap == .defer else { return .suppress(.frequencyCap, cap: cap.name) }
                at = CapWindow.earliestSlot(events: counted, max: cap.max, window: window, from: at)
            }
            if at == before { break }
        }
        return .send(at: at)
    }
}

import ChannelKit

/// One instance's access token, kept by the dispatcher thread: fetched once however many sends wait for it
/// (single flight), refreshed before it expires, dropped when the vendor calls it expired, and retried with
/// backoff after a failed fetch. The token value is never logged.
struct AccessTokenCache {
    /// What a send can do now.
    enum Availability: Equatable {
        /// Use this token.
        case ready(Secret)
        /// Nothing to use: start a fetch (none is running and no backoff holds).
        case fetch
        /// A fetch is running; wait for it.
        case waiting
        /// The last fetch failed and its backoff holds: sends fail their attempt with this reason.
        case failed(Reason)
    }

    private(set) var token: AccessToken?
    private var issuedAt: Int64 = 0
    private(set) var isFetching = false
    private var retryAt: Int64 = 0
    private var failures = 0
    private(set) var lastFailure: Reason?
    /// Tokens obtained so far.
    private(set) var refreshes = 0

    /// Longest wait between failed fetches.
    static let maxBackoff: Int64 = 60_000

    func availability(now: Int64) -> Availability {
        if let token, now < token.expiresAtMilliseconds { return .ready(token.value) }
        if isFetching { return .waiting }
        if let lastFailure, now < retryAt { return .failed(lastFailure) }
        return .fetch
    }

    /// Whether a still-valid token is near its end and a background refresh should start.
    func needsRefresh(now: Int64) -> Bool {
        guard let token, !isFetching, now >= retryAt else { return false }
        let lifetime = max(0, token.expiresAtMilliseconds - issuedAt)
        return now >= token.expiresAtMilliseconds - min(300_000, lifetime / 10)
    }

    /// When the cache next needs attention without an event (a backoff ending, a refresh falling due).
    func nextDue(now: Int64) -> Int64? {
        if isFetching { return nil }
        if lastFailure != nil, now < retryAt { return retryAt }
        guard let token else { return nil }
        let lifetime = max(0, token.expiresAtMilliseconds - issuedAt)
        return max(now, token.expiresAtMilliseconds - min(300_000, lifetime / 10))
    }

    mutating func beginFetch() { isFetching = true }

    mutating func store(_ token: AccessToken, now: Int64) {
        self.token = token
        issuedAt = now
        isFetching = false
        failures = 0
        lastFailure = nil
        refreshes += 1
    }

    mutating func fail(_ reason: Reason, now: Int64) {
        isFetching = false
        failures += 1
        lastFailure = reason
        retryAt = now + min(Self.maxBackoff, 1000 << min(failures - 1, 6))
    }

    /// Drops the token if it is still the one the vendor refused (a newer one may already be in place).
    mutating func invalidate(_ value: Secret?) {
        guard let value, token?.value == value else { return }
        token = nil
    }

    /// Forgets everything (a reload changed the instance's credentials).
    mutating func reset() {
        self = AccessTokenCache()
    }
}

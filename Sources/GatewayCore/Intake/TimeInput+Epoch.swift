import ControlProtocol

/// A request's time field in epoch milliseconds: the daemon's clock and parser decide, clients pass text through.
extension TimeInput {
    /// An absolute time (`not_after`, `not_before`, `at`): an RFC 3339 time or epoch milliseconds.
    /// - Throws: `bad_request` naming `key` and `field`.
    func epochMilliseconds(key: String, field: String) throws(ControlError) -> Int64 {
        let parsed: Int64? =
            switch self {
            case .text(let text): Timestamp.parse(text)
            case .number(let text): Int64(text)
            }
        guard let parsed else { throw TimeInput.timeError(key, field: field) }
        return parsed
    }

    /// A past time (`since`, `until`): also a duration back from `now` (``PastTime``).
    /// - Throws: `bad_request` naming `field` and the grammar.
    func pastMilliseconds(field: String, now: Int64) throws(ControlError) -> Int64 {
        let parsed: Int64? =
            switch self {
            case .text(let text): PastTime.parse(text, now: now)
            case .number(let text): Int64(text)
            }
        guard let parsed else { throw TimeInput.pastError(field: field) }
        return parsed
    }
}

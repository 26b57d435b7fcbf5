/// What admission decided for one send.
package enum Admission: Sendable, Equatable {
    /// Send at this time (now, or later: quiet hours, a deferred cap, `not_before`).
    case send(at: Int64)
    /// Never send; the reason and the cap's name.
    case suppress(AcceptResult.SuppressionReason, cap: String?)
}

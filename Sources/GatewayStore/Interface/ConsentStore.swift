public import GatewayConfig

/// Consent and admission policy: the opt-out log and the rules applied to sends inside intake's transaction.
public protocol ConsentStore: AnyObject, Sendable {
    /// Sets the caps, quiet hours and opt-out rules applied to sends from the next commit on.
    func setPolicy(_ configuration: PolicyConfiguration)

    /// Whether an SMS reply is an opt-out keyword under the current policy.
    func isOptOutKeyword(_ reply: String) -> Bool

    /// Appends opt-outs and opt-ins to the consent log; `completion` runs after the commit, with the count.
    func changeConsent(_ changes: [ConsentChange], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)

    /// A subject's standing opt-outs and consent log, after everything queued so far is committed.
    func consent(
        of subject: ConsentChange.Subject,
        completion: @escaping @Sendable (Result<ConsentReport, StoreError>) -> Void)

    /// A page of the whole consent log: entries after `sequence`, changed at or after `since` if set.
    func consentLog(
        after sequence: Int64, since: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<[ConsentReport.Entry], StoreError>) -> Void)
}

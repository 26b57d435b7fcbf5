public import GatewayStore

// Placeholder: ported from StoreWriter+Control next.
extension PostgresMessageStore {
    public func status(of id: String, completion: @escaping @Sendable (MessageStatus?) -> Void) {
        completion(nil)
    }

    public func locate(
        messageID: String?, dedupKey: String?,
        completion: @escaping @Sendable (Result<MessageLocation?, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("locate")))
    }

    public func cancel(
        _ sequence: Int64, client: String, completion: @escaping @Sendable (Result<Bool, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("cancel")))
    }

    public func countRequeue(_ filter: RequeueFilter, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)
    {
        completion(.failure(Self.unserved("requeue")))
    }

    public func requeue(
        _ filter: RequeueFilter, limit: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("requeue")))
    }

    public func setPaused(
        _ channel: String, paused: Bool, client: String,
        completion: @escaping @Sendable (Result<Void, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("pause")))
    }

    public func changeConsent(
        _ changes: [ConsentChange], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("consent")))
    }

    public func consent(
        of subject: ConsentChange.Subject, completion: @escaping @Sendable (Result<ConsentReport, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("consent")))
    }

    public func consentLog(
        after sequence: Int64, since: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<[ConsentReport.Entry], StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("consent")))
    }

    public func report(since: Int64) throws(StoreError) -> [ChannelReport] { [] }

    public func changes(since: Int64, limit: Int) throws(StoreError) -> [StateChange] { [] }

    public func acknowledgeOutbox(upTo sequence: Int64) {}

    /// Appends changes to the webhook outbox.
    func appendToOutbox(_ changes: [StateChange], now: Int64, on connection: PostgresConnection) throws(PostgresError)
    {}

    /// Deletes a bounded batch of what retention lets go; whether more may be left.
    func prune(_ connection: PostgresConnection, now: Int64, capWindow: Int64) -> Bool { false }
}

/// Everything the pipeline asks of the durable store, one protocol per concern.
///
/// The pipeline (intake handlers, dispatcher, receipt poller, callback processor, webhook sender, metrics)
/// holds the store as `any MessageStoring`; only the wiring (`Gateway`) names a backend. `SQLiteMessageStore` is
/// the embedded default; a second backend (PostgreSQL) implements these protocols and nothing in the pipeline
/// changes. A backend may live in its own module (`GatewayStorePostgres`, so builds without SQLite stay possible):
/// every value these protocols take or return (`MessageStatus`, `MessageLocation`, `StoredMessage`,
/// `ReceiptTally`, `ConsentReport`, `ChannelReport`, `StateChange`, …) has a public initializer, and a backend
/// publishes its commits with the public ``ChangeFeed/publish(_:)``. `ForeignBackendTests` (GatewayCoreTests)
/// conforms from outside this module and stops compiling if one of those initializers turns internal again.
/// What stays internal is SQLite's own: its writer, schema and the admission-policy helpers it runs in SQL.
///
/// Implementation requirements, which the pipeline relies on:
/// 1. Every write runs in a transaction of the store's choosing, and a completion runs only after its work is
///    durable (committed with the fsync an ACK promises), or with the error when it is not.
/// 2. Completions run in submission order, off the caller's thread; a caller must not block the store in one.
/// 3. Admission policy (dedup, opt-outs, frequency caps, quiet hours) runs inside the accepting transaction, so
///    counts are exact however many clients send at once.
/// 4. Calls are per batch, never per message on the send path: `accept` takes a batch, `record` a dispatcher
///    turn's attempts, and a ``StoreReading`` page many queued messages.
/// 5. Committed state changes go to ``ReportStore/feed`` (and the outbox, once enabled) in commit order.
public typealias MessageStoring =
    IntakeStore & DeliveryStore & ReceiptStore & ConsentStore & OperatorStore & ReportStore & StoreLifecycle
    & CustomerStore & StrategyStore

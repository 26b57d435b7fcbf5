/// One unit of work on the store writer's queue.
enum StoreOperation {
    case accept([AcceptRequest], @Sendable ([AcceptResult]) -> Void)
    case record([AttemptRecord])
    case status(String, @Sendable (MessageStatus?) -> Void)
    case barrier(@Sendable () -> Void)
}

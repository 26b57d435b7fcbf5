/// Which run an `exit` ends: by id, or the customer's active run of a strategy.
public enum RunSelector: Sendable, Equatable {
    case run(Int64)
    case customer(String, strategy: String)
}

/// Hands a non-`Sendable` value (a store connection) to the one background thread that uses it from then on.
struct ThreadHandoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

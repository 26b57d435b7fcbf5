/// A transaction's result, written and read on the store writer thread only.
final class WriterBox<Value>: @unchecked Sendable {
    var value: Value?
}

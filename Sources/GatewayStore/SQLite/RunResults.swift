/// The results of one `enrol` or `advance` call, gathered over the commits its items were split into by the
/// commit budget; the caller hears them all at once, in item order, after the commit of the last part.
// Touched only by the writer thread (parts are answered after their commits, in queue order).
final class RunResults<Item: Sendable>: @unchecked Sendable {
    private var results: [Item] = []
    private let expected: Int
    private let completion: @Sendable ([Item]) -> Void

    init(expected: Int, completion: @escaping @Sendable ([Item]) -> Void) {
        self.expected = expected
        self.completion = completion
        results.reserveCapacity(expected)
    }

    /// Adds the results of one part; the last part calls the completion.
    func add(_ part: [Item]) {
        results += part
        if results.count >= expected { completion(results) }
    }
}

/// Why a step of the bench could not run: a file, URL or daemon answer it cannot use.
struct BenchFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

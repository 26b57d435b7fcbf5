import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Random words for message ids, read from `/dev/urandom` a kilobyte at a time.
///
/// `SystemRandomNumberGenerator` makes one system call per word, which cost more than the rest of an id at the
/// accept rate; the pool makes one per 128 words. Where `/dev/urandom` cannot be read it falls back to the
/// generator.
final class RandomBytePool: Sendable {
    static let shared = RandomBytePool()

    private struct State {
        var words = [UInt64](repeating: 0, count: 128)
        var next = 128
    }

    private let descriptor: Int32
    private let state = Mutex(State())

    private init() {
        #if canImport(Glibc)
            descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        #else
            descriptor = -1
        #endif
    }

    /// Two fresh random words.
    func pair() -> (UInt64, UInt64) {
        let taken: (UInt64, UInt64)? = state.withLock { state in
            if state.next + 2 > state.words.count {
                guard refill(&state.words) else { return nil }
                state.next = 0
            }
            defer { state.next += 2 }
            return (state.words[state.next], state.words[state.next + 1])
        }
        if let taken { return taken }
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }

    private func refill(_ words: inout [UInt64]) -> Bool {
        #if canImport(Glibc)
            guard descriptor >= 0 else { return false }
            let wanted = words.count * MemoryLayout<UInt64>.size
            let got = words.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
            return got == wanted
        #else
            return false
        #endif
    }
}

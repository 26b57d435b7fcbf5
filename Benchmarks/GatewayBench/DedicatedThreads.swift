import Dispatch
import Foundation

/// Runs blocking closures on threads of their own and waits for all of them.
///
/// Dispatch's global queue would park blocking socket loops on its few pool threads (two on a 2-core box),
/// starving the other connections; real threads keep every reader and writer running.
enum DedicatedThreads {
    /// Runs each closure on a new thread; returns when all have returned.
    static func runAll(_ bodies: [@Sendable () -> Void]) {
        let done = DispatchSemaphore(value: 0)
        for body in bodies {
            let thread = Thread {
                body()
                done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in bodies { done.wait() }
    }
}

import Synchronization

/// A closure set at wiring time and read on hot paths (every receipt, every `stats`), safely across threads.
///
/// Not `Mutex<(() -> T)?>`: reading a function value out of a `Mutex` with `withLock { $0 }` passes it `inout`
/// through a generic, and the write-back stores it wrapped in two more reabstraction thunks, in release builds
/// too. A closure read per request grew by two frames each time, so each call got slower (24,000 `stats` took
/// seconds) and enough reads would overflow the stack. A class reference is stored as it is.
final class HandlerSlot<Function: Sendable>: Sendable {
    private final class Box: Sendable {
        let function: Function
        init(_ function: Function) { self.function = function }
    }

    private let box: Mutex<Box?>

    init(_ function: Function? = nil) { box = Mutex(function.map(Box.init)) }

    /// The closure, if one is set.
    var function: Function? { box.withLock { $0 }?.function }

    /// Replaces the closure.
    func set(_ function: Function) {
        let new = Box(function)
        box.withLock { $0 = new }
    }
}

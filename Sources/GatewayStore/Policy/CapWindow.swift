/// Sliding-window arithmetic of one frequency cap over the times (epoch ms) of counted sends.
enum CapWindow {
    /// Whether one more send fits at `time`.
    /// - Parameter events: counted sends later than `time - window` (sends deferred into the future included).
    static func fits(events: [Int64], max: Int, window: Int64, at time: Int64) -> Bool {
        events.lazy.filter { $0 > time - window }.count < max
    }

    /// The earliest time at or after `time` at which one more send keeps every window within `max`.
    ///
    /// With `m` sends `e₀ ≤ … ≤ eₘ₋₁` in the window, a send placed after all of them and at least `window` after
    /// `eₘ₋ₘₐₓ` leaves at most `max − 1` others in any window that contains it.
    /// - Parameter events: counted sends later than `time - window`, in ascending order.
    static func earliestSlot(events: [Int64], max: Int, window: Int64, from time: Int64) -> Int64 {
        let recent = events.filter { $0 > time - window }
        guard recent.count >= max else { return time }
        return Swift.max(time, recent[recent.count - 1], recent[recent.count - max] + window)
    }
}

import Foundation
import Testing

@testable import GatewayCore

struct HandlerSlotTests {
    /// A closure read ten thousand times is still called through the same number of frames: reads do not wrap
    /// it in thunks (a `Mutex` holding the closure did, two frames per read, until `stats` took seconds).
    @Test func readingAHandlerManyTimesDoesNotDeepenItsCalls() throws {
        let slot = HandlerSlot<@Sendable () -> Int>()
        slot.set { Thread.callStackSymbols.count }
        let function = try #require(slot.function)
        let first = function()
        for _ in 0..<10_000 { _ = slot.function }
        let again = try #require(slot.function)
        #expect(again() == first)
    }

    @Test func anUnsetSlotHasNoHandlerAndASetOneReplacesIt() throws {
        let slot = HandlerSlot<@Sendable (Int) -> Int>()
        #expect(slot.function == nil)
        slot.set { $0 + 1 }
        slot.set { $0 * 10 }
        let function = try #require(slot.function)
        #expect(function(4) == 40)
    }
}

import Testing

@testable import GatewayCore

/// `unknown_op` names the operations from the list the control service dispatches on.
struct ControlOperationTests {
    @Test func unknownOperationNamesEveryOperation() {
        let error = ControlError.unknownOperation("launch")
        #expect(error.codeName == "unknown_op")
        for operation in ControlOperation.allCases { #expect(error.message.contains(operation.rawValue)) }
        #expect(error.message.contains("subscribe") && error.message.contains("report"))
    }
}

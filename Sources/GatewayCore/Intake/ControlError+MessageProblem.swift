import ChannelKit
import ControlProtocol

extension ControlError {
    /// Maps an adapter's early check to the protocol's codes.
    static func from(_ problem: MessageProblem, prefix: String) -> ControlError {
        let code: ControlErrorCode = problem.codeName == "invalid_recipient" ? .invalidRecipient : .badRequest
        return ControlError(code, problem.message, field: problem.field.map { prefix + $0 })
    }
}

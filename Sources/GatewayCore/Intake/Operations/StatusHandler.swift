import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `status`: one message's state, attempts, receipts and clicks.
enum StatusHandler {
    static func handle(
        _ request: StatusRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let messageID = request.messageID
        service.store.status(of: messageID) { status in
            guard let status else {
                respond(AnswerLine.error(id: id, .notFound(messageID)))
                return
            }
            respond(answer(status).line(id: id))
        }
    }

    /// The answer's view of a stored status: times as RFC 3339 text, the next attempt only while waiting.
    static func answer(_ status: MessageStatus) -> StatusAnswer {
        let waiting = (status.state == .queued || status.state == .deferred) && status.nextAttemptAt > 0
        return StatusAnswer(
            messageID: status.id, channel: status.channel, to: status.recipient, category: status.category,
            customer: status.customer, state: status.state.rawValue, attempts: status.attempts,
            vendorMessageID: status.vendorMessageID, reason: status.reason, reasonDetail: status.reasonDetail,
            dedupKey: status.dedupKey, createdAt: Timestamp.format(status.createdAt),
            updatedAt: Timestamp.format(status.updatedAt), notAfter: status.notAfter.map(Timestamp.format),
            nextAttemptAt: waiting ? Timestamp.format(status.nextAttemptAt) : nil,
            history: status.history.map { attempt in
                StatusAnswer.Attempt(
                    number: attempt.number, at: Timestamp.format(attempt.startedAt), outcome: attempt.outcome.rawValue,
                    httpStatus: attempt.httpStatus, reason: attempt.reason, vendorCode: attempt.vendorCode,
                    detail: attempt.detail, durationMilliseconds: attempt.finishedAt - attempt.startedAt)
            },
            clicks: status.clicks, firstClickedAt: status.firstClickAt.map(Timestamp.format),
            receipts: status.receipts.map { receipt in
                StatusAnswer.Receipt(
                    event: receipt.event.rawValue, reason: receipt.reason, vendorStatus: receipt.vendorStatus,
                    occurredAt: receipt.occurredAt.map(Timestamp.format),
                    receivedAt: Timestamp.format(receipt.receivedAt), value: receipt.value)
            })
    }
}

import NIOCore
import Synchronization

/// One keep-alive connection of the pusher: one request outstanding, the next taken from the shared plan as
/// soon as the answer is in; when the plan is used up the connection closes and reports what it saw.
///
/// Requests go out as prepared bytes and answers are read with ``RawResponse``: no HTTP codec on the pusher's
/// side, so its own cost per request stays far below the listener's.
final class PushHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent down the pipeline once every connection is up, so the clock starts with all of them ready.
    struct Start: Sendable {}

    private let plan: PushPlan
    private let expectedStatus: Int
    private let finished: EventLoopPromise<PushTally>
    private var tally = PushTally()
    private var outstanding: PushPlan.Request?
    private var sentAt: UInt64 = 0
    private var received = ByteBuffer()
    private var done = false

    init(plan: PushPlan, expectedStatus: Int, finished: EventLoopPromise<PushTally>) {
        self.plan = plan
        self.expectedStatus = expectedStatus
        self.finished = finished
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is Start {
            sendNext(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard let request = plan.take() else {
            finish()
            context.close(promise: nil)
            return
        }
        outstanding = request
        sentAt = MonotonicClock.now()
        context.writeAndFlush(wrapOutboundOut(request.bytes), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if received.readableBytes == 0 {
            received = chunk
        } else {
            received.writeBuffer(&chunk)
        }
        do {
            while let response = try RawResponse.take(from: &received) {
                answered(response, context: context)
            }
        } catch {
            tally.failure = error.description
            finish()
            context.close(promise: nil)
        }
    }

    private func answered(_ response: RawResponse, context: ChannelHandlerContext) {
        guard let request = outstanding else {
            tally.failure = "the listener answered a request that was not made"
            return
        }
        outstanding = nil
        tally.latencies.append(MonotonicClock.now() - sentAt)
        tally.statuses[response.status, default: 0] += 1
        if response.status == expectedStatus {
            tally.receipts += request.receipts
        } else if tally.firstUnexpected == nil {
            tally.firstUnexpected = "HTTP \(response.status): " + String(buffer: response.body)
        }
        plan.answered.add(1, ordering: .relaxed)
        sendNext(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        tally.failure = "\(error)"
        finish()
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if outstanding != nil {
            tally.failure = "the listener closed a connection with a request outstanding"
            outstanding = nil
        }
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        guard !done else { return }
        done = true
        finished.succeed(tally)
    }
}

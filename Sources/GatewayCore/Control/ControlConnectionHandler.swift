import NIOCore

/// One client connection: hands each frame to the service and writes the answers back in request order.
///
/// Answers complete out of order (a `status` may finish before an earlier `send`'s commit); each gets a slot
/// and slots are written as soon as every earlier one is ready, so pipelined clients see strict ordering.
final class ControlConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ControlFrame
    typealias OutboundOut = ByteBuffer

    private let service: ControlService
    private var nextSlot = 0
    private var nextToWrite = 0
    private var ready: [Int: String] = [:]
    private var inputClosed = false

    init(service: ControlService) {
        self.service = service
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let slot = nextSlot
        nextSlot += 1
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let respond: @Sendable (String) -> Void = { line in
            if loop.inEventLoop {
                bound.value.0.complete(slot: slot, line: line, context: bound.value.1)
            } else {
                loop.execute { bound.value.0.complete(slot: slot, line: line, context: bound.value.1) }
            }
        }
        switch unwrapInboundIn(data) {
        case .tooLarge:
            respond(service.tooLargeLine())
        case .line(let buffer):
            buffer.withUnsafeReadableBytes { bytes in service.handle(line: bytes, respond: respond) }
        }
    }

    private func complete(slot: Int, line: String, context: ChannelHandlerContext) {
        ready[slot] = line
        var wrote = false
        while let next = ready.removeValue(forKey: nextToWrite) {
            var buffer = context.channel.allocator.buffer(capacity: next.utf8.count + 1)
            buffer.writeString(next)
            buffer.writeInteger(UInt8(ascii: "\n"))
            context.write(wrapOutboundOut(buffer), promise: nil)
            nextToWrite += 1
            wrote = true
        }
        if wrote { context.flush() }
        closeIfFinished(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client has sent everything; close once every answer is written.
            inputClosed = true
            closeIfFinished(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func closeIfFinished(context: ChannelHandlerContext) {
        if inputClosed && nextToWrite == nextSlot && context.channel.isActive {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

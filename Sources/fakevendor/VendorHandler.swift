import GatewayJSON
import NIOCore
import NIOHTTP1

/// Answers one connection's HTTP requests in the vendor format; requests arrive in order from NIO's pipeline.
final class VendorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let ledger: VendorLedger
    let recorder: RequestRecorder?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?

    init(ledger: VendorLedger, recorder: RequestRecorder?) {
        self.ledger = ledger
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = nil
        case .body(var chunk):
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let requestBody = body ?? ByteBuffer()
            body = nil
            handle(requestHead, body: requestBody, context: context)
        }
    }

    private func handle(_ head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if head.method == .GET && path == "/stats" {
            respond(.ok, ledger.statsJSON(), head: head, context: context)
            return
        }
        if handleTencentCloud(path: path, head: head, body: body, context: context) { return }
        if handleWeCom(path: path, head: head, body: body, context: context) { return }
        if handleAlibabaRPC(path: path, head: head, body: body, context: context) { return }
        if handleJPush(path: path, head: head, body: body, context: context) { return }
        if handleWebhook(path: path, head: head, body: body, context: context) { return }
        if handleTokenVendors(path: path, head: head, body: body, context: context) { return }
        let routes: Set<String> = [
            "/sms/send", "/flaky/send", "/error/send", "/hang/send", "/late/send", "/big/send", "/big-chunked/send",
            "/sometimes-late/send",
        ]
        guard routes.contains(path) else {
            respond(.notFound, #"{"code":"NOT_FOUND","message":"no such route"}"#, head: head, context: context)
            return
        }
        guard head.method == .POST else {
            respond(.methodNotAllowed, #"{"code":"METHOD","message":"use POST"}"#, head: head, context: context)
            return
        }
        let bytes = body.readableBytesView
        ledger.noteArrival(of: bytes)
        let object = JSONValue.parse(bytes)
        guard let ref = object?["ref"]?.text, object?["to"]?.text != nil else {
            let message = #"{"code":"BAD_REQUEST","message":"body must be a JSON object with ref and to"}"#
            respond(.badRequest, message, head: head, context: context)
            return
        }
        ledger.record(ref: ref)
        recorder?.append(ref: ref, body: bytes)

        switch path {
        case "/hang/send":
            return  // Held forever: the gateway's timeout is what is under test.
        case "/sometimes-late/send" where ledger.isEveryHundredth():
            // A vendor slow under load: one request in a hundred is accepted and answered a second late.
            let reply = #"{"code":"OK","msgid":"\#(ledger.nextMessageID())"}"#
            respondLater(.ok, reply, after: .seconds(1), head: head, context: context)
        case "/late/send":
            // Accepted, but answered only after any test timeout: the vendor has it, the gateway cannot know.
            let reply = #"{"code":"OK","msgid":"\#(ledger.nextMessageID())"}"#
            respondLater(.ok, reply, after: .seconds(3), head: head, context: context)
        case "/big/send", "/big-chunked/send":
            respondOversized(head: head, context: context, chunked: path == "/big-chunked/send")
        case "/error/send":
            let reply = #"{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"invalid number"}"#
            respond(.ok, reply, head: head, context: context)
        case "/flaky/send" where ledger.isFirstFlakyAttempt(ref: ref):
            respond(.serviceUnavailable, #"{"code":"BUSY","message":"try again"}"#, head: head, context: context)
        default:
            respond(.ok, #"{"code":"OK","msgid":"\#(ledger.nextMessageID())"}"#, head: head, context: context)
        }
    }

    /// Answers after `delay` (a vendor slow to reply), on the connection's event loop.
    func respondLater(
        _ status: HTTPResponseStatus, _ json: String, after delay: TimeAmount, head: HTTPRequestHead,
        context: ChannelHandlerContext
    ) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: delay) {
            bound.value.0.respond(status, json, head: head, context: bound.value.1)
        }
    }

    func respond(
        _ status: HTTPResponseStatus, _ json: String, head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        var buffer = context.channel.allocator.buffer(capacity: json.utf8.count)
        buffer.writeString(json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        let keepAlive = head.isKeepAlive
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if head.version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")  // HTTP/1.0 closes unless told otherwise.
        }
        let responseHead = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

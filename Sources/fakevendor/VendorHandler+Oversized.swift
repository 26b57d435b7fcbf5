import NIOCore
import NIOHTTP1

extension VendorHandler {
    /// Bytes of padding in an oversized reply: twice the gateway's 1 MiB response limit.
    static let oversizedPadding = 2 << 20

    /// Accepts the send with a 200 whose body is larger than the gateway reads: announced by `Content-Length`
    /// (libcurl stops at the headers) or chunked (the gateway finds out while reading).
    func respondOversized(head: HTTPRequestHead, context: ChannelHandlerContext, chunked: Bool) {
        let prefix = #"{"code":"OK","msgid":"\#(ledger.nextMessageID())","padding":""#
        let suffix = #""}"#
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        if !chunked {
            headers.add(
                name: "Content-Length", value: String(prefix.utf8.count + Self.oversizedPadding + suffix.utf8.count))
        }
        let responseHead = HTTPResponseHead(version: head.version, status: .ok, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: prefix.utf8.count)
        buffer.writeString(prefix)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let piece = 64 << 10
        for _ in 0..<(Self.oversizedPadding / piece) {
            var chunk = context.channel.allocator.buffer(capacity: piece)
            chunk.writeRepeatingByte(UInt8(ascii: "x"), count: piece)
            context.write(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
        }
        var tail = context.channel.allocator.buffer(capacity: suffix.utf8.count)
        tail.writeString(suffix)
        context.write(wrapOutboundOut(.body(.byteBuffer(tail))), promise: nil)
        // The client hangs up part-way through; the connection is not reused either way.
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }
}

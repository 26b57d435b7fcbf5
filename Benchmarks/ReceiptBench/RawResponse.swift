import NIOCore

/// One HTTP/1.1 response read straight off the connection's bytes: the pusher parses only the status line and
/// `Content-Length` (the gateway's listener always sends it), so at tens of thousands of requests a second the
/// pusher spends its core on the listener's work, not its own.
struct RawResponse {
    let status: Int
    let body: ByteBuffer

    /// Takes one complete response off the front of `buffer`; `nil` while it is incomplete.
    /// - Throws: when the bytes are not an HTTP/1.x response with a `Content-Length`.
    static func take(from buffer: inout ByteBuffer) throws(BenchFailure) -> RawResponse? {
        let head = buffer.withUnsafeReadableBytes { bytes -> (headLength: Int, status: Int, length: Int?)? in
            guard let end = headEnd(bytes) else { return nil }
            return (end, status(bytes), contentLength(bytes[..<end]))
        }
        guard let head else { return nil }
        guard head.status > 0 else { throw BenchFailure("the listener's answer is not an HTTP/1.x status line") }
        guard let length = head.length else {
            throw BenchFailure("the listener answered without Content-Length (not supported by the pusher)")
        }
        guard buffer.readableBytes >= head.headLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: head.headLength)
        let body = buffer.readSlice(length: length) ?? ByteBuffer()
        return RawResponse(status: head.status, body: body)
    }

    /// The offset just past the blank line ending the head, if it has arrived.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 3
        while index < bytes.count {
            if bytes[index] == 0x0A, bytes[index - 1] == 0x0D, bytes[index - 2] == 0x0A, bytes[index - 3] == 0x0D {
                return index + 1
            }
            index += 1
        }
        return nil
    }

    /// The three digits after `HTTP/1.x `, or 0.
    private static func status(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard bytes.count >= 12, bytes[0] == UInt8(ascii: "H"), bytes[8] == UInt8(ascii: " ") else { return 0 }
        var value = 0
        for index in 9..<12 {
            let digit = Int(bytes[index]) - 48
            guard (0...9).contains(digit) else { return 0 }
            value = value * 10 + digit
        }
        return value
    }

    /// The `Content-Length` header's value (the name in any case).
    private static func contentLength(_ head: UnsafeRawBufferPointer.SubSequence) -> Int? {
        let name = Array("content-length:".utf8)
        var lineStart = head.startIndex
        while lineStart < head.endIndex {
            var lineEnd = lineStart
            while lineEnd < head.endIndex, head[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - lineStart > name.count {
                var matches = true
                for offset in 0..<name.count where head[lineStart + offset] | 0x20 != name[offset] | 0x20 {
                    matches = false
                    break
                }
                if matches {
                    var value = 0
                    var digits = 0
                    for index in (lineStart + name.count)..<lineEnd {
                        let byte = head[index]
                        if byte >= 48, byte <= 57 {
                            value = value * 10 + Int(byte - 48)
                            digits += 1
                        } else if digits > 0 {
                            break
                        }
                    }
                    return digits > 0 ? value : nil
                }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }
}

import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Appends `<ref>\t<compact body>` lines to a file, buffered in memory and written at least every 200 ms.
final class RequestRecorder: Sendable {
    /// Lines are written early once this many bytes are pending, bounding memory under load.
    private static let highWater = 256 * 1024

    private let descriptor: Int32
    private let pending = Mutex<[UInt8]>([])
    /// Held across write(2); holds the buffer being written, kept for reuse.
    private let writing = Mutex<[UInt8]>([])

    /// Opens (creating or appending to) `path`.
    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RecorderError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }

    /// Buffers one line for `ref` with `body` stripped of insignificant whitespace.
    func append(ref: String, body: some Collection<UInt8>) {
        var line = Array(ref.utf8)
        line.append(UInt8(ascii: "\t"))
        Self.appendCompact(body, to: &line)
        line.append(UInt8(ascii: "\n"))
        let full = pending.withLock { pending in
            pending.append(contentsOf: line)
            return pending.count >= Self.highWater
        }
        if full { flush() }
    }

    /// Buffers one line per `(ref, json)` under a single lock; `json` must already be compact (one line).
    func append(lines: [(ref: String, json: String)]) {
        var bytes: [UInt8] = []
        for line in lines {
            bytes += line.ref.utf8
            bytes.append(UInt8(ascii: "\t"))
            bytes += line.json.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        let full = pending.withLock { pending in
            pending.append(contentsOf: bytes)
            return pending.count >= Self.highWater
        }
        if full { flush() }
    }

    /// Writes everything buffered so far.
    func flush() {
        // Writers serialize on `writing` so concurrent flushes cannot reorder lines; the buffer itself is swapped
        // out under `pending`, so appends on the event loops never wait for write(2).
        writing.withLock { spare in
            pending.withLock { swap(&$0, &spare) }
            var offset = 0
            while offset < spare.count {
                let written = spare.withUnsafeBytes { bytes in
                    write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    break  // A full disk must not take the vendor down; the lines are dropped.
                }
                offset += written
            }
            spare.removeAll(keepingCapacity: true)
        }
    }

    /// Copies JSON text without whitespace outside strings, so each record stays on one line.
    private static func appendCompact(_ body: some Collection<UInt8>, to line: inout [UInt8]) {
        var inString = false
        var escaped = false
        for byte in body {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                    continue  // Invalid inside JSON strings anyway; never let it split the record.
                }
                line.append(byte)
            } else {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
                case UInt8(ascii: "\""): inString = true
                default: break
                }
                line.append(byte)
            }
        }
    }
}

/// The record file could not be opened.
struct RecorderError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

import NIOCore

/// One frame of the control protocol: a complete line, or the news that a line was too long.
enum ControlFrame {
    case line(ByteBuffer)
    case tooLarge
}

import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Shows bulk-send progress on stderr: a redrawn bar on a terminal, otherwise one plain line every 5 seconds.
final class ProgressReporter {
    private let isTerminal = isatty(2) == 1
    private let totalLines: Int
    private let started = ContinuousClock.now
    private let timer: any DispatchSourceTimer

    /// Starts reporting; `sample` returns (lines read, answers received) and is called from a timer thread.
    init(totalLines: Int, sample: @escaping @Sendable () -> (read: Int, answered: Int)) {
        self.totalLines = totalLines
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "gatewayctl.progress"))
        let interval: DispatchTimeInterval = isTerminal ? .milliseconds(100) : .seconds(5)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        // The handler runs on the timer's queue, so it captures plain values rather than `self`.
        let isTerminal = isTerminal
        let started = started
        timer.setEventHandler {
            let (read, answered) = sample()
            Self.draw(read: read, answered: answered, totalLines: totalLines, started: started, isTerminal: isTerminal)
        }
        timer.resume()
    }

    /// Stops the timer and erases the bar so the summary starts on a clean line.
    func finish() {
        timer.cancel()
        if isTerminal {
            Self.writeStderr("\r\u{1B}[K")
        }
    }

    private static func draw(
        read: Int, answered: Int, totalLines: Int, started: ContinuousClock.Instant, isTerminal: Bool
    ) {
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(answered) / seconds) : 0
        let total = max(totalLines, 1)
        let fraction = min(Double(answered) / Double(total), 1)
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let percent = Int(fraction * 100)
            writeStderr("\r[\(bar)] \(percent)%  \(answered)/\(totalLines) answered  \(rate)/s\u{1B}[K")
        } else {
            writeStderr("progress: \(answered)/\(totalLines) answered, \(read) lines read, \(rate)/s\n")
        }
    }

    private static func writeStderr(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in _ = Glibc.write(2, raw.baseAddress!, raw.count) }
    }
}

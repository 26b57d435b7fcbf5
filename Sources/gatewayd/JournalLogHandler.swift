import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `log_format: text` when stderr is connected to journald: every line starts with its syslog priority (`<3>`
/// for error, as sd-daemon(3) describes) and carries no timestamp, since the journal stamps each entry itself.
/// journald strips the prefix and files the entry at that priority, so `journalctl -p err` finds errors.
/// Outside journald the stock `StreamLogHandler` writes the same layout with a local timestamp instead.
struct JournalLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata.merging(event.metadata ?? [:]) { $1 }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        let line = Self.line(
            level: event.level, label: label, message: "\(event.message)", metadata: merged, source: event.source)
        Self.writeStandardError(line)
    }

    /// The syslog priority of a level: sd-daemon.h's SD_CRIT (2) to SD_DEBUG (7); trace is debug.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// One entry as written: `<N>level label: key=value [source] message`, newline-terminated. A message of several
    /// lines gets the prefix on each, because journald reads every line as its own entry.
    static func line(
        level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, source: String
    ) -> String {
        let prefix = "<\(priority(level))>"
        let fields = metadata.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let text = "\(level)\(label.isEmpty ? "" : " ")\(label):\(fields) [\(source)] \(message)"
        return prefix + text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + prefix)
            + "\n"
    }

    /// Whether stderr is the journal's stream: `$JOURNAL_STREAM` names its device and inode (`DEV:INODE`,
    /// systemd.exec(5)), and must match stderr itself, not just be inherited by a process whose stderr moved.
    static func standardErrorIsJournal(environment: [String: String]) -> Bool {
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return matches(
            journalStream: environment["JOURNAL_STREAM"], device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Whether a `$JOURNAL_STREAM` value names this device and inode.
    static func matches(journalStream: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let parts = journalStream?.split(separator: ":"), parts.count == 2,
            let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1])
        else { return false }
        return streamDevice == device && streamInode == inode
    }

    /// Writes the whole line with as few write(2) calls as it takes; a failing journal is not worth a crash.
    static func writeStandardError(_ line: String) {
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}

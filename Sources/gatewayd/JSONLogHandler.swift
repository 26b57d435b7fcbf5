import ChannelKit
import Foundation
import GatewayCore
import Logging

/// `log_format: json`: one JSON object per line on stderr, for log shippers. Under journald each line starts with
/// its syslog priority (``JournalLogHandler/priority(_:)``), which journald strips, so the stored entry is the
/// bare object filed at the right priority.
struct JSONLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String
    /// Whether stderr is the journal's stream.
    var journal = false

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [
            "time": .string(Timestamp.format(SystemWallClock().nowMilliseconds)),
            "level": .string(event.level.rawValue),
            "label": .string(label),
            "message": .string(event.message.description),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged where fields[key] == nil {
            fields[key] = .string(value.description)
        }
        let prefix = journal ? "<\(JournalLogHandler.priority(event.level))>" : ""
        JournalLogHandler.writeStandardError(prefix + JSONValue.object(fields).serialized + "\n")
    }
}

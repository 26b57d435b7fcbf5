import ControlProtocol
import ChannelKit
import Foundation

/// The `subscribe` operation: every committed state change as a JSON line, optionally filtered, optionally
/// starting with the current state of messages changed since a time (to resume after a lag or a reconnect).
extension ControlService {
    func subscribe(
        _ request: [String: JSONValue], id: JSONValue?, stream: StreamSink?,
        respond: @escaping @Sendable (String) -> Void
    ) {
        guard let stream, stream.isOpen else {
            respond(ControlService.errorLine(id: id, .badRequest("this connection cannot stream", field: "op")))
            return
        }
        var filter = ChangeFeed.Filter()
        var since: Int64?
        do throws(ControlError) {
            for key in request.keys where !["op", "id", "channels", "categories", "states", "since"].contains(key) {
                throw .badRequest("unknown field '\(key)'", field: key)
            }
            filter.channels = try Self.names(request["channels"], field: "channels")
            filter.categories = try Self.names(request["categories"], field: "categories")
            filter.states = try Self.names(request["states"], field: "states")
            // A misspelt state would match nothing and the stream would stay silent for ever.
            if let unknown = filter.states?.first(where: { MessageState(rawValue: $0) == nil }) {
                throw .badRequest(
                    "unknown state '\(unknown)'; expected one of: " + MessageState.names.joined(separator: ", "),
                    field: "states")
            }
            since = try PastTime.read(request["since"], field: "since", now: wallClock.nowMilliseconds)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        let chosen = filter
        let feed = store.feed
        let subscription = feed.subscribe(chosen) { lines, lastAt in stream.deliver(lines, lastAt: lastAt) }
        stream.attach(feed: feed, id: subscription)
        var line = "{\"ok\":true"
        ControlService.appendID(id, to: &line)
        line += ",\"subscribed\":true}"
        respond(line)
        guard let since else { return }
        // The current state of each message changed since then, read on a connection of its own; live changes
        // may interleave, and every line carries its time.
        let store = store
        Thread.detachNewThread {
            guard let changes = try? store.changes(since: since) else { return }
            let admitted = changes.filter(chosen.admits)
            var start = 0
            while start < admitted.count, stream.isOpen {
                let chunk = admitted[start..<min(start + 1000, admitted.count)]
                _ = stream.deliver(chunk.map(\.line), lastAt: chunk.last?.at ?? since)
                start += 1000
            }
        }
    }

    /// A filter list: a string or an array of strings; `nil` when absent.
    private static func names(_ value: JSONValue?, field: String) throws(ControlError) -> Set<String>? {
        switch value {
        case nil, .null?: return nil
        case .string(let name)?: return [name]
        case .array(let items)?:
            var names: Set<String> = []
            for item in items {
                guard case .string(let name) = item else {
                    throw .badRequest("'\(field)' must be a string or a list of strings", field: field)
                }
                names.insert(name)
            }
            return names
        default: throw .badRequest("'\(field)' must be a string or a list of strings", field: field)
        }
    }
}

import Dispatch
import Foundation
import GatewayClient
import GatewayJSON

/// Batch requests (`customer_batch`, `enrol_batch`) pipelined on one connection with at most `window`
/// outstanding, as `gatewayctl customers import` sends them; counts the items' `state`s in the answers.
struct PipelinedBatches {
    /// Item states over all answers (`created`, `enrolled`, `duplicate`, …; `error` for an answer without results).
    typealias Tally = [String: Int]

    let socket: String
    let window: Int

    /// Sends `count` requests built by `line(index)` and returns the tally once every answer has arrived.
    func run(count: Int, line: @escaping @Sendable (Int) -> String) throws -> Tally {
        let connection = try SocketConnection(path: socket)
        let credits = DispatchSemaphore(value: 0)
        for _ in 0..<window { credits.signal() }
        let tally = Locked<Tally>([:])
        let reader = Thread {
            for _ in 0..<count {
                guard let bytes = try? connection.readLine() else {
                    tally.withLock { $0["connection_lost", default: 0] += 1 }
                    break
                }
                let states = Self.states(bytes)
                tally.withLock { tally in
                    for (state, n) in states { tally[state, default: 0] += n }
                }
                credits.signal()
            }
            credits.signal()  // Wakes a writer waiting on a lost connection.
        }
        let done = DispatchSemaphore(value: 0)
        reader.start()
        let writer = Thread {
            for index in 0..<count {
                credits.wait()
                if (try? connection.send(line: line(index))) == nil { break }
            }
            done.signal()
        }
        writer.start()
        done.wait()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        return tally.withLock { $0 }
    }

    /// Counts `results[].state` of one answer line without building a tree for each of its 1,000 items.
    static func states(_ bytes: [UInt8]) -> [String: Int] {
        guard let answer = try? JSONParser.parse(String(decoding: bytes, as: UTF8.self)),
            case .array(let results)? = answer["results"]
        else { return ["error": 1] }
        var counts: [String: Int] = [:]
        for result in results {
            counts[result["state"]?.stringValue ?? (result["error"] != nil ? "error" : "?"), default: 0] += 1
        }
        return counts
    }
}

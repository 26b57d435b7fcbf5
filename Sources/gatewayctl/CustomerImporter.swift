import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `customers import`: streams a JSON-lines file of `customer` objects as `customer_batch` requests over one
/// connection, `batchSize` customers each and up to `window` batches outstanding (a ``JSONLinesBatchRunner``).
///
/// Each batch carries its number as `id` and the tally keeps the file line of each of its customers, so every
/// refusal is reported by line; a line that is no JSON object is reported and skipped, never sent.
struct CustomerImporter {
    let path: String
    let options: GlobalOptions
    let batchSize: Int
    let window: Int

    /// Imports the file and prints the summary; returns whether every line was stored.
    func run() throws(ExitCode) -> Bool {
        let runner = JSONLinesBatchRunner<CustomerImportTally>(path: path, options: options, window: window)
        return try runner.run { session in
            session.sendBatches(size: batchSize) { members, _, batch in
                // Each object goes on without an `op` or `id` of its own: the batch's are the request's.
                JSONValue.object(members.filter { $0.key != "op" && $0.key != "id" }).write(to: &batch)
            } request: { batch, id in
                "{\"op\":\"\(ControlOperation.customerBatch.rawValue)\",\"id\":\(id),\"customers\":[" + batch + "]}"
            }
        }
    }
}

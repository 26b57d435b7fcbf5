import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `strategy enrol NAME --file F`: streams a JSON-lines file of `{"customer":…, "enrol_key"?:…, "start_at"?:…}`
/// objects as `enrol_batch` requests over one connection, `batchSize` customers each and up to `window` batches
/// outstanding (a ``JSONLinesBatchRunner``; the daemon answers in order, after each batch's commit).
///
/// Each batch carries its number as `id` and the tally keeps the file line of each of its customers, so every
/// error is reported by line; a line that is no JSON object is reported and skipped, never sent.
struct BulkEnroller {
    let strategy: String
    let path: String
    let startAt: TimeInput?
    let options: GlobalOptions
    let batchSize: Int
    let window: Int

    /// Enrols the file and prints the summary; returns whether every line got an enrolment outcome.
    func run() throws(ExitCode) -> Bool {
        var opening = "{\"op\":\"enrol_batch\",\"strategy\":"
        JSONValue.appendQuoted(strategy, to: &opening)
        if let startAt { opening += ",\"start_at\":" + startAt.json.serialized }
        let runner = JSONLinesBatchRunner<EnrolTally>(path: path, options: options, window: window)
        return try runner.run { session in
            session.sendBatches(size: batchSize) { _, bytes, batch in
                // Lines go on as written (once parsed to know each is an object): re-serializing 1,000 objects
                // per batch would cost the CLI more than the daemon spends enrolling them.
                batch += String(decoding: bytes, as: UTF8.self)
            } request: { batch, id in
                opening + ",\"id\":\(id),\"customers\":[" + batch + "]}"
            }
        }
    }
}

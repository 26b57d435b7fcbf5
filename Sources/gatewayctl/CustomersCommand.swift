import ArgumentParser
import ControlProtocol

/// `gatewayctl customers import FILE.jsonl`: the customer directory from a JSON-lines file.
struct CustomersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customers",
        abstract: "Load customers into the directory.",
        subcommands: [CustomersImportCommand.self]
    )
}

/// `gatewayctl customers import FILE.jsonl`: one `customer` object per line, sent as `customer_batch` requests.
struct CustomersImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create or update customers from a JSON-lines file of customer objects (see docs/protocol.md).",
        discussion: """
            Each line is an object such as {"customer":"C-1","addresses":{"sms":"13800138000"},\
            "attributes":{"name":"Wang"},"zone":"Asia/Shanghai","tags_add":["vip"]}. Lines are sent in batches; \
            a refused or unreadable line is reported on stderr by its line number and skipped, the rest are \
            stored. The summary counts every line by outcome; the exit status is 1 if any line was refused.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The JSON-lines file.")
    var file: String

    @Option(help: "Customers per customer_batch request (1-10000).")
    var batch: Int = 1000

    @Option(help: "How many batches may be outstanding at once.")
    var window: Int = 4

    mutating func validate() throws {
        guard (1...CustomerBatchRequest.limit).contains(batch) else {
            throw ValidationError("--batch must be from 1 to \(CustomerBatchRequest.limit).")
        }
        guard window > 0 else { throw ValidationError("--window must be at least 1.") }
    }

    func run() throws {
        let importer = CustomerImporter(path: file, options: global, batchSize: batch, window: window)
        throw try importer.run() ? ExitCode.success : ExitCode.failure
    }
}

import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl strategy …`: enrol customers into strategies, end runs, show runs and strategies.
struct StrategyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategy",
        abstract: "Enrol customers into outreach strategies, exit runs, list runs and strategies.",
        subcommands: [
            StrategyEnrolCommand.self, StrategyExitCommand.self, StrategyRunsCommand.self,
            StrategyListCommand.self,
        ]
    )
}

/// `gatewayctl strategy enrol NAME --file customers.jsonl [--start-at T]` (or `--customer ID` for one).
struct StrategyEnrolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enrol",
        abstract: "Enrol customers into a strategy from a JSON-lines file (or one with --customer).",
        discussion: """
            Each line is an object {"customer":"C-1"}, optionally with "enrol_key" (a repeat within 30 days \
            answers the first run: re-running a file enrols nobody twice) and "start_at" (RFC 3339 or epoch ms). \
            Lines are sent as enrol_batch requests; a line in error is reported on stderr by its number and \
            skipped. The summary counts enrolled (and of them holdout), duplicate, refused by reason (active, \
            once, reenter_after, retired, unknown_customer) and rejected lines by code; the exit status is 1 if \
            any line was rejected or the strategy is unknown.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The strategy's name.")
    var strategy: String

    @Option(help: "The JSON-lines file of customers.")
    var file: String?

    @Option(help: "One customer id (instead of --file).")
    var customer: String?

    @Option(name: .customLong("enrol-key"), help: "With --customer: the idempotency key.")
    var enrolKey: String?

    @Option(
        name: .customLong("start-at"),
        help: "When the first step fires, for lines without their own start_at: RFC 3339 or epoch ms (default now)."
    )
    var startAt: String?

    @Option(help: "Customers per enrol_batch request (1-10000).")
    var batch: Int = 1000

    @Option(help: "How many batches may be outstanding at once.")
    var window: Int = 4

    mutating func validate() throws {
        guard (file == nil) != (customer == nil) else {
            throw ValidationError("give exactly one of --file and --customer.")
        }
        guard enrolKey == nil || customer != nil else { throw ValidationError("--enrol-key goes with --customer.") }
        guard (1...EnrolBatchRequest.maxItems).contains(batch) else {
            throw ValidationError("--batch must be from 1 to \(EnrolBatchRequest.maxItems).")
        }
        guard window > 0 else { throw ValidationError("--window must be at least 1.") }
    }

    func run() throws {
        let start = startAt.map(TimeInput.init)
        guard let customer else {
            let enroller = BulkEnroller(
                strategy: strategy, path: file ?? "", startAt: start, options: global, batchSize: batch,
                window: window)
            throw try enroller.run() ? ExitCode.success : ExitCode.failure
        }
        let request = EnrolRequest(strategy: strategy, customer: customer, enrolKey: enrolKey, startAt: start)
        let response = try ControlClient(options: global).call(.enrol(request))
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = EnrolAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.describe(answer))
        if answer.state == .refused { throw ExitCode.failure }
    }

    /// One line: `enrolled run 12 (version 2, holdout)`, `duplicate of run 12`, `refused: active`.
    static func describe(_ answer: EnrolAnswer) -> String {
        let run = answer.runID.map(String.init) ?? "-"
        switch answer.state {
        case .enrolled:
            var notes: [String] = []
            if let version = answer.version { notes.append("version \(version)") }
            if answer.holdout == true { notes.append("holdout: followed, never sent to") }
            return "enrolled run \(run)" + (notes.isEmpty ? "" : " (" + notes.joined(separator: ", ") + ")")
        case .duplicate: return "duplicate of run \(run)"
        case .refused: return "refused: \(answer.reason ?? "unknown")"
        }
    }
}

/// `gatewayctl strategy exit NAME --customer ID | --run ID`.
struct StrategyExitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit",
        abstract: "End a run now, also mid-wait: the customer's run of a strategy, or a run by id."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The strategy's name (with --customer).")
    var strategy: String?

    @Option(help: "The customer whose active run of the strategy ends.")
    var customer: String?

    @Option(name: .customLong("run"), help: "The run id.")
    var runID: Int64?

    mutating func validate() throws {
        switch (runID, customer, strategy) {
        case (_?, nil, _): break
        case (nil, _?, _?): break
        case (nil, _?, nil): throw ValidationError("--customer needs the strategy's name.")
        default: throw ValidationError("give --customer with the strategy's name, or --run.")
        }
    }

    func run() throws {
        let target: ExitRequest.Target =
            if let runID { .run(runID) } else { .customer(customer ?? "", strategy: strategy ?? "") }
        let response = try ControlClient(options: global).call(.exit(ExitRequest(target)))
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = ExitAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print("run \(answer.runID) exited")
    }
}

/// `gatewayctl strategy runs --customer ID`: the customer's runs with timer and history.
struct StrategyRunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "Show a customer's runs, newest first, with their next timer and history."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The customer id.")
    var customer: String

    @Option(help: "At most this many runs (1-\(RunsRequest.maxLimit)).")
    var limit: Int = RunsRequest.defaultLimit

    mutating func validate() throws {
        guard (1...RunsRequest.maxLimit).contains(limit) else {
            throw ValidationError("--limit must be from 1 to \(RunsRequest.maxLimit).")
        }
    }

    func run() throws {
        let response = try ControlClient(options: global).call(.runs(RunsRequest(customer: customer, limit: limit)))
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = RunsAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.render(answer), terminator: "")
    }

    /// One block per run: a header line, then its history as a table.
    static func render(_ answer: RunsAnswer) -> String {
        guard !answer.runs.isEmpty else { return "no runs\n" }
        var text = ""
        for (index, run) in answer.runs.enumerated() {
            if index > 0 { text += "\n" }
            var header = "run \(run.runID)  \(run.strategy) v\(run.version)  \(run.state) at \(run.step)"
            if let outcome = run.outcome { header += " (\(outcome))" }
            if run.holdout { header += "  holdout" }
            header += "  started \(run.startedAt)"
            if let timer = run.nextTimer { header += "  next \(timer.kind) \(timer.at)" }
            text += header + "\n"
            guard !run.history.isEmpty else { continue }
            var table = TextTable(["VISIT", "AT", "STEP", "KIND", "OUTCOME", "CHANNEL TYPE", "MESSAGE"])
            for step in run.history {
                table.append([
                    String(step.visit), step.at, step.step, step.kind, step.outcome, step.channelType ?? "-",
                    step.messageID ?? "-",
                ])
            }
            text += table.render()
        }
        return text
    }
}

/// `gatewayctl strategy list`: every strategy ever loaded, with its versions and runs.
struct StrategyListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List strategies with their versions, fingerprints and active/finished runs."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let response = try ControlClient(options: global).call(.strategies)
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = StrategiesAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.render(answer), terminator: "")
    }

    static func render(_ answer: StrategiesAnswer) -> String {
        guard !answer.strategies.isEmpty else { return "no strategies loaded\n" }
        var table = TextTable(["STRATEGY", "VERSION", "LOADED", "FINGERPRINT", "ACTIVE", "FINISHED", "STATUS"])
        for strategy in answer.strategies {
            for version in strategy.versions {
                let status =
                    strategy.retired ? "retired" : version.version == strategy.latest ? "latest" : "older"
                table.append([
                    strategy.name, String(version.version), version.loadedAt, String(version.fingerprint.prefix(12)),
                    String(version.active), String(version.finished), status,
                ])
            }
            if strategy.versions.isEmpty {
                table.append([
                    strategy.name, String(strategy.latest), "-", "-", "0", "0", strategy.retired ? "retired" : "latest",
                ])
            }
        }
        return table.render()
    }
}

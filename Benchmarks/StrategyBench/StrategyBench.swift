import ArgumentParser

/// The client side of `./bench-strategies`: loads customers and enrolments over the control socket while a paced
/// send load measures ACK latency, and waits for a restarted daemon to be ready. The shell script owns the
/// processes, the vendor, RSS and the timer lateness read from `/metrics`.
@main
struct StrategyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategybench",
        abstract: "Enrolment load with a concurrent send load, and readiness timing, for ./bench-strategies.",
        subcommands: [LoadCommand.self, ReadyCommand.self])
}

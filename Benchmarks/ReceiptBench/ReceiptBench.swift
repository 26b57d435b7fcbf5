import ArgumentParser

/// Placeholder until the receipt pusher lands.
@main
struct ReceiptBench: ParsableCommand {
    mutating func run() throws {}
}

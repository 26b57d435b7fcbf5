import ArgumentParser

/// `receiptbench`: pushes vendor delivery receipts at a callback listener and measures receipts/s, and helps
/// `./bench-receipts` wait for the sends and check that every message ended `delivered`.
@main
struct ReceiptBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiptbench",
        abstract: "Push SMS delivery receipts at a gateway's callback listener and measure receipts/s.",
        subcommands: [PushCommand.self, WaitSentCommand.self, VerifyCommand.self],
        defaultSubcommand: PushCommand.self
    )
}

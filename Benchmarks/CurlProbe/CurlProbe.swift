import ArgumentParser

/// Placeholder until the probe lands.
@main
struct CurlProbe: ParsableCommand {
    mutating func run() throws {}
}

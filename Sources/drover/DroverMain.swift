import DroverCLI

/// Thin entry point: all commands live in DroverCLI.
@main
extension Drover {}

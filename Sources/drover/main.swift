import DroverCLI

// Pick the async entry point explicitly: subcommands run async services.
let main: () async -> Void = Drover.main
await main()

import ArgumentParser
import DroverServing
import DroverStore
import Foundation

/// `drover rollout`: try a challenger on live traffic (A/B or shadow), read the sequential test.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Try a challenger version on live traffic: A/B split or shadow, decided by a sequential test.",
        discussion: """
        Examples:
          drover rollout churn --challenger 8 --split 10     # 10 % of traffic, sticky by request key
          drover rollout churn --shadow 8                    # scores every request, answers none
          drover rollout status churn                        # per-arm metrics, test verdict, SRM
          drover rollout stop churn
        """,
        subcommands: [RolloutStart.self, RolloutStatus.self, RolloutStop.self],
        defaultSubcommand: RolloutStart.self)
}

struct RolloutStart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start an A/B or shadow rollout (ends the model's running one).",
        discussion: """
        Every `drover serve` of the model picks it up within its poll interval. Clients send
        outcomes later to POST /v1/models/NAME/outcomes with the request_id each prediction
        answered; an mSPRT sequential test (always-valid at --alpha under continuous peeking)
        compares the arms' accuracy (classifiers) or absolute error (regression). A significantly
        worse challenger, or one failing more than --max-error-rate of its requests, is rolled
        back automatically; a better one is promoted with --auto-promote (recorded as a verdict).
        Exit 0 started, 2 bad input (unknown model or version, bad split).

        Examples:
          drover rollout churn --challenger 8 --split 10 --auto-promote
          drover rollout churn --shadow 8 --json
        """)

    @Argument(help: "The model name.")
    var name: String
    @Option(name: .long, help: "A/B: the challenger version.")
    var challenger: Int?
    @Option(name: .long, help: "A/B: percent of traffic to the challenger (0 < P < 100).")
    var split: Double = 10
    @Option(name: .long, help: "Shadow: the version that scores every request and answers none.")
    var shadow: Int?
    @Option(name: .long, help: "The sequential test's false-positive rate.")
    var alpha: Double = 0.05
    @Option(name: .long, help: "Roll back when the challenger fails more than this share of its requests.")
    var maxErrorRate: Double = 0.05
    @Flag(name: .long, help: "Promote the challenger to @champion when the test finds it better.")
    var autoPromote = false
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if (challenger == nil) == (shadow == nil) { throw ValidationError("give exactly one of --challenger V (A/B) or --shadow V") }
        if let v = challenger ?? shadow, v <= 0 { throw ValidationError("the version must be a positive integer, got \(v)") }
        if !(split > 0 && split < 100) { throw ValidationError("--split must be a percent strictly between 0 and 100, got \(split)") }
        if !(alpha > 0 && alpha < 0.5) { throw ValidationError("--alpha must be in (0, 0.5), got \(alpha)") }
        if !(maxErrorRate >= 0 && maxErrorRate <= 1) { throw ValidationError("--max-error-rate must be in [0, 1]") }
    }

    func run() async throws {
        try await Output.run {
            let (_, registry) = try store.open()
            let version = challenger ?? shadow!
            let champion: ModelVersion
            let candidate: ModelVersion
            do {
                guard let c = try await registry.champion(model: name) else {
                    _ = try await registry.model(name)
                    throw CLIError.input("\(name) has no champion yet; a rollout compares a challenger with the champion",
                                         hint: "promote a first version: drover models promote \(name) VERSION --reason \"first model\"")
                }
                champion = c
                candidate = try await registry.version(model: name, version)
            } catch let e as CLIError { throw e } catch { throw cliError(error) }
            guard candidate.version != champion.version else {
                throw CLIError.input("version \(version) already is \(name)@champion; pick another version to try")
            }
            let rollouts = try store.rollouts()
            let metric = try await Self.metric(registry: registry, store: store.path, version: candidate)
            let started = try await rollouts.start(Rollout(
                id: 0, model: name, mode: shadow != nil ? .shadow : .ab, championVersion: champion.version, challengerVersion: version,
                splitPercent: shadow != nil ? 100 : split, alpha: alpha, metric: metric, autoPromote: autoPromote,
                maxErrorRate: maxErrorRate, status: .running, reason: nil, verdictID: nil,
                startedAt: Date().timeIntervalSince1970, endedAt: nil))
            if output.json { return try Output.json(started) }
            Output.line(started.mode == .shadow
                ? "rollout \(started.id): \(name) version \(version) shadows champion version \(champion.version) (scores every request, answers none)"
                : "rollout \(started.id): \(String(format: "%g", split)) % of \(name) traffic to version \(version), the rest to champion version \(champion.version) (sticky by request key)")
            Output.line("test: mSPRT on \(metric), α = \(alpha)\(autoPromote ? ", promotes when better" : ""); rolls back when worse or above \(maxErrorRate * 100) % errors")
        }
    }

    /// Accuracy for classifiers, absolute error for regression (read from the model file).
    static func metric(registry: ModelRegistry, store: String, version: ModelVersion) async throws -> String {
        let catalog = ModelCatalog(registry: registry, dataDirectory: store)
        do {
            let served = try await catalog.load(model: version.model, version: version.version)
            return served.model.label.task.isClassification ? "accuracy" : "abs_error"
        } catch {
            throw CLIError("cannot read \(version.model) version \(version.version)'s model file: \(error)")
        }
    }
}

struct RolloutStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Per-arm requests, errors, latency and outcome metric; the test's verdict; the SRM check.",
        discussion: """
        Reads the latest rollout of NAME (running or ended). Exit 0 running or decided for the
        challenger, 3 the challenger was rolled back, 2 no rollout.
        Examples:
          drover rollout status churn
          drover rollout status churn --json
        """)

    @Argument(help: "The model name.")
    var name: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    struct Shown: Encodable {
        var rollout: Rollout
        var judgement: RolloutJudge.Judgement
    }

    func run() async throws {
        try await Output.run {
            _ = try store.open()
            let rollouts = try store.rollouts()
            guard let r = try await rollouts.latest(model: name) else {
                throw CLIError.input("\(name) has no rollout", hint: "start one: drover rollout \(name) --challenger VERSION --split 10")
            }
            var judge = RolloutJudge(r)
            let j = judge.judge(try await rollouts.summaries(r))
            if output.json { try Output.json(Shown(rollout: r, judgement: j)) } else { print(r, j) }
            if r.status == .rolledBack { throw DroverExit.negativeVerdict }
        }
    }

    func print(_ r: Rollout, _ j: RolloutJudge.Judgement) {
        Output.line("rollout \(r.id) of \(r.model): \(r.mode == .ab ? "A/B \(String(format: "%g", r.splitPercent)) %" : "shadow"), "
                    + "champion \(r.championVersion) vs challenger \(r.challengerVersion) — \(r.status.rawValue)")
        if let reason = r.reason { Output.line("decided: \(reason)") }
        Output.line(columns(["arm", "version", "requests", "errors", "latency_ms", "mean_score", "outcomes", r.metric], j.arms.map { a in
            [a.arm, String(a.version), String(a.requests), String(a.errors), String(format: "%.3f", a.meanLatencyMicros / 1_000),
             String(format: "%.4f", a.meanScore), String(a.outcomes), a.outcomes > 0 ? String(format: "%.4f", a.metricMean) : "-"]
        }))
        Output.line(String(format: "test: mSPRT α = %g, always-valid p = %.4g, difference %.4g, %@", r.alpha, j.pValue, j.difference,
                           j.decision.rawValue))
        if j.srm.checked {
            Output.line(String(format: "SRM: challenger share %.4f vs %.4f configured, χ² = %.3g, p = %.3g%@", j.srm.observedShare,
                               j.srm.expectedShare, j.srm.chiSquare, j.srm.pValue, j.srm.mismatch ? " — MISMATCH" : " (ok)"))
        }
        if r.status == .running { Output.line("now: \(j.note)") }
    }
}

struct RolloutStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop",
        abstract: "End the running rollout: all traffic back to the champion.",
        discussion: """
        Example:
          drover rollout stop churn
        """)

    @Argument(help: "The model name.")
    var name: String
    @OptionGroup var store: MetadataOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await Output.run {
            _ = try store.open()
            let rollouts = try store.rollouts()
            guard let r = try await rollouts.running(model: name) else {
                throw CLIError.input("\(name) has no running rollout")
            }
            _ = try await rollouts.end(id: r.id, status: .stopped, reason: "stopped by \(Actor.current)", verdictID: nil,
                                       at: Date().timeIntervalSince1970)
            if output.json { return try Output.json(["stopped": r.id]) }
            Output.line("rollout \(r.id) of \(name) stopped; all traffic goes to the champion")
        }
    }
}

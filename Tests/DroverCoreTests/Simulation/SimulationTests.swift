@testable import DroverCore
import DroverProtocol
import Testing

@Suite("Randomized simulation: lossy network, worker and coordinator crashes")
struct SimulationTests {
    /// 200 seeds in 8 groups, so the groups run in parallel.
    static let groups = 8
    static let seedsPerGroup = 25

    @Test("every accepted job ends, each commits at most once, credit is never exceeded", arguments: 0..<groups)
    func seeds(group: Int) {
        var total = Simulation.Stats()
        for s in 0..<Self.seedsPerGroup {
            let seed = UInt64(group * Self.seedsPerGroup + s)
            var params = Simulation.Params(seed: seed)
            if seed % 4 == 3 { params.maxQueued = 25 } // exercise BUSY and client back-off
            var sim = Simulation(params)
            sim.run()
            #expect(sim.violations.isEmpty, "seed \(seed): \(sim.violations.prefix(5).joined(separator: " | "))")
            total.crashes += sim.stats.crashes
            total.workerCrashes += sim.stats.workerCrashes
            total.pauses += sim.stats.pauses
            total.breaks += sim.stats.breaks
            total.discarded += sim.stats.discarded
            total.accepted += sim.stats.accepted
            total.dropped += sim.stats.dropped
            total.duplicated += sim.stats.duplicated
            total.busy += sim.stats.busy
            total.held += sim.stats.held
            total.leaves += sim.stats.leaves
            total.executions += sim.stats.executions
            total.steps += sim.stats.steps
            total.clockJumps += sim.stats.clockJumps
            total.compactions += sim.stats.compactions
        }
        // The faults really happened (otherwise the run proves little).
        #expect(total.crashes > 0)
        #expect(total.workerCrashes > 0)
        #expect(total.pauses > 0)
        #expect(total.breaks > 0)
        #expect(total.discarded > 0)
        #expect(total.leaves > 0)
        #expect(total.clockJumps > 0)
        #expect(total.compactions > 0)
        #expect(total.dropped > 0)
        #expect(total.duplicated > 0)
        #expect(total.accepted > Self.seedsPerGroup * 100)
        print("simulation group \(group): \(total)")
    }

    @Test("poison pills are held, released by the operator, and still end")
    func poisonPills() {
        var held = 0
        for seed in UInt64(1_000)..<1_030 {
            var params = Simulation.Params(seed: seed)
            params.pillRate = 0.3
            params.jobs = 60
            // Long enough for a pill to take three workers down: a crashed worker's slots stay
            // empty until it is back and welcomed, and prefetched pills wait without running.
            params.chaosUntilMs = 15_000
            var sim = Simulation(params)
            sim.run()
            #expect(sim.violations.isEmpty, "seed \(seed): \(sim.violations.prefix(5).joined(separator: " | "))")
            held += sim.stats.held
        }
        #expect(held > 0)
    }

    @Test("the same seed replays the same run")
    func deterministic() {
        var a = Simulation(Simulation.Params(seed: 12345))
        var b = Simulation(Simulation.Params(seed: 12345))
        a.run()
        b.run()
        #expect(a.journal.batches == b.journal.batches)
        #expect(a.stats.steps == b.stats.steps)
    }
}

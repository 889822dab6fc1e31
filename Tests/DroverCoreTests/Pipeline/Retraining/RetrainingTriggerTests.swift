@testable import DroverCore
import Testing

@Suite("Retraining trigger: the pure decision")
struct RetrainingTriggerTests {
    let now = utc("2026-12-01T10:00:00Z")

    func arrival(_ span: Int, drift: Double?) -> RetrainingTrigger.Event {
        .span(.init(dataset: "churn", span: span, drift: drift.map { .init(value: $0, column: "spend", measure: "mean_shift_sd", window: "spans 1–2") }))
    }

    @Test("on: span fires on every span and remembers the window's end")
    func everySpan() {
        let (d, s) = RetrainingTrigger.decide(TriggerPolicy(onSpan: true), event: arrival(3, drift: 0), state: .init(), nowMs: now)
        #expect(d.rule == .span && d.reason.contains("every new span"))
        #expect(s.lastRunAtMs == now && s.trainedThroughSpan == 3 && s.latestSpan == 3)
    }

    @Test("drift above the threshold fires; at or below it does not, and says both numbers")
    func drift() {
        let policy = TriggerPolicy(onSpan: true, driftAbove: 0.2)
        let (above, s1) = RetrainingTrigger.decide(policy, event: arrival(3, drift: 0.45), state: .init(), nowMs: now)
        #expect(above.rule == .drift && above.reason.contains("0.45") && above.reason.contains("above drift_above 0.2") && above.reason.contains("(spans 1–2)"))
        #expect(s1.trainedThroughSpan == 3)
        let (below, s2) = RetrainingTrigger.decide(policy, event: arrival(4, drift: 0.2), state: s1, nowMs: now + 1)
        #expect(!below.fire && below.reason.contains("not above drift_above 0.2"))
        #expect(s2.trainedThroughSpan == 3 && s2.latestSpan == 4 && s2.lastRunAtMs == now)
    }

    @Test("a span with nothing to compare against fires (the first model)")
    func firstSpan() {
        let (d, _) = RetrainingTrigger.decide(TriggerPolicy(onSpan: true, driftAbove: 0.2), event: arrival(1, drift: nil), state: .init(), nowMs: now)
        #expect(d.rule == .drift && d.reason.contains("first model"))
    }

    @Test("on: schedule leaves spans to the schedule")
    func spansWait() throws {
        let policy = TriggerPolicy(onSpan: false, schedule: try CronSchedule.parse("0 3 * * *"))
        let (d, s) = RetrainingTrigger.decide(policy, event: arrival(2, drift: 9), state: .init(), nowMs: now)
        #expect(!d.fire && d.reason.contains("the schedule '0 3 * * *' will"))
        #expect(s.latestSpan == 2 && s.trainedThroughSpan == nil)
    }

    @Test("the schedule fires once when due with new spans, holds without them, and never twice for one instant")
    func schedule() throws {
        let policy = TriggerPolicy(onSpan: false, schedule: try CronSchedule.parse("0 3 * * *"))
        let checked = RetrainingTrigger.State(trainedThroughSpan: 1, latestSpan: 2, scheduleCheckedAtMs: utc("2026-12-01T02:00:00Z"))
        let (early, s0) = RetrainingTrigger.decide(policy, event: .tick, state: checked, nowMs: utc("2026-12-01T02:59:00Z"))
        #expect(!early.fire && early.reason.contains("not due"))
        let (due, s1) = RetrainingTrigger.decide(policy, event: .tick, state: s0, nowMs: utc("2026-12-01T03:00:30Z"))
        #expect(due.rule == .schedule && due.reason.contains("2026-12-01T03:00Z") && due.reason.contains("1 new span"))
        #expect(s1.trainedThroughSpan == 2)
        let (again, _) = RetrainingTrigger.decide(policy, event: .tick, state: s1, nowMs: utc("2026-12-01T03:01:00Z"))
        #expect(!again.fire)
        // The next day: due, but no span arrived since.
        let (stale, _) = RetrainingTrigger.decide(policy, event: .tick, state: s1, nowMs: utc("2026-12-02T03:00:00Z"))
        #expect(!stale.fire && stale.reason.contains("no span arrived since the last run"))
    }

    @Test("instants missed while the coordinator was down fire once")
    func catchUpOnce() throws {
        let policy = TriggerPolicy(onSpan: false, schedule: try CronSchedule.parse("0 * * * *"))
        let state = RetrainingTrigger.State(trainedThroughSpan: 1, latestSpan: 3, scheduleCheckedAtMs: utc("2026-12-01T00:30:00Z"))
        let (d, s) = RetrainingTrigger.decide(policy, event: .tick, state: state, nowMs: utc("2026-12-01T09:10:00Z"))
        #expect(d.rule == .schedule)
        let (after, _) = RetrainingTrigger.decide(policy, event: .tick, state: s, nowMs: utc("2026-12-01T09:11:00Z"))
        #expect(!after.fire)
    }

    @Test("a first tick only starts the clock")
    func firstTick() throws {
        let policy = TriggerPolicy(onSpan: true, schedule: try CronSchedule.parse("* * * * *"))
        let (d, s) = RetrainingTrigger.decide(policy, event: .tick, state: .init(latestSpan: 1), nowMs: now)
        #expect(!d.fire && s.scheduleCheckedAtMs == now)
    }
}

@Suite("Model run queue: one triggered promotion per model at a time")
struct ModelRunQueueTests {
    @Test("the first run starts, the second waits, a third is coalesced into the waiting one")
    func admitQueueCoalesce() {
        var q = ModelRunQueue()
        #expect(q.admit("r1", model: "churn") == .start)
        #expect(q.admit("r2", model: "churn") == .queued(behind: "r1"))
        #expect(q.admit("r3", model: "churn") == .coalesced(into: "r2", behind: "r1"))
        #expect(q.admit("d1", model: "diamonds") == .start)
        #expect(q.finished("r1", model: "churn") == "r2")
        #expect(q.active(model: "churn") == "r2")
        #expect(q.admit("r4", model: "churn") == .queued(behind: "r2"))
        #expect(q.finished("r2", model: "churn") == "r4")
        #expect(q.finished("r4", model: "churn") == nil)
        #expect(q.active(model: "churn") == nil)
    }

    @Test("a manual run holds the model: triggered runs queue behind it; ending another run changes nothing")
    func manualHold() {
        var q = ModelRunQueue()
        let first = q.hold("m1", model: "churn"), second = q.hold("m2", model: "churn")
        #expect(first && !second)
        #expect(q.admit("t1", model: "churn") == .queued(behind: "m1"))
        #expect(q.finished("m2", model: "churn") == nil)
        #expect(q.finished("m1", model: "churn") == "t1")
    }
}

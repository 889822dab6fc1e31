import DroverCore
import DroverProtocol
import Foundation
import Logging

/// The trigger journal on the runner's thread (docs/pipelines.md, "Trigger decisions"). A
/// decision that starts a run stores the run first (its `TriggerNote` carries the decision's
/// key and the trigger's state after it), then journals the decision, then saves the book. So a
/// coordinator killed at any point, once restarted, neither loses the decision (a `deciding`
/// span is decided again) nor repeats it (a stored run's decision is journaled from the run).
extension LoopState {
    /// Journals a decision with the model's trigger state, then saves the book.
    mutating func journal(_ decision: TriggerDecision, ingest: IngestInfo? = nil) {
        do {
            try runner.journal.append(TriggerJournalLine(decision: decision, ingest: ingest, state: book.models[decision.model]?.state))
        } catch {
            logger.error("pipeline.trigger.unjournaled", metadata: ["key": "\(decision.key)", "error": "\(error)"])
        }
        saveBook()
    }

    /// A span's decision: journaled, then shown to clients (`drover ingest`).
    mutating func journalIngest(_ info: IngestInfo, request: PendingIngest, atMs: Int64) {
        journal(TriggerDecision(atMs: atMs, model: request.model, pipeline: info.pipeline, event: "span", key: request.id,
                                outcome: info.state, rule: info.rule, reason: info.reason ?? "",
                                spans: ["\(request.span.dataset) span \(request.span.span)"], run: info.run, behind: info.behind,
                                drift: info.drift),
                ingest: info)
        runner.shared.withLock { $0.ingests[request.id] = info }
        logger.info("pipeline.ingest.decided", metadata: ["ingest": "\(request.id)", "state": "\(info.state)", "rule": "\(info.rule ?? "none")"])
    }

    /// At start: the trigger states journaled after the book was last saved, and the decisions
    /// whose runs were stored but not journaled.
    mutating func recoverTriggers(_ stored: [RunRecord]) {
        let log = runner.journal.log
        for (model, entry) in log.states where entry.seq > book.journaled {
            book.models[model]?.state = entry.state
        }
        for record in stored {
            guard let note = record.trigger, let key = note.decision, !log.decided.contains(key),
                  let spec = try? record.spec() else { continue }
            if let state = note.state { book.models[spec.model]?.state = state }
            var ingest = runner.shared.withLock { $0.ingests[key] }
            if ingest != nil {
                ingest!.state = "started"
                (ingest!.rule, ingest!.reason, ingest!.run) = (note.rule, note.reason, record.id)
            }
            let spans = record.inputs.spans.values.map { "\($0.dataset) span \($0.span)" }.sorted()
            journal(TriggerDecision(atMs: record.startedAtMs, model: spec.model, pipeline: spec.name,
                                    event: note.ingest == nil ? "schedule" : "span", key: key, outcome: "started", rule: note.rule,
                                    reason: note.reason, spans: spans, run: record.id, recovered: true),
                    ingest: ingest)
            if let ingest { runner.shared.withLock { $0.ingests[key] = ingest } }
            logger.warning("pipeline.trigger.recovered", metadata: ["key": "\(key)", "run.id": "\(record.id)",
                                                                    "why": "the run was stored before the coordinator stopped; its decision is journaled now"])
        }
        saveBook()
    }

    mutating func saveBook() {
        book.journaled = runner.journal.lastSeq
        do {
            try book.save(directory: runner.directory)
        } catch {
            logger.error("pipeline.triggers.unsaved", metadata: ["error": "\(error)"])
        }
    }
}

import Foundation

/// A promotion asked for by a person (`drover models promote`, the HTTP API's promote action):
/// one rule for both, so the CLI and the API decide and audit alike.
extension ModelRegistry {
    /// Moves `alias` to `version`. For the champion: with a passing verdict of this version
    /// against the current champion the move is a promotion recorded with that verdict; without
    /// one, `reason` is required and the move is recorded as forced. Any other alias needs a
    /// reason and is simply set. `actor` is who asked (recorded with the move).
    public func promoteByHand(model: String, version: Int, alias: String = ModelRegistry.champion,
                              reason: String?, actor: String) async throws -> PromotionResult {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if alias != Self.champion {
            guard let reason, !reason.isEmpty else { throw RegistryError.reasonRequired(model: model, version: version) }
            let move = try await setAlias(model: model, alias: alias, version: version, actor: actor, reason: reason)
            return PromotionResult(moved: true, move: move, verdict: nil, replayed: false, note: nil)
        }
        let champion = try await champion(model: model)
        let passing = try await verdicts(model: model, version: version)
            .last { $0.verdict.passed && $0.baselineVersion == champion?.version }
        if passing == nil, reason?.isEmpty ?? true {
            _ = try await self.version(model: model, version) // an unknown version is reported first
            throw RegistryError.verdictRequired(model: model, version: version)
        }
        return try await promote(PromotionRequest(
            model: model, version: version, verdictID: passing?.id, baselineVersion: champion?.version,
            actor: actor, reason: reason, force: passing == nil))
    }
}

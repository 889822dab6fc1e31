import DroverProtocol
import DroverStore
import Foundation
import Hummingbird

/// `POST /api/v1/…`: the actions a user takes, behind an `operator` token. Each goes through
/// the path the CLI uses (the coordinator's commands, the registry's `promoteByHand` and
/// `rollback`) and is audited with who did it (`api_actions`; alias moves also carry the actor).
struct APIActionRoutes: Sendable {
    let backend: APIBackend

    struct StartBody: Decodable { var file: String?; var yaml: String; var params: [String: String]? }
    struct PromoteBody: Decodable { var version: Int; var alias: String?; var reason: String? }
    struct RollbackBody: Decodable { var alias: String?; var to: Int?; var reason: String? }

    func register(on router: Router<BasicRequestContext>) {
        command(router, "/api/v1/jobs/:id/cancel") { _, c -> (String, String, @Sendable () async throws -> JobInfo) in
            let id = try c.parameters.require("id", as: UInt64.self)
            return ("cancel", "job \(id)", { try await backend.link.command(CancelJob(id: id)) })
        }
        command(router, "/api/v1/runs") { r, _ -> (String, String, @Sendable () async throws -> RunInfo) in
            let body = try await JSONReply.body(StartBody.self, r, what: "the run request")
            return ("run", body.file ?? "pipeline.yaml", {
                try await backend.link.command(StartRun(file: body.file ?? "pipeline.yaml", yaml: body.yaml, params: body.params ?? [:]))
            })
        }
        action(router, "/api/v1/models/:name/promote", role: .operator) { r, c -> (String, String, Perform<PromotionResult>) in
            let name = try c.parameters.require("name")
            let body = try await JSONReply.body(PromoteBody.self, r, what: "the promotion request")
            let alias = body.alias ?? ModelRegistry.champion
            return ("promote", "\(name)@\(alias) → \(body.version)", { actor in
                try await backend.registry.promoteByHand(model: name, version: body.version, alias: alias, reason: body.reason, actor: actor)
            })
        }
        action(router, "/api/v1/models/:name/rollback", role: .operator) { r, c -> (String, String, Perform<AliasMove>) in
            let name = try c.parameters.require("name")
            let body = try await JSONReply.body(RollbackBody.self, r, what: "the rollback request")
            let alias = body.alias ?? ModelRegistry.champion
            return ("rollback", "\(name)@\(alias)" + (body.to.map { " → \($0)" } ?? ""), { actor in
                try await backend.registry.rollback(model: name, alias: alias, to: body.to, actor: actor, reason: body.reason ?? "rollback")
            })
        }
        let auth = backend.auth, access = backend.access
        router.get("/api/v1/tokens") { r, _ in
            _ = try await auth.require(.admin, r)
            return try JSONReply.ok(Page(items: try await access.tokens(), next: nil), for: r)
        }
        router.get("/api/v1/audit") { r, _ in
            _ = try await auth.require(.admin, r)
            let after = Int64(try r.integer("after", in: 0...Int.max, default: 0))
            let items = try await access.actions(after: after, limit: 500)
            return try JSONReply.ok(Page(items: items, next: items.count == 500 ? items.last.map { String($0.id) } : nil), for: r)
        }
    }

    typealias Perform<T> = @Sendable (String) async throws -> T

    /// An action route: authorise, decode (400/413 before anything happens), perform as the
    /// token's actor, audit the outcome, answer the result as JSON.
    func action<T: Encodable & Sendable>(
        _ router: Router<BasicRequestContext>, _ path: RouterPath, role: APIRole,
        _ prepare: @escaping @Sendable (Request, BasicRequestContext) async throws -> (String, String, Perform<T>)
    ) {
        let auth = backend.auth, access = backend.access
        router.post(path) { request, context in
            let token = try await auth.require(role, request)
            let (action, target, perform) = try await prepare(request, context)
            do {
                let result = try await perform(token.actor)
                try await access.recordAction(actor: token.actor, action: action, target: target, outcome: "ok")
                return try JSONReply.ok(result, for: request)
            } catch {
                let refusal = APIError.from(error)
                try await access.recordAction(actor: token.actor, action: action, target: target, outcome: refusal.message)
                throw refusal
            }
        }
    }

    /// A coordinator command as an operator action (the command itself carries no actor; the
    /// audit row does).
    func command<T: Encodable & Sendable>(
        _ router: Router<BasicRequestContext>, _ path: RouterPath,
        _ prepare: @escaping @Sendable (Request, BasicRequestContext) async throws -> (String, String, @Sendable () async throws -> T)
    ) {
        action(router, path, role: .operator) { r, c -> (String, String, Perform<T>) in
            let (action, target, perform) = try await prepare(r, c)
            return (action, target, { _ in try await perform() })
        }
    }
}

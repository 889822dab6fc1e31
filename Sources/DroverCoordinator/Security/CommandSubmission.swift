import DroverProtocol

/// Who may submit `command` jobs: arbitrary programs on every worker started with
/// `--allow-commands` (docs/commands.md, "Security").
///
/// - With CURVE: only clients whose key is on the command-submitter allow-list
///   (`--allow-command-clients`), a role separate from submitting built-in kinds.
/// - Without CURVE on loopback: any local client (loopback is not a boundary between the users
///   of one machine; docs/commands.md says so and offers CURVE on loopback).
/// - Without CURVE on a non-loopback address (`--insecure`): nobody.
public enum CommandSubmission {
    public static let kind = "command"

    /// Why this submission must be refused, or nil. `principal` is the connection's CURVE
    /// principal (nil without CURVE).
    public static func refusal(_ specs: [JobSpec], principal: String?, security: CoordinatorSecurity?,
                               clientEndpoint: String) -> String? {
        guard specs.contains(where: { $0.kind == kind }) else { return nil }
        if let security {
            if let principal, security.commandPrincipals.contains(principal) { return nil }
            return """
            command jobs are refused for client '\(principal ?? "?")': its key is not on the coordinator's \
            command-submitter allow-list; add its public key to the file given to --allow-command-clients
            """
        }
        if BindExposure.isLoopback(clientEndpoint) { return nil }
        return """
        command jobs are refused: this coordinator listens on \(clientEndpoint) without CURVE, so anyone who can \
        reach it could run programs on the workers; secure it with --curve-secret and --allow-command-clients
        """
    }
}

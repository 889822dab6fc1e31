/// `{{ params.NAME }}` and `{{ inputs.NAME }}` in a command step's arguments (docs/pipelines.md,
/// "Command steps"). Parameters are replaced when the job is planned; inputs on the worker,
/// where the materialised file's path is known (`CommandJobRequest`).
public enum CommandTemplate {
    public enum Kind: String, Sendable { case params, inputs }

    public struct Reference: Sendable, Equatable {
        public var kind: Kind
        public var name: String
        /// The whole `{{ … }}` text.
        public var text: String
    }

    /// Every `{{ … }}` in `argument`; a malformed one is returned with its text as the error.
    /// A dotted Python module name, as `preload:` takes: `numpy`, `sklearn.ensemble`, `_util.io2`.
    public static func isPythonModuleName(_ name: String) -> Bool {
        name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isIdentifier($0) }
    }

    /// ASCII letters, digits and `_`, not starting with a digit: an environment variable's or a
    /// Python module's name.
    public static func isIdentifier(_ name: some StringProtocol) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    public static func references(in argument: String) -> Result<[Reference], TemplateError> {
        var out: [Reference] = []
        var rest = Substring(argument)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(TemplateError(text: String(rest[open.lowerBound...]), problem: "has no closing `}}`"))
            }
            let text = String(rest[open.lowerBound..<close.upperBound])
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = inner.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let kind = Kind(rawValue: parts[0]), !parts[1].isEmpty else {
                return .failure(TemplateError(text: text, problem: "is not `{{ params.NAME }}` or `{{ inputs.NAME }}`"))
            }
            out.append(Reference(kind: kind, name: parts[1], text: text))
            rest = rest[close.upperBound...]
        }
        return .success(out)
    }

    /// Replaces the references of `kind` whose name `values` has; leaves the others.
    public static func expand(_ argument: String, _ kind: Kind, _ values: [String: String]) -> String {
        guard case .success(let refs) = references(in: argument) else { return argument }
        var out = argument
        for r in refs where r.kind == kind {
            if let v = values[r.name] { out = out.replacingOccurrences(of: r.text, with: v) }
        }
        return out
    }

    public struct TemplateError: Error, Sendable, Equatable {
        public var text: String
        public var problem: String
    }
}

import Foundation

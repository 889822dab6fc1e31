/// An error from training, evaluating or applying a model: what went wrong, where, and what to do.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The user's data or parameters are unusable (maps to exit code 2).
        case invalidInput
        /// A model file is unreadable or from an unsupported format version.
        case invalidModelFile
        /// Training failed numerically (e.g. a singular system).
        case trainingFailed
    }

    public var kind: Kind
    public var message: String
    public var hint: String?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    public static func input(_ message: String, hint: String? = nil) -> ModelError {
        ModelError(.invalidInput, message, hint: hint)
    }

    public var description: String { hint.map { "\(message)\nhint: \($0)" } ?? message }
}

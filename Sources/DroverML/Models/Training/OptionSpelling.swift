import Foundation

/// How an error names a training option: as a `drover train` flag (`--learning-rate`) or as a
/// job parameter (`learning_rate`). Options are keyed by their job-parameter name everywhere;
/// only the words shown to the user differ.
public enum OptionSpelling: Sendable {
    case cliFlag
    case jobParameter

    /// `--learning-rate` or `job parameter 'learning_rate'`.
    public func name(_ parameter: String) -> String {
        switch self {
        case .cliFlag: return "--" + parameter.replacingOccurrences(of: "_", with: "-")
        case .jobParameter: return "job parameter '\(parameter)'"
        }
    }

    /// `--model ridge` or `model=ridge`: how to set an option, for hints.
    public func setting(_ parameter: String, _ value: String) -> String {
        switch self {
        case .cliFlag: return "--" + parameter.replacingOccurrences(of: "_", with: "-") + " " + value
        case .jobParameter: return "\(parameter)=\(value)"
        }
    }
}

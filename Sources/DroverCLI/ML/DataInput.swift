import DroverML

/// Data-side helpers that turn `DataError` into the CLI's exit-code-2 input errors.
enum DataInput {
    static func table(_ path: String, _ options: CSVOptions) throws -> Table {
        do {
            return try CSVReader.read(path: path, options: options)
        } catch let error as DataError {
            throw cliError(error)
        }
    }

    static func schema(_ path: String) throws -> Schema {
        do {
            return try Schema.load(path: path)
        } catch {
            throw cliError(error)
        }
    }

    static func cliError(_ error: DataError) -> CLIError {
        var message = error
        message.hint = nil
        return CLIError.input(message.description, hint: error.hint)
    }
}

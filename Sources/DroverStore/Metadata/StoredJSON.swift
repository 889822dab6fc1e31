import DroverProtocol
import Foundation

/// The JSON of the metadata store's and the registry's text columns (model metrics, verdicts,
/// step cache entries): keys sorted, non-finite numbers as strings (`droverStrings`). A metric
/// can be NaN (a log loss of no rows): a plain encoder threw, failing the whole write it was in.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .droverStrings
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .droverStrings
        return try d.decode(type, from: Data(text.utf8))
    }
}

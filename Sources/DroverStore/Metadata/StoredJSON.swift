import Foundation

/// The JSON of the metadata store's and the registry's text columns (model metrics, verdicts,
/// step cache entries): keys sorted, and a non-finite number as the string "nan", "inf" or
/// "-inf", as in model files. A metric can be NaN (a log loss of no rows); JSON has no NaN, and
/// a plain encoder threw, which failed the whole write it was part of.
enum StoredJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try e.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try d.decode(type, from: Data(text.utf8))
    }
}

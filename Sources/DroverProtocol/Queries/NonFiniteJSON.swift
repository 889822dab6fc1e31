import Foundation

/// NaN and ±infinity in JSON, which has no such numbers: the strings "nan", "inf" and "-inf", as
/// model files write them. Used by `--json` output, the HTTP API and the metadata store's JSON
/// columns, so a NaN metric (kept as logged) never fails what reads or writes it.
extension JSONEncoder.NonConformingFloatEncodingStrategy {
    public static var droverStrings: Self { .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan") }
}

extension JSONDecoder.NonConformingFloatDecodingStrategy {
    public static var droverStrings: Self { .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan") }
}

import Foundation

/// The datasets the tests read, shipped in `Tests/Fixtures/` (sources, licences and checksums
/// in its README), found relative to this file so a fresh clone needs nothing beside it.
enum Fixtures {
    static let directory: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // Fixtures.swift
        url.deleteLastPathComponent()  // DroverMLTests
        return url.appendingPathComponent("Fixtures").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }
}

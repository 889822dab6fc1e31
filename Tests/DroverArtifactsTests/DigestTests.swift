@testable import DroverArtifacts
import Foundation
import Testing

@Suite("Artifact digests and references")
struct DigestTests {
    @Test func knownVectorHashesToItsDigest() {
        #expect(ArtifactDigest.of(Array("abc".utf8)).description == abcDigest)
    }

    @Test func parsesTextFormsAndLowerCases() throws {
        let d = try ArtifactDigest(parsing: abcDigest)
        #expect(d.description == abcDigest)
        #expect(try ArtifactDigest(parsing: String(abcDigest.dropFirst(7)).uppercased()) == d)
        #expect(d.short == "sha256:ba7816bf8f01")
    }

    @Test(arguments: [
        ("md5:ba7816bf8f01cfea414140de5dae2223", "only sha256"),
        ("sha256:abc", "64 hex characters, this one has 3"),
        ("sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "other than 0-9 and a-f"),
    ])
    func rejectsMalformedDigestsSayingWhy(text: String, reason: String) {
        #expect {
            try ArtifactDigest(parsing: text)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains("is not an artifact digest")
        }
    }

    @Test func codableUsesTheTextForm() throws {
        let ref = ArtifactRef(digest: try ArtifactDigest(parsing: abcDigest), size: 3)
        let json = String(decoding: try JSONEncoder().encode(ref), as: UTF8.self)
        #expect(json.contains("\"\(abcDigest)\""))
        #expect(try JSONDecoder().decode(ArtifactRef.self, from: Data(json.utf8)) == ref)
        let bad = json.replacingOccurrences(of: "ba78", with: "xx78")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ArtifactRef.self, from: Data(bad.utf8)) }
    }

    @Test func referenceTextRoundTrips() throws {
        let ref = try ArtifactRef(parsing: abcDigest + ":3")
        #expect(ref.size == 3)
        #expect(try ArtifactRef(parsing: ref.description) == ref)
        #expect(throws: ArtifactError.self) { try ArtifactRef(parsing: abcDigest) }
        #expect(throws: ArtifactError.self) { try ArtifactRef(parsing: abcDigest + ":-1") }
    }
}

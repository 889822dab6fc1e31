import Crypto
import DroverArtifacts
import Foundation

/// An API token's secret: `drv_<id>_<48 hex>`. Only its SHA-256 is stored; the id (public,
/// 8 hex) names the token in listings and audits.
public enum TokenSecret {
    /// A fresh token: (id, secret to hand to the user once, hash to store).
    public static func generate() -> (id: String, secret: String, hash: String) {
        var rng = SystemRandomNumberGenerator()
        let id = Hex.lower((0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let secret = "drv_\(id)_" + Hex.lower((0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) })
        return (id, secret, hash(secret))
    }

    public static func hash(_ secret: String) -> String {
        Hex.lower(Array(SHA256.hash(data: Data(secret.utf8))))
    }
}

import Foundation
import HummingbirdTLS

/// A server certificate chain and its private key (PEM files), loaded once at start-up so a bad
/// file stops `drover up` with a sentence naming it rather than failing every handshake.
public struct TLSIdentity: Sendable {
    public let certificatePath: String
    public let keyPath: String
    let configuration: TLSConfiguration

    public init(certificatePath: String, keyPath: String) throws(TLSIdentityError) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificatePath) } catch {
            throw TLSIdentityError(message: "cannot read the TLS certificate \(certificatePath): \(error); give a PEM file (e.g. from `openssl req -x509 …`)")
        }
        guard !chain.isEmpty else {
            throw TLSIdentityError(message: "the TLS certificate file \(certificatePath) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyPath, format: .pem) } catch {
            throw TLSIdentityError(message: "cannot read the TLS private key \(keyPath): \(error); give an unencrypted PEM key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        self.configuration = configuration
    }
}

public struct TLSIdentityError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

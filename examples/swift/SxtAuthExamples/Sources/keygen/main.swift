// keygen: prints a new Ed25519 key pair for the Space and Time (SxT) network, in the form the SxT tools use:
//
//   Private Key (Base64): <44 characters>
//   Public Key (Base64): <44 characters>
//
// Keep the private key secret (put it in USER_PRIVATE_KEY of your .env); the public key is what the network
// records for your user. The Swift counterpart of examples/c/keygen.c.
import Foundation
import SxtAuth

func fail(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

do {
    let keys = try SxtKeys.generate()
    print("Private Key (Base64): \(keys.privateKey)")
    print("Public Key (Base64): \(keys.publicKey)")
} catch let error as SxtError {
    fail("keygen failed: \(error.message) (\(error.code.name))")
    exit(1)
} catch {
    fail("keygen failed: \(error)")
    exit(1)
}
exit(fflush(nil) == 0 ? 0 : 1) // the output must really have been written

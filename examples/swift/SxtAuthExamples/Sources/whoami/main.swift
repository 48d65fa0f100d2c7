// whoami: signs a Space and Time (SxT) user in and asks the API who the token belongs to
// (GET /v1/auth/validtoken) with `session.data(for:using:)`: the request carries
// "Authorization: Bearer <access token>", renewed as the session renews it, and a 401 with a token the server
// has revoked is retried once with a new one. The work runs in a `Task` that is cancelled when
// SXT_TIMEOUT_MS passes: a sign-in in flight then stops at once and throws `CancellationError`. The Swift
// counterpart of examples/go/whoami.
//
// Usage:
//   whoami <user_id>
//
// Settings come from the environment (export them, or `set -a; . ./.env; set +a`):
//   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
//   USER_PRIVATE_KEY   the user's Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
//   SXT_CA_CERT        optional: a PEM file of extra CAs for the library to trust (URLSession trusts the
//                      system's; on Linux, URLSessionCertificateAuthorityInfoFile names a CA file for it)
//   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
//   SXT_TIMEOUT_MS     optional: the deadline for the whole run in milliseconds (default 60000)
//
// Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SxtAuth

func fail(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

func report(_ what: String, _ error: any Error) {
    switch error {
    case let error as SxtError: fail("Error: \(what) failed: \(error.message) (\(error.code.name))")
    case is CancellationError: fail("Error: \(what) failed: no answer within SXT_TIMEOUT_MS (cancelled)")
    default: fail("Error: \(what) failed: \(error)")
    }
}

/// Signs in and asks the API; the exit status.
func whoami(_ client: SxtClient, _ userID: String, _ privateKey: String) async -> Int32 {
    let session: SxtSession
    do {
        session = try await client.login(userID: userID, privateKey: privateKey)
    } catch {
        report("signing in", error)
        return 1
    }
    let request = URLRequest(url: URL(string: client.baseURL + "/v1/auth/validtoken")!)
    let data: Data
    let response: URLResponse
    do {
        (data, response) = try await session.data(for: request)
    } catch {
        report("asking the API", error)
        return 1
    }
    let code = (response as? HTTPURLResponse)?.statusCode ?? 0
    guard code == 200 else {
        fail("Error: the API answered HTTP \(code)")
        return 1
    }
    guard let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let user = info["userId"] as? String, !user.isEmpty else {
        fail("Error: the API's answer has no userId")
        return 1
    }
    print("Signed in as: \(user)")
    print("Subscription: \(info["subscriptionId"] as? String ?? "")")
    return fflush(nil) == 0 ? 0 : 1
}

func main() async -> Int32 {
    let arguments = CommandLine.arguments
    guard arguments.count == 2, !arguments[1].isEmpty else {
        fail("usage: \(arguments[0]) <user_id>   (settings: API_URL, USER_PRIVATE_KEY, SXT_CA_CERT, SXT_ALLOW_HTTP)")
        return 2
    }
    let env = ProcessInfo.processInfo.environment
    guard let apiURL = env["API_URL"], !apiURL.isEmpty, let privateKey = env["USER_PRIVATE_KEY"], !privateKey.isEmpty else {
        fail("Error: set API_URL and USER_PRIVATE_KEY in the environment")
        return 1
    }
    var timeoutMs: UInt64 = 60_000
    if let text = env["SXT_TIMEOUT_MS"], !text.isEmpty {
        guard let value = UInt64(text), value > 0 else {
            fail("Error: SXT_TIMEOUT_MS must be a positive number of milliseconds")
            return 1
        }
        timeoutMs = value
    }
    var options = SxtClient.Options()
    if let caFile = env["SXT_CA_CERT"], !caFile.isEmpty {
        guard let pem = FileManager.default.contents(atPath: caFile) else {
            fail("Error: cannot read SXT_CA_CERT file \(caFile)")
            return 1
        }
        options.caPEM = [String(decoding: pem, as: UTF8.self)]
    }
    options.allowHTTP = env["SXT_ALLOW_HTTP"] == "1"
    let client: SxtClient
    do {
        client = try SxtClient(baseURL: apiURL, options: options)
    } catch {
        report("setting up the client", error)
        return 1
    }

    // The work in a task of its own, cancelled when the deadline passes.
    let work = Task { await whoami(client, arguments[1], privateKey) }
    let deadline = Task {
        try await Task.sleep(nanoseconds: timeoutMs * 1_000_000)
        work.cancel()
    }
    let status = await work.value
    deadline.cancel()
    return status
}

exit(await main())

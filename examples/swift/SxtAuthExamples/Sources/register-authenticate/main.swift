// register-authenticate: checks whether a Space and Time (SxT) user id exists, registers it if not, signs in,
// and prints the access token. The Swift counterpart of examples/c/register_authenticate.c, with the same
// settings, output and exit status.
//
// Usage:
//   register-authenticate <user_id>
//
// Settings come from the environment, or from a `.env` file in the current directory (KEY=VALUE lines,
// `#` comments, optional `export ` prefix, optional single or double quotes around the value); a variable
// set in the real environment wins over the file. See examples/c/sample.env:
//   API_URL            the SxT API, e.g. https://api.spaceandtime.dev/v1/ (with or without /v1/)
//   USER_PRIVATE_KEY   your Ed25519 private key (base64 of the 32-byte seed, as printed by keygen)
//   USER_PUBLIC_KEY    optional: its public key; must match the private key when set
//   ORG_CODE           optional: your organisation's join code, used when a new user is registered
//                      (JOINCODE is accepted too)
//   USERID             the user id, when none is given on the command line
//   SXT_CA_CERT        optional: a PEM file of extra CAs to trust (for a private or local server)
//   SXT_ALLOW_HTTP     set to 1 to allow a plain http:// API_URL (loopback testing only)
//
// Exit status: 0 on success, 1 on any failure (the reason goes to stderr), 2 on a usage error.
import Foundation
import SxtAuth

// MARK: - a small dotenv reader

/// The assignments of a `.env` file, in file order.
struct DotEnv {
    private(set) var entries: [(name: String, value: String)] = []

    /// Reads `path` if it exists (a missing file is not an error); `nil` if it exists but cannot be read.
    static func load(_ path: String) -> DotEnv? {
        guard FileManager.default.fileExists(atPath: path) else { return DotEnv() }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var env = DotEnv()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            env.parse(line.hasSuffix("\r") ? line.dropLast() : line)
        }
        return env
    }

    /// Parses one line; malformed lines are skipped.
    private mutating func parse(_ line: Substring) {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        var rest = line.drop(while: { $0.isWhitespace })
        if rest.isEmpty || rest.first == "#" { return }
        if rest.hasPrefix("export"), let after = rest.dropFirst(6).first, blank(after) {
            rest = rest.dropFirst(7).drop(while: { $0.isWhitespace })
        }
        let name = rest.prefix(while: { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "_" || $0 == "." })
        if name.isEmpty { return }
        rest = rest.dropFirst(name.count).drop(while: blank)
        guard rest.first == "=" else { return }
        rest = rest.dropFirst().drop(while: blank)
        let value: Substring
        if let quote = rest.first, quote == "\"" || quote == "'" {
            // Quoted: up to the matching quote; anything after it (a comment) is ignored.
            let inner = rest.dropFirst()
            guard let close = inner.firstIndex(of: quote) else { return }
            value = inner[..<close]
        } else {
            // Unquoted: up to an inline ` #` comment, trailing blanks removed.
            var end = rest.startIndex
            while end < rest.endIndex {
                if rest[end] == "#", end > rest.startIndex, blank(rest[rest.index(before: end)]) { break }
                end = rest.index(after: end)
            }
            var text = rest[..<end]
            while let last = text.last, last.isWhitespace { text = text.dropLast() }
            value = text
        }
        entries.append((String(name), String(value)))
    }

    /// A setting: the real environment first, then the file (the last assignment in it wins).
    func setting(_ name: String) -> String? {
        if let value = ProcessInfo.processInfo.environment[name] { return value }
        return entries.last(where: { $0.name == name })?.value
    }

    /// A setting that counts only when not empty.
    func nonEmpty(_ name: String) -> String? {
        guard let value = setting(name), !value.isEmpty else { return nil }
        return value
    }
}

// MARK: - error reporting

/// Writes a line to stderr.
func fail(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Reports a failed call with everything the library said about it (never a key or a token).
func report(_ what: String, _ error: any Error) {
    guard let error = error as? SxtError else {
        fail("Error: \(what) failed: \(error)")
        return
    }
    fail("Error: \(what) failed: \(error.message) (\(error.code.name))")
    if let status = error.httpStatus { fail("  HTTP status: \(status)") }
    if let title = error.title { fail("  title: \(title)") }
    if let detail = error.detail { fail("  detail: \(detail)") }
}

// MARK: - the example

func run() -> Int32 {
    guard let env = DotEnv.load(".env") else {
        fail("Error: could not read .env")
        return 1
    }
    let arguments = CommandLine.arguments
    let userID = arguments.count > 1 ? arguments[1] : env.nonEmpty("USERID")
    guard arguments.count <= 2, let userID, !userID.isEmpty else {
        fail("Please supply your existing or desired user_id!\nusage: \(arguments[0]) <user_id>")
        return 2
    }
    guard let apiURL = env.nonEmpty("API_URL") else {
        fail("Error: please make sure you set the SxT API_URL value in your .env file!")
        return 1
    }
    guard let privateKey = env.nonEmpty("USER_PRIVATE_KEY") else {
        fail("Error: please set USER_PRIVATE_KEY (see keygen) in your .env file!")
        return 1
    }
    let orgCode = env.nonEmpty("ORG_CODE") ?? env.nonEmpty("JOINCODE")

    // The key must be usable, and match USER_PUBLIC_KEY when that is given.
    let derivedPublic: String
    do {
        derivedPublic = try SxtKeys.publicKey(of: privateKey)
    } catch {
        report("reading USER_PRIVATE_KEY", error)
        return 1
    }
    if let publicKey = env.nonEmpty("USER_PUBLIC_KEY"), publicKey != derivedPublic {
        fail("Error: USER_PUBLIC_KEY does not match the public key of USER_PRIVATE_KEY (\(derivedPublic))")
        return 1
    }

    // The client: extra CAs and plain http only when asked for.
    var options = SxtClient.Options()
    if let caFile = env.nonEmpty("SXT_CA_CERT") {
        guard let data = FileManager.default.contents(atPath: caFile) else {
            fail("Error: cannot read SXT_CA_CERT file \(caFile)")
            return 1
        }
        options.caPEM = [String(decoding: data, as: UTF8.self)]
    }
    options.allowHTTP = env.nonEmpty("SXT_ALLOW_HTTP") == "1"
    let client: SxtClient
    do {
        client = try SxtClient(baseURL: apiURL, options: options)
    } catch let error as SxtError where [.invalidURL, .insecureURL].contains(error.code) || error.argument == "baseURL" {
        report("creating the client for API_URL", error)
        return 1
    } catch {
        report("setting up the client", error)
        return 1
    }

    // 1) Does the user id exist?
    print("Checking id: \(userID) with URL: \(client.baseURL)/v1/auth/idexists/\(userID)")
    let exists: Bool
    do {
        exists = try client.userExists(userID)
    } catch {
        fail("We did not connect with the SxT API successfully!")
        report("checking the user id", error)
        return 1
    }

    // 2) Authenticate, registering the user id first if it is new.
    let session: SxtSession
    if exists {
        print("UserID exists!")
        print("Time to authenticate!")
        do {
            session = try client.login(userID: userID, privateKey: privateKey)
        } catch {
            report("authenticating", error)
            return 1
        }
    } else {
        print("UserID doesn't exist!")
        print("Lets create your user ID!")
        do {
            session = try client.register(userID: userID, privateKey: privateKey, joinCode: orgCode)
        } catch {
            report("registering the user id", error)
            return 1
        }
    }
    let accessToken: String
    do {
        accessToken = try session.accessToken()
    } catch {
        report("getting the access token", error)
        return 1
    }
    print("Authentication to the SxT API has been completed successfully!")
    print("Access token: \(accessToken)")
    return fflush(nil) == 0 ? 0 : 1 // the token must really have been written
}

exit(run())

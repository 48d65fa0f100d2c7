// Helpers shared by every call into the C library. They enforce the binding's rules in one place:
//  - every fallible C call gets an `sxt_error **` and the error is freed, success or not;
//  - every string the library hands out is copied into a Swift `String` and released with `sxt_string_free`
//    (which also wipes it);
//  - Swift strings reach C as NUL-terminated UTF-8, and a string with an embedded NUL (which C would cut short)
//    is refused before the call.
internal import CSxtAuth

/// The `sxt_error **` a C call writes its error detail to.
typealias ErrorOut = UnsafeMutablePointer<OpaquePointer?>
/// A `char **` output of a C call.
typealias StringOut = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// Runs one C call with a fresh `sxt_error *` slot; throws ``SxtError`` unless it returned `SXT_STATUS_OK`.
/// The C error object is always freed.
func check(_ call: (ErrorOut) -> sxt_status) throws(SxtError) {
    var error: OpaquePointer? = nil
    let status = call(&error)
    defer { sxt_error_free(error) }
    if status != SXT_STATUS_OK {
        throw SxtError(status: status, error: error)
    }
}

/// Copies a string the library handed out, then wipes and releases it with `sxt_string_free`.
func take(_ string: UnsafeMutablePointer<CChar>?) throws(SxtError) -> String {
    guard let string else {
        throw SxtError(code: .internal, message: "the library reported success but returned no string")
    }
    defer { sxt_string_free(string) }
    return String(cString: string)
}

/// Runs a C call that writes one string output; returns the copy and releases the library's string.
func callReturningString(_ call: (StringOut, ErrorOut) -> sxt_status) throws(SxtError) -> String {
    var out: UnsafeMutablePointer<CChar>? = nil
    do {
        try check { call(&out, $0) }
    } catch {
        sxt_string_free(out) // outputs are written only on success; this is belt and braces
        throw error
    }
    return try take(out)
}

/// Passes `string` to `body` as a NUL-terminated C string. `name` names the argument in the error thrown
/// when the string contains a NUL character.
func withCString<R>(_ string: String, name: String,
                    _ body: (UnsafePointer<CChar>) throws(SxtError) -> R) throws(SxtError) -> R {
    if string.utf8.contains(0) {
        throw invalidArgument(name, "contains a NUL character")
    }
    return try string.withCString { pointer in
        Result { () throws(SxtError) -> R in try body(pointer) }
    }.get()
}

/// As ``withCString(_:name:_:)``, passing NULL for `nil`.
func withOptionalCString<R>(_ string: String?, name: String,
                            _ body: (UnsafePointer<CChar>?) throws(SxtError) -> R) throws(SxtError) -> R {
    guard let string else { return try body(nil) }
    return try withCString(string, name: name) { (pointer) throws(SxtError) -> R in try body(pointer) }
}

/// Live-object count for leak checks (`sxt_live_objects`): handles and strings handed out by the library and
/// not yet freed, process-wide. Internal: tests reach it through `@testable import SxtAuth`.
func liveObjectCount() -> Int {
    Int(sxt_live_objects())
}

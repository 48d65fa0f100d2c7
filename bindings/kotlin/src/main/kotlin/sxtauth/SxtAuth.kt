package sxtauth

/**
 * What the library says about itself. Thread safety: any thread.
 */
public object SxtAuth {
    /** The C library version this binding was written for (`SXT_VERSION_STRING` of include/sxt_auth.h). */
    public const val BINDING_VERSION: String = "0.1.0"

    /** The loaded library's version, `"MAJOR.MINOR.PATCH"`. */
    @JvmStatic
    public val version: String get() = borrowString(SxtLibrary.native.sxt_version()) ?: ""

    /** The library's stable name for status number [code] (`SXT_STATUS_UNKNOWN` for a number it does not know). */
    @JvmStatic
    public fun statusName(code: Int): String = borrowString(SxtLibrary.native.sxt_status_name(code)) ?: "SXT_STATUS_UNKNOWN"

    /** The library's one-line description of status number [code]. */
    @JvmStatic
    public fun statusDescription(code: Int): String = borrowString(SxtLibrary.native.sxt_status_description(code)) ?: ""

    /**
     * How many handles and strings of the library are not yet freed, process-wide (`sxt_live_objects`): for
     * leak checks in tests, not for program logic. Objects nobody closed count until the JVM's cleaner
     * releases them.
     */
    @JvmStatic
    public fun liveObjects(): Long = SxtLibrary.native.sxt_live_objects().toLong()
}

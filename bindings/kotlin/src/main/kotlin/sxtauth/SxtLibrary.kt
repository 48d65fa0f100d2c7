package sxtauth

import com.sun.jna.Native

/**
 * Finds and loads `libsxt_auth`, once per process, on the first call that needs it.
 *
 * Where it looks, first match wins:
 * 1. the path given to [use] before that first call (an absolute file path, e.g. one an app unpacked);
 * 2. the system property `sxtauth.library` (a file path or a library name);
 * 3. the name `sxt_auth`, which JNA resolves through `jna.library.path`, then the system's loader path
 *    (`LD_LIBRARY_PATH`, `DYLD_LIBRARY_PATH`, the standard directories), then `<os>-<arch>/` resources on the
 *    class path. On Android, `libsxt_auth.so` in the app's `jniLibs/<abi>/` is found this way.
 *
 * The library must be of this binding's version line: the same major version, and for 0.x the same minor
 * version ([SxtAuth.BINDING_VERSION]); another one is refused with an [UnsatisfiedLinkError] that names both,
 * rather than failing later in a call whose C signature changed.
 *
 * Thread safety: any thread; loading happens once.
 */
public object SxtLibrary {
    @Volatile
    private var chosenPath: String? = null

    @Volatile
    private var loaded: Boolean = false

    /**
     * Loads the library from [path] instead of searching for it. Must come before any other call of this
     * binding; once the library is loaded, a different path is refused with [IllegalStateException].
     */
    @JvmStatic
    public fun use(path: String) {
        synchronized(this) {
            check(!loaded || chosenPath == path) { "libsxt_auth is already loaded; SxtLibrary.use must come first" }
            chosenPath = path
        }
    }

    internal val native: SxtNative by lazy {
        val name = chosenPath ?: System.getProperty("sxtauth.library")?.takeIf { it.isNotEmpty() } ?: "sxt_auth"
        val lib = Native.load(name, SxtNative::class.java)
        loaded = true
        val version = lib.sxt_version()?.getString(0, "UTF-8") ?: ""
        if (!compatible(version, SxtAuth.BINDING_VERSION)) {
            throw UnsatisfiedLinkError(
                "libsxt_auth $version (from $name) does not match this binding, made for ${SxtAuth.BINDING_VERSION}",
            )
        }
        lib
    }

    /** Same major version, and for 0.x the same minor version too. */
    internal fun compatible(library: String, binding: String): Boolean {
        val a = library.split('.')
        val b = binding.split('.')
        if (a.size != 3 || b.size != 3) return false
        return a[0] == b[0] && (a[0] != "0" || a[1] == b[1])
    }
}

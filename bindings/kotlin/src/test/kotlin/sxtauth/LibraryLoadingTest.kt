package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File
import java.util.concurrent.TimeUnit

/** Where the library is found from, each in a JVM of its own (loading happens once per process). */
class LibraryLoadingTest : LibraryTest() {
    private val libraryDir = File(System.getProperty("jna.library.path")).absoluteFile
    private val library = File(libraryDir, System.mapLibraryName("sxt_auth")).path

    private fun probe(vararg args: String, properties: List<String> = emptyList(), env: Map<String, String> = emptyMap()): String {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val command = listOf(java, "-cp", System.getProperty("java.class.path")) + properties + listOf("sxtauth.LoadProbeKt") + args
        val pb = ProcessBuilder(command).redirectErrorStream(true)
        pb.environment().remove("LD_LIBRARY_PATH")
        pb.environment().putAll(env)
        val p = pb.start()
        val out = p.inputStream.bufferedReader().readText().trim()
        assertTrue(p.waitFor(60, TimeUnit.SECONDS))
        return out.lines().last()
    }

    @Test
    fun fromAPathTheAppGives() {
        assertEquals("version ${SxtAuth.BINDING_VERSION}", probe("use", library))
    }

    @Test
    fun fromTheSystemProperty() {
        assertEquals("version ${SxtAuth.BINDING_VERSION}", probe("plain", properties = listOf("-Dsxtauth.library=$library")))
    }

    @Test
    fun fromJnaLibraryPath() {
        assertEquals("version ${SxtAuth.BINDING_VERSION}", probe("plain", properties = listOf("-Djna.library.path=$libraryDir")))
    }

    @Test
    fun fromTheSystemLoaderPath() {
        assertEquals("version ${SxtAuth.BINDING_VERSION}", probe("plain", env = mapOf("LD_LIBRARY_PATH" to libraryDir.path)))
    }

    @Test
    fun missingOrLate() {
        val missing = probe("use", "/nonexistent/libsxt_auth.so")
        assertTrue(missing.startsWith("UnsatisfiedLinkError: "), missing)
        assertTrue(probe("plain").startsWith("UnsatisfiedLinkError: "), "nowhere to be found")
        assertEquals(
            "IllegalStateException: libsxt_auth is already loaded; SxtLibrary.use must come first",
            probe("late", "/elsewhere/libsxt_auth.so", properties = listOf("-Djna.library.path=$libraryDir")),
        )
    }
}

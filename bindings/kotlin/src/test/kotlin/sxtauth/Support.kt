package sxtauth

import com.sun.net.httpserver.HttpServer
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.function.Executable
import java.io.File
import java.net.InetSocketAddress
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/** The protocol's test vectors (checked independently with PyNaCl). */
object Vectors {
    const val SEED = "Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="
    const val PUBLIC = "jx2dxJGVfC1cppytY0zUGoITMn2UsYaVBvTBHh9Cjhs="
    const val AUTH_CODE = "469867d9660b67f8aa12b2"
    const val SIGNATURE =
        "1b4217c3fadf9b2cee981a16069eb7047d79315513af57ccae91fe890e21371ed8724724203d9b904241eeafac50f3934feafa476f8c6a90973d157ee97eb102"
    const val OTHER_SEED = "AlpbthdPZMnUYStjlw03n13atWl1AA33KVJ0If6+3Z4="
    const val OTHER_PUBLIC = "1gQJ4ElmE/SyE4BRbtbjHEBYy6SQzHAcreKu2Snvou4="
}

private val serial = AtomicInteger()

/** A user id no other test uses. */
fun newUserId(what: String): String = "kt-$what-${ProcessHandle.current().pid()}-${serial.incrementAndGet()}"

/** Asserts that [block] throws an [SxtException] with [status], and returns it. */
fun expectStatus(status: SxtStatus, block: () -> Unit): SxtException {
    val e = assertThrows(SxtException::class.java, Executable { block() })
    assertEquals(status, e.status, "status of: ${e.message}")
    assertEquals(status.code, e.code)
    return e
}

/** Asserts that [block] fails because its object is closed. */
fun expectClosed(block: () -> Unit) {
    val e = assertThrows(IllegalStateException::class.java, Executable { block() })
    check(e.message!!.endsWith("is closed")) { "unexpected message: ${e.message}" }
}

/**
 * Every test class extends this: after each test, every handle and string the library handed out has been
 * freed (the tests close what they open).
 */
abstract class LibraryTest {
    @AfterEach
    fun nothingLeftLive() {
        assertEquals(0L, SxtAuth.liveObjects(), "sxt_live_objects() after the test")
    }
}

/**
 * The local SxT-compatible server (sxt-auth-server, the binary named by the system property
 * `sxt.server.bin`) on an ephemeral loopback port, started with [flags] (and `--tls` with a CA when [tls]).
 * Its request log (one line per request on stderr) is kept, to count requests.
 */
class TestServer(tls: Boolean = false, vararg flags: String) : AutoCloseable {
    private val process: Process
    private val dir: File = Files.createTempDirectory("sxt-kotlin-test").toFile()
    private val log = StringBuffer()
    val url: String
    val caPem: String?

    init {
        val bin = System.getProperty("sxt.server.bin") ?: fail("the system property sxt.server.bin is not set")
        check(File(bin).canExecute()) { "server binary $bin is missing (cargo build -p sxt-auth-server)" }
        val args = mutableListOf(bin, "--listen", "127.0.0.1:0")
        args.addAll(flags)
        val ca = File(dir, "ca.pem")
        if (tls) args.addAll(listOf("--tls", "--ca-out", ca.path))
        process = ProcessBuilder(args).start()
        Thread {
            try {
                process.errorStream.bufferedReader().forEachLine { log.append(it).append('\n') }
            } catch (_: java.io.IOException) {
                // the server was stopped
            }
        }.apply { isDaemon = true }.start()
        val first = process.inputStream.bufferedReader().readLine() ?: ""
        check(first.startsWith("listening on ")) { "unexpected first line from the server: '$first'; log: $log" }
        url = first.removePrefix("listening on ").trim()
        caPem = if (tls) ca.readText() else null
    }

    /** A client for this server: plain http allowed, or its CA trusted. */
    fun client(options: SxtClientOptions = SxtClientOptions()): SxtClient = SxtClient(
        url,
        options.copy(allowHttp = true, caPem = options.caPem + listOfNotNull(caPem), timeout = options.timeout ?: Duration.ofSeconds(20)),
    )

    /** How many requests the server logged whose line starts with [prefix] (e.g. `POST /v1/auth/refresh -> 200`). */
    fun count(prefix: String): Int {
        Thread.sleep(100) // the log line is written after the reply
        return log.lines().count { it.startsWith(prefix) }
    }

    fun logTail(): String = log.lines().takeLast(30).joinToString("\n")

    /** Sends the server SIGHUP (it reads its `--api-keys-file` again). */
    fun hangUp() {
        check(ProcessBuilder("kill", "-HUP", process.pid().toString()).start().waitFor() == 0)
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor()
        dir.deleteRecursively()
    }

    companion object {
        /** One plain-http server with default settings, for the tests that need nothing special. */
        val shared: TestServer by lazy { TestServer().also { s -> Runtime.getRuntime().addShutdownHook(Thread { s.close() }) } }
    }
}

/**
 * A server that answers every request with one canned HTTP reply: for statuses and replies the local server
 * never gives. JDK's built-in HTTP server, on loopback.
 */
class CannedServer(private val status: Int, private val body: String, private val headers: Map<String, String> = emptyMap()) :
    AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        createContext("/") { exchange ->
            exchange.requestBody.readAllBytes()
            headers.forEach { (k, v) -> exchange.responseHeaders.add(k, v) }
            val bytes = body.toByteArray()
            exchange.sendResponseHeaders(status, if (bytes.isEmpty()) -1 else bytes.size.toLong())
            if (bytes.isNotEmpty()) exchange.responseBody.use { it.write(bytes) }
            exchange.close()
        }
        start()
    }
    val url: String = "http://127.0.0.1:${server.address.port}"

    override fun close() = server.stop(0)
}

/**
 * A scripted SxT sign-in (idexists, auth/code, auth/token) whose token call takes [tokenDelayMs]: a window in
 * which a caller can be cancelled while its call is in flight. It does not check signatures.
 */
class SlowSignInServer(private val tokenDelayMs: Long) : AutoCloseable {
    private val served = java.util.concurrent.atomic.AtomicInteger()
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0).apply {
        executor = java.util.concurrent.Executors.newCachedThreadPool()
        createContext("/") { exchange ->
            exchange.requestBody.readAllBytes()
            val path = exchange.requestURI.path
            val body = when {
                path.startsWith("/v1/auth/idexists/") -> "true"
                path == "/v1/auth/code" -> """{"authCode":"slow-${served.incrementAndGet()}"}"""
                path == "/v1/auth/token" -> {
                    Thread.sleep(tokenDelayMs)
                    val now = System.currentTimeMillis()
                    """{"accessToken":"access-$now","refreshToken":"refresh-$now","accessTokenExpires":${now + 1_500_000},"refreshTokenExpires":${now + 1_800_000}}"""
                }
                else -> "{}"
            }
            val bytes = body.toByteArray()
            exchange.responseHeaders.add("Content-Type", "application/json")
            exchange.sendResponseHeaders(200, bytes.size.toLong())
            exchange.responseBody.use { it.write(bytes) }
        }
        start()
    }
    val url: String = "http://127.0.0.1:${server.address.port}"

    /** How many token calls have been answered or are being answered. */
    val tokenCalls: Int get() = served.get()

    override fun close() = server.stop(0)
}

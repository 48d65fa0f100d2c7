package sxtauth

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.time.Duration
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference

class ConcurrencyTest : LibraryTest() {
    /** 32 coroutines share one session across two expiries of its access token: one refresh per expiry. */
    @Test
    fun thirtyTwoCoroutinesOneRefreshPerExpiry() {
        TestServer(false, "--access-ttl", "2").use { srv ->
            srv.client(SxtClientOptions(refreshMargin = Duration.ZERO)).use { c ->
                c.registerBlocking(newUserId("coroutines"), SxtKeys.generate().privateKey).use { s ->
                    val tokens = Collections.synchronizedSet(HashSet<String>())
                    tokens.add(s.accessTokenBlocking())
                    val calls = AtomicInteger()
                    val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20)
                    runBlocking(Dispatchers.Default) {
                        (1..32).map {
                            async {
                                while (tokens.size < 3 && System.nanoTime() < deadline) {
                                    tokens.add(s.accessToken())
                                    calls.incrementAndGet()
                                    if (it % 4 == 0) assertEquals(s.userId, s.tokenInfo().userId)
                                    delay(20)
                                }
                            }
                        }.awaitAll()
                    }
                    assertEquals(3, tokens.size, "two expiries, three tokens")
                    assertEquals(2, srv.count("POST /v1/auth/refresh -> 200"), "one refresh per expiry")
                    assertEquals(0, srv.count("POST /v1/auth/refresh -> 4"))
                    assertTrue(calls.get() > 64, "${calls.get()} calls")
                }
            }
        }
    }

    @Test
    fun threadsShareOneClient() {
        TestServer.shared.client().use { c ->
            val user = newUserId("share")
            val key = String(SxtKeys.generate().privateKey)
            c.registerBlocking(user, key).close()
            val failures = AtomicReference<Throwable?>()
            val sessionIds = Collections.synchronizedSet(HashSet<String?>())
            val threads = (1..8).map {
                Thread {
                    try {
                        c.loginBlocking(user, key).use { s -> sessionIds.add(s.tokenInfoBlocking().sessionId) }
                    } catch (t: Throwable) {
                        failures.compareAndSet(null, t)
                    }
                }.apply { start() }
            }
            threads.forEach { it.join() }
            failures.get()?.let { throw it }
            assertEquals(8, sessionIds.size, "eight sign-ins, eight sessions")
        }
    }

    /** Calls racing a close from another thread either work or see the session closed: never anything else. */
    @Test
    fun callsRacingAClose() {
        TestServer.shared.client().use { c ->
            repeat(3) { round ->
                val s = c.registerBlocking(newUserId("race$round"), SxtKeys.generate().privateKey)
                val start = CountDownLatch(1)
                val ok = AtomicInteger()
                val closed = AtomicInteger()
                val other = AtomicReference<Throwable?>()
                val threads = (1..16).map { i ->
                    Thread {
                        start.await()
                        repeat(20) {
                            try {
                                when (i % 4) {
                                    0 -> s.tokenInfoBlocking()
                                    1 -> s.accessTokenBlocking()
                                    2 -> s.expiries()
                                    else -> s.refreshBlocking()
                                }
                                ok.incrementAndGet()
                            } catch (e: IllegalStateException) {
                                closed.incrementAndGet()
                            } catch (t: Throwable) {
                                other.compareAndSet(null, t)
                            }
                        }
                    }.apply { start() }
                }
                start.countDown()
                Thread.sleep(5L + round * 10)
                val closer = Thread { s.close() }.apply { start() }
                s.close()
                closer.join()
                threads.forEach { it.join() }
                other.get()?.let { throw AssertionError("a call racing close failed otherwise", it) }
                assertEquals(16 * 20, ok.get() + closed.get())
                assertTrue(closed.get() > 0, "some calls came after the close")
            }
        }
    }

    /** Objects nobody closed are released by the cleaner once unreachable. */
    @Test
    fun theCleanerReleasesForgottenObjects() {
        val user = newUserId("forgotten")
        val key = String(SxtKeys.generate().privateKey)
        TestServer.shared.client().use { it.registerBlocking(user, key).close() }
        forget(user, key)
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30)
        while (SxtAuth.liveObjects() != 0L && System.nanoTime() < deadline) {
            System.gc()
            Thread.sleep(50)
        }
        assertEquals(0L, SxtAuth.liveObjects(), "forgotten client and sessions released")
    }

    private fun forget(user: String, key: String) {
        val c = TestServer.shared.client()
        repeat(5) { c.loginBlocking(user, key) }
        assertTrue(SxtAuth.liveObjects() >= 6)
    }
}

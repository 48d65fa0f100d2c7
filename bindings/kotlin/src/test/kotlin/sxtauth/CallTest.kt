package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.InetAddress
import java.net.ServerSocket
import java.time.Duration

/** SxtCall: a deadline and a cancellation for the blocking calls. */
class CallTest : LibraryTest() {
    @Test
    fun theHandlesRules() {
        assertEquals("timeout_ms", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtCall(Duration.ZERO) }.argument)
        assertEquals("timeout_ms", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtCall(Duration.ofHours(25)) }.argument)
        assertEquals("timeout_ms", expectStatus(SxtStatus.INVALID_ARGUMENT) { SxtCall(Duration.ofMillis(-1)) }.argument)
        val call = SxtCall()
        call.cancel()
        call.cancel()
        call.close()
        call.close()
        assertTrue(call.isClosed)
        expectClosed { call.cancel() }
        expectClosed { call.setTimeout(Duration.ofSeconds(1)) }
        TestServer.shared.client().use { c -> expectClosed { c.userExistsBlocking("someone", call) } }
    }

    @Test
    fun aCancelFromAnotherThreadWakesABlockedCall() {
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { tarpit ->
            val options = SxtClientOptions(allowHttp = true, readTimeout = Duration.ofSeconds(20), timeout = Duration.ofSeconds(20))
            SxtClient("http://127.0.0.1:${tarpit.localPort}", options).use { c ->
                SxtCall().use { call ->
                    val canceller = Thread {
                        Thread.sleep(200)
                        call.cancel()
                    }.apply { start() }
                    val started = System.nanoTime()
                    expectStatus(SxtStatus.CANCELLED) { c.loginBlocking("someone", Vectors.SEED, call) }
                    canceller.join()
                    assertTrue(Duration.ofNanos(System.nanoTime() - started) < Duration.ofSeconds(5))
                    // Cancelled for good: a later call with it fails at once.
                    expectStatus(SxtStatus.CANCELLED) { c.userExistsBlocking("someone", call) }
                }
                SxtCall(Duration.ofMillis(300)).use { deadline ->
                    val started = System.nanoTime()
                    val e = expectStatus(SxtStatus.TIMEOUT) { c.registerBlocking("someone", Vectors.SEED, call = deadline) }
                    assertTrue(e.message!!.contains("deadline"), e.message)
                    assertTrue(Duration.ofNanos(System.nanoTime() - started) < Duration.ofSeconds(5))
                }
            }
        }
    }

    @Test
    fun everySessionCallTakesOneAndACancelledRefreshKeepsTheTokens() {
        TestServer(false).use { srv ->
            srv.client().use { c ->
                val user = newUserId("call")
                val key = String(SxtKeys.generate().privateKey)
                SxtCall(Duration.ofSeconds(20)).use { live ->
                    SxtCall().use { cancelled ->
                        cancelled.cancel()
                        assertEquals(false, c.userExistsBlocking(user, live))
                        c.registerBlocking(user, key, call = live).use { s ->
                            assertTrue(s.accessTokenBlocking(live).isNotEmpty())
                            s.refreshBlocking(live)
                            assertEquals(user, s.tokenInfoBlocking(live).userId)
                            s.addKeyBlocking(String(SxtKeys.generate().privateKey), live)
                            assertEquals(2, s.keysBlocking(live).size)
                            val before = s.refreshToken()
                            val requests = srv.count("")
                            for (call in listOf<() -> Unit>(
                                { s.refreshBlocking(cancelled) }, { s.accessTokenBlocking(cancelled) }, { s.tokenInfoBlocking(cancelled) },
                                { s.keysBlocking(cancelled) }, { s.logoutBlocking(cancelled) }, { s.addKeyBlocking(Vectors.SEED, cancelled) },
                                { c.loginBlocking(user, key, cancelled) }, { c.userExistsBlocking(user, cancelled) },
                            )) {
                                expectStatus(SxtStatus.CANCELLED) { call() }
                            }
                            assertEquals(requests, srv.count(""), "a cancelled call sends nothing")
                            assertEquals(before, s.refreshToken(), "the tokens are as they were")
                            s.refreshBlocking()
                            s.logoutBlocking(live)
                        }
                        c.loginBlocking(user, key, live).close()
                    }
                }
            }
        }
    }
}

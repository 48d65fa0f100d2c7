package sxtauth

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.time.Duration

class CoroutineTest : LibraryTest() {
    @Test
    fun suspendingCalls() = runBlocking {
        TestServer.shared.client().use { c ->
            val user = newUserId("suspend")
            val key = SxtKeys.generate()
            val text = String(key.privateKey)
            assertEquals(false, c.userExists(user))
            c.register(user, key.privateKey).use { s ->
                assertTrue(key.privateKey.all { it == '\u0000' })
                val token = s.accessToken()
                s.refresh()
                assertNotEquals(token, s.accessToken())
                assertEquals(user, s.tokenInfo().userId)
                assertEquals(1, s.keys().size)
                s.addKey(String(SxtKeys.generate().privateKey))
                assertEquals(2, s.keys().size)
                s.logout()
                val e = assertThrows(SxtException::class.java) { runBlocking { s.accessToken() } }
                assertEquals(SxtStatus.LOGGED_OUT, e.status)
            }
            assertEquals(true, c.userExists(user))
            c.login(user, text).close()
            c.login(user, text.toByteArray()).close()
            c.register(user, text, null, null).close()
            val refused = assertThrows(SxtException::class.java) { runBlocking { c.login(newUserId("nobody"), text) } }
            assertEquals(SxtStatus.NOT_FOUND, refused.status)
        }
    }

    /** A coroutine cancelled before its call starts sends nothing, and still wipes the key it was given. */
    @Test
    fun cancelledBeforeTheCallStarts() {
        TestServer(false).use { srv ->
            srv.client().use { c ->
                val user = newUserId("cancelled")
                c.registerBlocking(user, SxtKeys.generate().privateKey).close()
                val requests = srv.count("")
                val key = Vectors.SEED.toCharArray()
                var reached = false
                runBlocking {
                    val job = launch(Dispatchers.Default) {
                        cancel()
                        c.login(user, key).close()
                        reached = true
                    }
                    job.join()
                    assertTrue(job.isCancelled)
                }
                assertEquals(false, reached)
                assertTrue(key.all { it == '\u0000' }, "the key is wiped")
                assertEquals(requests, srv.count(""), "no request was sent")
            }
        }
    }

    /**
     * A coroutine cancelled while its call is in flight cancels the C call: a read blocked on a server that
     * never answers is woken at once (the client's timeouts are 20 s), and the coroutine ends in
     * CancellationException; nothing leaks.
     */
    @Test
    fun cancelledDuringACall() {
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { tarpit ->
            val options = SxtClientOptions(allowHttp = true, readTimeout = Duration.ofSeconds(20), timeout = Duration.ofSeconds(20))
            SxtClient("http://127.0.0.1:${tarpit.localPort}", options).use { c ->
                runBlocking {
                    val started = System.nanoTime()
                    val call = async(Dispatchers.Default) { c.login("someone", Vectors.SEED) }
                    Thread.sleep(200)
                    call.cancel()
                    assertThrows(CancellationException::class.java) { runBlocking { call.await() } }
                    // withTimeout is cancellation too.
                    assertThrows(CancellationException::class.java) {
                        runBlocking { withTimeout(200) { c.userExists("someone") } }
                    }
                    val took = Duration.ofNanos(System.nanoTime() - started)
                    assertTrue(took < Duration.ofSeconds(5), "the cancellations took $took")
                }
            }
        }
    }

    /**
     * A sign-in cancelled while its token call is in flight: the caller gets CancellationException, the call
     * was really under way, and no session is left behind (the leak check after every test sees any).
     */
    @Test
    fun aSignInCancelledInFlightLeavesNothing() {
        SlowSignInServer(tokenDelayMs = 2000).use { slow ->
            SxtClient(slow.url, SxtClientOptions(allowHttp = true)).use { c ->
                val live = SxtAuth.liveObjects()
                runBlocking {
                    val started = System.nanoTime()
                    val call = async(Dispatchers.Default) { c.login("someone", Vectors.SEED) }
                    while (slow.tokenCalls == 0) Thread.sleep(5)
                    call.cancel()
                    assertThrows(CancellationException::class.java) { runBlocking { call.await() } }
                    assertTrue(call.isCancelled)
                    assertTrue(Duration.ofNanos(System.nanoTime() - started) < Duration.ofMillis(1800), "woken before the reply")
                }
                assertEquals(1, slow.tokenCalls, "the call was in flight when it was cancelled")
                assertEquals(live, SxtAuth.liveObjects(), "no session is left behind")
            }
        }
    }

    @Test
    fun suspendingCallsLeaveTheCallersThread() = runBlocking {
        TestServer.shared.client().use { c ->
            val caller = Thread.currentThread()
            val user = newUserId("thread")
            withContext(Dispatchers.Default) { c.registerBlocking(user, SxtKeys.generate().privateKey).close() }
            assertTrue(c.userExists(user))
            assertEquals(caller, Thread.currentThread())
        }
    }
}

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
     * A call cannot be interrupted yet: a coroutine cancelled during one waits for it to end (here, its read
     * timeout), then throws CancellationException; nothing leaks.
     */
    @Test
    fun cancelledDuringACall() {
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { tarpit ->
            val held = mutableListOf<Socket>()
            Thread {
                try {
                    while (true) held.add(tarpit.accept())
                } catch (_: Exception) {
                }
            }.apply { isDaemon = true; start() }
            val options = SxtClientOptions(allowHttp = true, readTimeout = Duration.ofMillis(500), timeout = Duration.ofSeconds(3))
            SxtClient("http://127.0.0.1:${tarpit.localPort}", options).use { c ->
                runBlocking {
                    val call = async(Dispatchers.Default) { c.login("someone", Vectors.SEED) }
                    Thread.sleep(100)
                    call.cancel()
                    assertThrows(CancellationException::class.java) { runBlocking { call.await() } }
                    // withTimeout is cancellation too.
                    assertThrows(CancellationException::class.java) {
                        runBlocking { withTimeout(100) { c.userExists("someone") } }
                    }
                }
            }
            tarpit.close()
            held.forEach { it.close() }
        }
    }

    /**
     * A sign-in whose coroutine is cancelled while the call is in flight: the call completes, the caller
     * gets CancellationException, and the session it would have returned is closed (the leak check after
     * every test would see it otherwise).
     */
    @Test
    fun aSessionMadeForACancelledCallerIsClosed() {
        SlowSignInServer(tokenDelayMs = 400).use { slow ->
            SxtClient(slow.url, SxtClientOptions(allowHttp = true)).use { c ->
                val live = SxtAuth.liveObjects()
                runBlocking {
                    val call = async(Dispatchers.Default) { c.login("someone", Vectors.SEED) }
                    while (slow.tokenCalls == 0) Thread.sleep(5)
                    call.cancel()
                    assertThrows(CancellationException::class.java) { runBlocking { call.await() } }
                    assertTrue(call.isCancelled)
                }
                assertEquals(1, slow.tokenCalls, "the call was in flight when it was cancelled")
                assertEquals(live, SxtAuth.liveObjects(), "the session nobody will see is closed")
                // Uncancelled, the same server signs in.
                runBlocking { c.login("someone", Vectors.SEED) }.use { assertTrue(it.accessTokenBlocking().startsWith("access-")) }
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

/*
 * register-authenticate: checks whether a Space and Time (SxT) user id exists, registers it if not, signs in,
 * and prints the access token. The Kotlin counterpart of examples/c/register_authenticate.c, with the same
 * settings (the environment, else `.env` in the current directory; see examples/c/sample.env), the same
 * output line for line, and the same exit statuses: 0 success, 1 any failure (the reason on stderr), 2 usage.
 *
 *   examples/kotlin/run register-authenticate my_user_id
 */
package sxtauth.examples

import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import sxtauth.SxtAuth
import sxtauth.SxtClient
import sxtauth.SxtClientOptions
import sxtauth.SxtException
import sxtauth.SxtKeys
import sxtauth.SxtSession
import java.io.File
import java.io.IOException
import kotlin.system.exitProcess

/** Prints a failure as the C example does. */
private fun report(what: String, e: SxtException) {
    System.err.println("Error: $what failed: ${e.message} (${SxtAuth.statusName(e.code)})")
    if (e.httpStatus != 0) System.err.println("  HTTP status: ${e.httpStatus}")
    e.title?.let { System.err.println("  title: $it") }
    e.detail?.let { System.err.println("  detail: $it") }
}

private fun fail(message: String): Nothing {
    System.err.println(message)
    exitProcess(1)
}

fun main(args: Array<String>) {
    val env = try {
        DotEnv.load(".env")
    } catch (e: IOException) {
        fail("Error: could not read .env")
    }
    val userId = if (args.isNotEmpty()) args[0] else env.nonEmpty("USERID")
    if (args.size > 1 || userId.isNullOrEmpty()) {
        System.err.println("Please supply your existing or desired user_id!\nusage: register-authenticate <user_id>")
        exitProcess(2)
    }
    val apiUrl = env.nonEmpty("API_URL") ?: fail("Error: please make sure you set the SxT API_URL value in your .env file!")
    val privateKey = env.nonEmpty("USER_PRIVATE_KEY") ?: fail("Error: please set USER_PRIVATE_KEY (see keygen) in your .env file!")
    val publicKey = env.nonEmpty("USER_PUBLIC_KEY")
    val orgCode = env.nonEmpty("ORG_CODE") ?: env.nonEmpty("JOINCODE")
    val caFile = env.nonEmpty("SXT_CA_CERT")
    val allowHttp = env.nonEmpty("SXT_ALLOW_HTTP") == "1"

    // The key must be usable, and match USER_PUBLIC_KEY when that is given.
    val derived = try {
        SxtKeys.publicKey(privateKey)
    } catch (e: SxtException) {
        report("reading USER_PRIVATE_KEY", e)
        exitProcess(1)
    }
    if (publicKey != null && publicKey != derived) {
        fail("Error: USER_PUBLIC_KEY does not match the public key of USER_PRIVATE_KEY ($derived)")
    }

    // The client: extra CAs and plain http only when asked for.
    val caPem = caFile?.let {
        try {
            File(it).readText()
        } catch (e: IOException) {
            fail("Error: cannot read SXT_CA_CERT file $it")
        }
    }
    val client = try {
        SxtClient(apiUrl, SxtClientOptions(caPem = listOfNotNull(caPem), allowHttp = allowHttp))
    } catch (e: SxtException) {
        report(if (e.argument == "ca_pem") "setting up the client" else "creating the client for API_URL", e)
        exitProcess(1)
    }

    // The sign-in's network calls share one deadline: a minute for all of them (cancelling the coroutine
    // stops a call in flight at once).
    val rc = client.use { c ->
        runBlocking {
            withTimeoutOrNull(60_000) { signIn(c, userId, privateKey, orgCode) } ?: fail("Error: the sign-in took over a minute")
        }
    }
    exitProcess(rc)
}

/** Steps 1 and 2 of the C example; returns the exit status. */
private suspend fun signIn(client: SxtClient, userId: String, privateKey: String, orgCode: String?): Int {
    // 1) Does the user id exist?
    println("Checking id: $userId with URL: ${client.baseUrl}/v1/auth/idexists/$userId")
    val exists = try {
        client.userExists(userId)
    } catch (e: SxtException) {
        System.err.println("We did not connect with the SxT API successfully!")
        report("checking the user id", e)
        return 1
    }

    // 2) Authenticate, registering the user id first if it is new.
    val session: SxtSession = try {
        if (exists) {
            println("UserID exists!")
            println("Time to authenticate!")
            client.login(userId, privateKey)
        } else {
            println("UserID doesn't exist!")
            println("Lets create your user ID!")
            client.register(userId, privateKey, orgCode)
        }
    } catch (e: SxtException) {
        report(if (exists) "authenticating" else "registering the user id", e)
        return 1
    }
    return session.use { s ->
        val token = try {
            s.accessToken()
        } catch (e: SxtException) {
            report("getting the access token", e)
            return 1
        }
        println("Authentication to the SxT API has been completed successfully!")
        println("Access token: $token")
        System.out.flush()
        if (System.out.checkError()) 1 else 0
    }
}

/*
 * keygen: prints a new Ed25519 key pair in the form SxT tools use (standard base64), like examples/c/keygen.c.
 *
 *   examples/kotlin/run keygen
 */
package sxtauth.examples

import sxtauth.SxtAuth
import sxtauth.SxtException
import sxtauth.SxtKeys
import kotlin.system.exitProcess

fun main() {
    val pair = try {
        SxtKeys.generate()
    } catch (e: SxtException) {
        System.err.println("keygen failed: ${e.message} (${SxtAuth.statusName(e.code)})")
        exitProcess(1)
    }
    pair.use {
        val out = System.out
        out.print("Private Key (Base64): ")
        out.print(it.privateKey)
        out.println()
        out.println("Public Key (Base64): ${it.publicKey}")
        out.flush()
        exitProcess(if (out.checkError()) 1 else 0)
    }
}

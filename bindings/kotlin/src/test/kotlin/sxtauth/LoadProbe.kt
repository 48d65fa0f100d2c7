package sxtauth

/**
 * Run in a child JVM by [LibraryLoadingTest]: loads the library the way the arguments say and prints its
 * version, or the error, on one line.
 *   LoadProbe use PATH    SxtLibrary.use(PATH), then a call
 *   LoadProbe plain       a call (the system property or the loader path decides)
 *   LoadProbe late PATH   a call, then SxtLibrary.use(PATH): refused
 */
fun main(args: Array<String>) {
    try {
        when (args[0]) {
            "use" -> SxtLibrary.use(args[1])
            "plain" -> {}
            "late" -> {
                println("version ${SxtAuth.version}")
                SxtLibrary.use(args[1])
            }
        }
        println("version ${SxtAuth.version}")
    } catch (e: Throwable) {
        println("${e.javaClass.simpleName}: ${e.message?.lineSequence()?.first()}")
    }
}

package sxtauth.examples

import java.io.File
import java.io.IOException

/**
 * The settings of an example: the real environment first, then a `.env` file (KEY=VALUE lines, `#` comments,
 * an optional `export ` prefix, optional single or double quotes around the value; the last assignment in
 * the file wins). The same rules as the C example's reader, so one `.env` serves both.
 */
class DotEnv private constructor(private val file: Map<String, String>) {
    /** The setting [name], or null when unset. */
    fun setting(name: String): String? = System.getenv(name) ?: file[name]

    /** The setting [name] when it is set and not empty. */
    fun nonEmpty(name: String): String? = setting(name)?.takeIf { it.isNotEmpty() }

    companion object {
        private val nameChars = Regex("[A-Za-z0-9_.]+")

        /** Reads [path] if it exists (a missing file is no error); throws [IOException] if it cannot be read. */
        fun load(path: String): DotEnv {
            val f = File(path)
            if (!f.exists()) return DotEnv(emptyMap())
            val values = LinkedHashMap<String, String>()
            f.readLines().forEach { line -> parse(line)?.let { (k, v) -> values[k] = v } }
            return DotEnv(values)
        }

        /** One line as (name, value), or null for a blank, comment or malformed line. */
        internal fun parse(line: String): Pair<String, String>? {
            var rest = line.trimStart()
            if (rest.isEmpty() || rest.startsWith("#")) return null
            if (rest.startsWith("export ") || rest.startsWith("export\t")) rest = rest.substring(7).trimStart()
            val name = nameChars.matchAt(rest, 0)?.value ?: return null
            rest = rest.substring(name.length).trimStart(' ', '\t')
            if (!rest.startsWith("=")) return null
            rest = rest.substring(1).trimStart(' ', '\t')
            val value = if (rest.startsWith("\"") || rest.startsWith("'")) {
                // Quoted: up to the matching quote; anything after it (a comment) is ignored.
                val close = rest.indexOf(rest[0], 1)
                if (close < 0) return null
                rest.substring(1, close)
            } else {
                // Unquoted: up to an inline ` #` comment, trailing blanks removed.
                var end = 0
                while (end < rest.length && !(rest[end] == '#' && end > 0 && (rest[end - 1] == ' ' || rest[end - 1] == '\t'))) end++
                rest.substring(0, end).trimEnd()
            }
            return name to value
        }
    }
}

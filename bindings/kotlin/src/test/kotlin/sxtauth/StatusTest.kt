package sxtauth

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.io.File

class StatusTest : LibraryTest() {
    /** The enum holds exactly the library's statuses, with its names and numbers. */
    @Test
    fun mirrorsTheLibrary() {
        for (status in SxtStatus.entries.filter { it != SxtStatus.UNKNOWN }) {
            assertEquals("SXT_STATUS_${status.name}", status.statusName, "name of ${status.code}")
            assertEquals(status, SxtStatus.of(status.code))
            assertTrue(status.description.isNotEmpty())
        }
        for (code in 0..1000) {
            val name = SxtAuth.statusName(code)
            if (name != "SXT_STATUS_UNKNOWN") {
                assertNotEquals(SxtStatus.UNKNOWN, SxtStatus.of(code), "the library's $name ($code) is missing from SxtStatus")
            } else {
                assertEquals(SxtStatus.UNKNOWN, SxtStatus.of(code))
            }
        }
        assertEquals(SxtStatus.UNKNOWN, SxtStatus.of(-1))
    }

    /** ... and the header's (the same check scripts/check-status-table.py makes of every binding). */
    @Test
    fun mirrorsTheHeader() {
        val header = File(System.getProperty("sxt.header") ?: "../../include/sxt_auth.h").readText()
        val body = Regex("typedef enum \\{(.*?)\\} sxt_status;", RegexOption.DOT_MATCHES_ALL).find(header)!!.groupValues[1]
        val table = Regex("\\bSXT_STATUS_(\\w+) = (\\d+)").findAll(body).associate { it.groupValues[1] to it.groupValues[2].toInt() }
        assertTrue(table.size > 10)
        assertEquals(table, SxtStatus.entries.filter { it != SxtStatus.UNKNOWN }.associate { it.name to it.code })
    }
}

/** [SxtRole] carries the header's `SXT_ROLE_*` values. */
class RoleTest {
    @Test
    fun mirrorsTheHeader() {
        val header = File(System.getProperty("sxt.header") ?: "../../include/sxt_auth.h").readText()
        val table = Regex("#define SXT_ROLE_(\\w+) (\\d+)").findAll(header).associate { it.groupValues[1] to it.groupValues[2].toInt() }
        assertEquals(3, table.size)
        assertEquals(table, SxtRole.entries.associate { it.name to it.code })
    }
}

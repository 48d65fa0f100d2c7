package sxtauth

/**
 * A role in a subscription, lowest first: what a join code from [SxtSession.createJoinCode] gives.
 *
 * @property code the header's `SXT_ROLE_*` value (checked against the header by a test).
 */
public enum class SxtRole(public val code: Int) {
    MEMBER(0),
    ADMIN(1),
    OWNER(2),
}

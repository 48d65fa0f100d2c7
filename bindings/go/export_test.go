package sxtauth

// Test-only access to unexported helpers, for the external test package.
var (
	LiveObjects    = liveObjects
	ParseTokenInfo = parseTokenInfo
	ParseKeys      = parseKeys
)

// SetAfterHandleLoad installs f to run between a method's load of its handle and its C call (nil removes
// it). Not safe to change while other goroutines call methods.
func SetAfterHandleLoad(f func()) { afterHandleLoad = f }
